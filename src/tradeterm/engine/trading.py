"""Placing, amending and cancelling orders: checks, holds, the journal, the venue, the events.

The order path: a command is checked (``risk.plan_order``), funds are held, the
order is journaled under its client id, and only when that record is durable
is the order shown and sent to the venue. Every event the venue sends back is
journaled the same way before it changes what the user sees.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, NoReturn

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus
from tradeterm.domain.errors import OrderRejected, TradetermError, VenueUnavailable
from tradeterm.domain.events import (
    BalancesChanged,
    ExecutionEvent,
    OrderAccepted,
    OrderFilled,
    OrderTriggered,
    OrderUpdated,
    QueueUpdated,
)
from tradeterm.domain.events import OrderRejected as OrderRejectedEvent
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.orders import Order, can_transition
from tradeterm.engine.accounting import apply_execution, hold, hold_asset
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.amending import check_amend
from tradeterm.engine.balances import on_balances
from tradeterm.engine.journal import EVENT_KINDS, dumps, event_record, order_record
from tradeterm.engine.ledger import Ledger, Record
from tradeterm.engine.order_log import log_execution
from tradeterm.engine.order_preview import preview
from tradeterm.engine.ports import ExecutionVenue
from tradeterm.engine.writer import JournalWriter

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.orders")

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_CANCELLING = frozenset({OrderStatus.PENDING_CANCEL})
_FUNDS_KEPT = frozenset({QueueUpdated, OrderAccepted, OrderTriggered})
"""Venue events that change an order but no balance or hold: no ``BalancesChanged``."""


def _base36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _ALPHABET[r] + out
        if not n:
            return out


class Trading:
    """The engine's order desk. The Engine owns it and forwards its public calls."""

    def __init__(self, engine: Engine, ledger: Ledger | None, prefix: str | None = None) -> None:
        self.engine = engine
        self.ledger = ledger
        self.writer = JournalWriter(ledger)
        # client ids: "tt" + this session's start (base 36) + a counter, unique across restarts;
        # a fixed prefix (tests, snapshots) makes them reproducible
        self._session = prefix if prefix is not None else _base36(time.time_ns() // 1_000_000)
        self._ids = itertools.count(1)
        self._owner: dict[str, str] = {}  # client id -> account name
        self._pending: dict[tuple[str, str], Decimal] = {}  # (account, asset) -> held, unacked
        self.on_acknowledged: list[Callable[[Order], None]] = []

    # --- helpers -----------------------------------------------------------------

    def new_client_id(self) -> str:
        return f"tt{self._session}{next(self._ids)}"

    def account(self, name: str | None) -> AccountState:
        state = self.engine.state
        key = name or state.active_account
        account = state.accounts.get(key)
        if account is None:
            raise TradetermError(f"unknown account {key!r}; accounts: {', '.join(state.accounts)}")
        return account

    def venue(self, account: AccountState) -> ExecutionVenue:
        venue = self.engine.venues.get(account.name)
        if venue is None:
            raise OrderRejected(f"account {account.name} has no venue to trade on")
        return venue

    def order(self, client_id: str) -> tuple[AccountState, Order]:
        name = self._owner.get(client_id)
        account = self.engine.state.accounts.get(name or "")
        order = account.orders.get(client_id) if account else None
        if account is None or order is None:
            raise TradetermError(f"no order {client_id}")
        return account, order

    def own(self, client_id: str, account_name: str) -> None:
        """Route the venue's events for ``client_id`` to ``account_name`` (used by restore)."""
        self._owner[client_id] = account_name

    def pending_for(self, account: AccountState) -> Mapping[str, Decimal]:
        """Funds held by ``account``'s orders not yet acknowledged, per asset."""
        return {asset: q for (name, asset), q in self._pending.items() if name == account.name}

    def last_price(self, inst: Instrument) -> Decimal | None:
        """The newest print on the tape, else the ticker's last (tickers lag the tape)."""
        state = self.engine.state
        tape = state.tapes.get(inst)
        if tape:
            return tape[0].price
        ticker = state.tickers.get(inst)
        return ticker.last if ticker is not None else None

    async def _request(
        self, account: AccountState, order: Order, record: Record, pending: OrderStatus
    ) -> bool:
        """Journal a cancel or amend request, then show the order as ``pending``; False if
        the order ended while the request was being journaled (nothing left to send)."""
        still_open: list[bool] = []

        def acknowledge() -> None:
            if can_transition(order.status, pending):  # not filled or ended meanwhile
                order.transition(pending)
                order.updated_ns = record.ts_ns
                self._publish(account, order, funds=False)  # (nothing is held or freed yet)
                still_open.append(True)

        await self.durable([record], acknowledge)
        return bool(still_open)

    async def durable(self, records: list[Record], apply: Callable[[], None]) -> None:
        """Journal ``records``, then run ``apply`` (and only then return). The caller waits
        for this commit, so it is made at once when no batch is in flight (see writer)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def ack() -> None:
            try:
                apply()
            except Exception as exc:  # the caller must hear of it, never wait forever
                if not done.done():
                    done.set_exception(exc)
                raise
            if not done.done():
                done.set_result(None)

        self.writer.submit(records, ack, at_once=True)
        await done

    # --- placing -------------------------------------------------------------------

    async def place(
        self,
        cmd: PlaceOrder,
        *,
        group: str = "",
        emulate: bool = False,
        holdless: bool = False,
        client_id: str | None = None,
        oco: str = "",
    ) -> Order:
        """Check, hold, journal, show, then send an order; returns it once acknowledged.

        The order is journaled SUBMITTED (or EMULATED, when the engine holds it) before
        any call to the venue. ``emulate`` keeps a natively supported type in the
        engine; ``holdless`` holds no funds (an OCO stop-loss whose partner holds them).

        Raises:
            OrderRejected: a rule is broken (the message lists every one); nothing was
                sent, and the order is journaled DENIED with the reasons.
        """
        account = self.account(cmd.account)
        venue = self.venue(account)
        symbol = self.engine.state.local_symbol(account, cmd.symbol)
        if symbol != cmd.symbol:
            cmd = replace(cmd, symbol=symbol)
        await self.engine.risk.enforce(account)
        plan = preview(self, cmd, check_funds=not holdless, placing=True)
        if holdless:
            plan.hold, plan.budget = Decimal(0), None
        now = self.engine.clock.now_ns()
        emulated = emulate or cmd.type not in venue.native_types
        order = Order(
            client_id=client_id or self.new_client_id(),
            account=account.name,
            symbol=cmd.symbol,
            side=cmd.side,
            type=cmd.type,
            qty=plan.qty,
            price=cmd.price,
            stop_price=cmd.stop_price,
            tif=cmd.tif,
            post_only=cmd.post_only,
            reduce_only=cmd.reduce_only,
            status=OrderStatus.EMULATED if emulated else OrderStatus.SUBMITTED,
            created_ns=now,
            updated_ns=now,
            trail=cmd.trail,
            emulated=emulated,
            budget=plan.budget,
            reserved=plan.hold,
            group=group,
            oco=oco,
            take_profit=cmd.take_profit,
            stop_loss=cmd.stop_loss,
            mid_at_send=plan.mid,
            tag=cmd.tag,
        )
        if plan.problems or plan.market is None:
            await self._deny(account, order, plan.problems)
        market = plan.market
        key = (account.name, hold_asset(order, market))
        self._pending[key] = self._pending.get(key, Decimal(0)) + plan.hold
        record = Record(now, account.name, "placed", order.client_id, order_record(order))

        def acknowledge() -> None:
            self._pending[key] -= plan.hold
            reserved, order.reserved = order.reserved, Decimal(0)
            hold(account, order, market, reserved)
            self._add(account, order)
            for callback in self.on_acknowledged:
                callback(order)

        await self.durable([record], acknowledge)
        log.info(
            "%s %s %s %s %s%s",
            account.name,
            order.side.value,
            order.qty,
            order.symbol,
            order.type.value.replace("_", "-"),
            f" @ {order.price}" if order.price is not None else "",
        )
        if order.emulated:
            self.engine.emulator.track(order)
        else:
            await self.send(order, venue)
        return order

    async def adopt(self, account: AccountState, order: Order) -> None:
        """Journal an order placed elsewhere (found open at the exchange) and show it as the
        account's own; its venue follows it from then on (see ``engine.reconciling``)."""
        record = Record(
            self.engine.clock.now_ns(), account.name, "placed", order.client_id, order_record(order)
        )
        await self.durable([record], lambda: self._add(account, order))

    async def _deny(self, account: AccountState, order: Order, problems: list[str]) -> NoReturn:
        """Journal ``order`` as DENIED by tradeterm's own checks, show it, and raise."""
        reason = "; ".join(problems) or f"unknown symbol {order.symbol}"
        order.status, order.reason, order.reserved = OrderStatus.DENIED, reason, Decimal(0)
        payload = order_record(order)
        record = Record(order.created_ns, account.name, "placed", order.client_id, payload)
        await self.durable([record], lambda: self._add(account, order))
        raise OrderRejected(reason)

    def _add(self, account: AccountState, order: Order) -> None:
        account.orders[order.client_id] = order
        self._owner[order.client_id] = account.name
        self._publish(account, order)

    async def send(self, order: Order, venue: ExecutionVenue) -> None:
        """Send an acknowledged order to its venue; a refusal becomes an OrderRejected event."""
        try:
            await venue.submit(order)
        except (OrderRejected, VenueUnavailable) as exc:
            reason = str(exc) if isinstance(exc, OrderRejected) else f"venue unavailable: {exc}"
            self.on_execution(
                OrderRejectedEvent(order.client_id, reason, self.engine.clock.now_ns())
            )

    # --- cancelling and amending -----------------------------------------------------

    async def cancel(self, client_id: str) -> None:
        """Ask the venue to cancel; the order shows PENDING_CANCEL until it answers.

        Raises:
            TradetermError: no such order, or it is already final.
        """
        account, order = self.order(client_id)
        if order.status.is_final:
            raise TradetermError(f"order {client_id} is already {order.status.value}")
        if order.status is OrderStatus.PENDING_CANCEL:
            return
        record = Record(self.engine.clock.now_ns(), account.name, "cancel_req", client_id, "{}")
        if not await self._request(account, order, record, OrderStatus.PENDING_CANCEL):
            return  # it ended while the request was being journaled: nothing to cancel
        if order.emulated and not self.engine.emulator.is_live(order):
            self.engine.emulator.cancel(order)
            return
        try:
            await self.venue(account).cancel(order)
        except VenueUnavailable as exc:
            log.error("cancel of %s not sent: %s", client_id, exc)
            if order.status in _CANCELLING:  # it works on: a retry may cancel it
                order.status = order.working_status()
                self._publish(account, order, funds=False)

    async def amend(
        self,
        client_id: str,
        price: Decimal | None,
        qty: Decimal,
        stop_price: Decimal | None = None,
    ) -> None:
        """Change the limit price, the quantity and (for an order the engine holds) the trigger.

        Raises:
            TradetermError / OrderRejected: the order cannot be amended to that (message says why).
        """
        account, order = self.order(client_id)
        if order.status.is_final or order.status is OrderStatus.PENDING_CANCEL:
            raise TradetermError(f"order {client_id} is {order.status.value}: nothing to amend")
        market = self.engine.state.markets[self.engine.state.order_instrument(order)]
        check_amend(account, order, market, price, qty, stop_price)
        now = self.engine.clock.now_ns()
        fields = {"price": price, "qty": qty, "stop_price": stop_price}
        payload = dumps(fields) if self.ledger is not None else ""  # (no ledger: never written)
        record = Record(now, account.name, "amend_req", client_id, payload)
        if not await self._request(account, order, record, OrderStatus.PENDING_AMEND):
            return
        if order.emulated and not self.engine.emulator.is_live(order):
            self.engine.emulator.amend(order, price, qty, stop_price)
            return
        try:
            await self.venue(account).amend(order, price, qty)
        except OrderRejected as exc:
            self.on_execution(OrderRejectedEvent(client_id, f"amend rejected: {exc}", now))
        except VenueUnavailable as exc:
            self.on_execution(OrderRejectedEvent(client_id, f"amend not sent: {exc}", now))

    # --- execution events (the ExecutionSink port) ---------------------------------

    def on_execution(self, event: ExecutionEvent) -> None:
        """Journal a venue event, then apply it and publish (QueueUpdated is not journaled)."""
        client_id = event.fill.client_id if isinstance(event, OrderFilled) else event.client_id
        name = self._owner.get(client_id)
        if name is None:
            log.warning("event for unknown order %s ignored: %s", client_id, type(event).__name__)
            return
        if isinstance(event, QueueUpdated):
            self._apply(name, event)
            return
        now = self.engine.clock.now_ns()
        # without a ledger (a backtest) the record is never written: its text is not made
        payload = event_record(event) if self.ledger is not None else ""
        record = Record(now, name, EVENT_KINDS[type(event)], client_id, payload)
        self.writer.submit([record], lambda: self._apply(name, event))

    def on_balances(
        self, account: str, totals: Mapping[str, Decimal], as_of_ns: int | None = None
    ) -> None:
        """A live venue's balance snapshot: journaled, then the account's totals (see
        ``engine.balances``)."""
        on_balances(self.engine, account, totals, as_of_ns)

    def _apply(self, account_name: str, event: ExecutionEvent) -> None:
        account = self.engine.state.accounts[account_name]
        client_id = event.fill.client_id if isinstance(event, OrderFilled) else event.client_id
        order = account.orders[client_id]
        market = self.engine.state.markets.get(self.engine.state.order_instrument(order))
        if market is None:
            log.error("order %s: market %s is gone; event not applied", client_id, order.symbol)
            return
        apply_execution(account, order, market, event, self.engine.clock.now_ns())
        log_execution(order, event, market)
        self._publish(account, order, funds=type(event) not in _FUNDS_KEPT)
        if isinstance(event, OrderFilled):
            self.engine.bus.publish(event)

    def _publish(self, account: AccountState, order: Order, *, funds: bool = True) -> None:
        """``OrderUpdated``, then ``BalancesChanged`` unless the change moved no ``funds``."""
        bus = self.engine.bus
        bus.publish(OrderUpdated(order))
        if funds:
            bus.publish(BalancesChanged(account.name))
