"""A reconciliation session for one live account: the account stops trading, the exchange
is asked, the differences are listed (``engine.reconcile``), and each is acted on (adopt,
cancel, record, ignore, accept) until the user finishes, which lets it trade again.

Every action is journaled (kind ``reconcile``) with what it was about; a fill tradeterm
never knew is journaled as ``foreign_fill`` with its source (the exchange, the trade and
order ids): not an order of tradeterm's, but it changes the account's position and balances
(``engine.foreign_fills``), live and on every restart.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import BalancesChanged, OrderCanceled
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.foreign_fills import apply_foreign_fill
from tradeterm.engine.journal import dumps
from tradeterm.engine.ledger import Record
from tradeterm.engine.reconcile import (
    Action,
    Difference,
    Kind,
    LedgerSide,
    Reconcilable,
    SeenOrder,
    differences,
)

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.reconcile")


def ledger_side(engine: Engine, account: AccountState, restored: list[Order]) -> LedgerSide:
    """What the ledger believes: the open orders (and those open at start-up), the last
    balances, every exchange id and client id it knows, the foreign fills recorded."""
    opened = {o.client_id: o for o in restored}
    opened.update({o.client_id: o for o in account.open_orders() if not o.emulated})
    side = LedgerSide(
        open_orders=list(opened.values()),
        balances={a: b.total for a, b in account.balances.items() if b.total},
        exchange_order_ids={o.venue_order_id for o in account.orders.values() if o.venue_order_id},
        client_ids=set(account.orders),
    )
    ledger = engine.trading.ledger
    if ledger is not None:
        for rec in ledger.records(account.name):
            if rec.kind == "foreign_fill":
                side.recorded_trades.add(_trade_id(rec.payload))
    return side


def _trade_id(payload: str) -> str:
    return str(json.loads(payload).get("trade_id", ""))


def since_ns(engine: Engine, account: AccountState) -> int | None:
    """The start of the ledger's history for ``account`` (trades since then are compared)."""
    ledger = engine.trading.ledger
    if ledger is None:
        return None
    return next((rec.ts_ns for rec in ledger.records(account.name)), None)


class Reconciliation:
    """One account's reconciliation, from ``start`` (no trading) to ``finish``."""

    def __init__(self, engine: Engine, account: AccountState, venue: Reconcilable) -> None:
        self.engine = engine
        self.account = account
        self.venue = venue
        self.found: list[Difference] = []
        self.done: dict[int, str] = {}
        """What was done about each difference (by its index), in words."""

    async def start(self) -> list[Difference]:
        """Stop the account trading, ask the exchange and list the differences.

        Raises:
            TradetermError: the exchange could not be asked (the account stays stopped
                until ``finish``).
        """
        self.account.reconciling = True
        side = ledger_side(self.engine, self.account, self.venue.restored_orders())
        view = await self.venue.look(side, since_ns(self.engine, self.account))
        self.found = differences(side, view)
        self.done = {}
        log.warning(
            "%s: reconciliation with %s found %d difference(s)",
            self.account.name,
            self.venue.label,
            len(self.found),
        )
        for diff in self.found:
            log.warning("%s: %s", self.account.name, diff.text)
        return self.found

    async def act(self, index: int, action: Action) -> str:
        """Do ``action`` about difference ``index``; returns what was done, in words.

        Raises:
            TradetermError: the action is not offered for it, it was dealt with already, or
                the exchange refused (the message says why).
        """
        diff = self.found[index]
        if index in self.done:
            raise TradetermError(f"already done: {self.done[index]}")
        if action not in diff.actions:
            offered = ", ".join(a.value for a in diff.actions)
            raise TradetermError(f"{action.value} is not offered here: {offered}")
        if action is Action.ADOPT and diff.order is not None:
            said = await self._adopt(diff.order)
        elif action is Action.CANCEL and diff.order is not None:
            await self.venue.cancel_elsewhere(diff.order)
            said = f"cancelled order {diff.order.exchange_id} at {self.venue.label}"
        elif action is Action.RECORD and diff.trade is not None:
            said = await self._record(diff)
        elif action is Action.IGNORE:
            said = "ignored"
        elif diff.kind is Kind.MISSING:
            reason = f"{self.venue.label} does not know it (reconciliation)"
            now = self.engine.clock.now_ns()
            self.engine.trading.on_execution(OrderCanceled(diff.client_id, reason, now))
            said = f"order {diff.client_id} ended in the ledger: {reason}"
        else:
            said = f"accepted: the ledger follows {self.venue.label}"
        await self._journal(diff, action, said)
        self.done[index] = said
        return said

    def finish(self) -> None:
        """The user left the screen: the account may trade again."""
        self.account.reconciling = False
        log.warning("%s: reconciliation finished; the account may trade", self.account.name)

    async def _adopt(self, seen: SeenOrder) -> str:
        client_id = seen.client_id or f"x{seen.exchange_id}"
        if client_id in self.account.orders:
            client_id = f"x{seen.exchange_id}"
        now = self.engine.clock.now_ns()
        order = Order(
            client_id,
            self.account.name,
            seen.symbol,
            Side.BUY if seen.side == "buy" else Side.SELL,
            OrderType.LIMIT if seen.price is not None else OrderType.MARKET,
            seen.qty,
            price=seen.price,
            status=OrderStatus.PARTIALLY_FILLED if seen.filled else OrderStatus.OPEN,
            filled=seen.filled,
            cost=seen.filled * (seen.price or 0),
            created_ns=now,
            updated_ns=now,
            venue_order_id=seen.exchange_id,
            reason=f"placed elsewhere, adopted from {self.venue.label}",
        )
        await self.engine.trading.adopt(self.account, order)
        self.venue.adopt(order)
        return f"adopted order {seen.exchange_id} as {client_id}: tradeterm follows it now"

    async def _record(self, diff: Difference) -> str:
        trade = diff.trade
        assert trade is not None
        source = (
            f"{self.venue.label} trade {trade.trade_id} of order {trade.exchange_order_id}, "
            "placed elsewhere"
        )
        payload = dumps(
            {
                "trade_id": trade.trade_id,
                "order_id": trade.exchange_order_id,
                "symbol": trade.symbol,
                "side": trade.side,
                "qty": trade.qty,
                "price": trade.price,
                "ts_ns": trade.ts_ns,
                "source": source,
            }
        )
        record = Record(
            self.engine.clock.now_ns(), self.account.name, "foreign_fill", None, payload
        )
        account, engine = self.account, self.engine

        def book() -> None:
            if apply_foreign_fill(engine.state, account, payload) is not None:
                engine.bus.publish(BalancesChanged(account.name))

        await engine.trading.durable([record], book)
        return f"recorded: {source}"

    async def _journal(self, diff: Difference, action: Action, said: str) -> None:
        payload = dumps({"kind": diff.kind.name, "action": action.value, "about": diff.text,
                         "done": said})  # fmt: skip
        record = Record(self.engine.clock.now_ns(), self.account.name, "reconcile", None, payload)
        await self.engine.trading.durable([record], lambda: None)
        log.info("%s: %s", self.account.name, said)
