"""CcxtVenue: a live account's ExecutionVenue on any exchange ccxt speaks, with REST polling.

- An order reaches this venue already journaled SUBMITTED under its client id (the engine
  does that first); it is sent with that id as the exchange's client order id.
- A request that timed out is never sent again: the order is looked up by its client id
  on the next polls, and only reported lost when the exchange still does not know it
  after ``lookup_polls`` of them.
- Amend uses the exchange's own edit where ccxt has one (Binance: cancel-replace in one
  request), else a cancel then a new order under the same client id.
- Polling (``poll``, every ``poll_s`` of the clock while ``run`` runs): trades become fills
  (each trade once), orders that left the open list get their final state, then the
  balances are taken as the account's totals. An order that ended stays watched for a few
  more polls, so a fill that the exchange reports after a cancel still lands.
- Where tradeterm follows the private stream (``private_stream``: Kraken, Binance spot),
  orders, trades and balances move on as they happen; polling is the slower fallback (every
  ``sweep_s``), fast while the stream is down, and at once after it reconnects.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Coroutine, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradeterm.config.secrets import Credentials
from tradeterm.domain.enums import AccountMode, OrderType
from tradeterm.domain.errors import VenueUnavailable
from tradeterm.domain.events import (
    ArmingChanged,
    ExecutionEvent,
    OrderAmended,
)
from tradeterm.domain.orders import Order, amend_keeps_queue
from tradeterm.engine.clock import Clock
from tradeterm.engine.ports import ExecutionSink
from tradeterm.engine.reconcile import ExchangeView, LedgerSide, SeenOrder
from tradeterm.venues.ccxt.calls import call
from tradeterm.venues.ccxt.clients import make_client
from tradeterm.venues.ccxt.convert import dec, order_request
from tradeterm.venues.ccxt.deadman import Countdown, DeadMansSwitch
from tradeterm.venues.ccxt.dialect import amends_in_place, finder, label, plain_id, uses_countdown
from tradeterm.venues.ccxt.errors import Translated, is_not_found, outcome_unknown
from tradeterm.venues.ccxt.polling import PollLoop
from tradeterm.venues.ccxt.private_stream import PrivateStream, has_stream
from tradeterm.venues.ccxt.reconciling import look
from tradeterm.venues.ccxt.tracking import OrderTracker

log = logging.getLogger("tradeterm.venues.ccxt")

NATIVE_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT})
"""Sent as they are; the engine emulates stops, trailing stops and OCO pairs."""


class CcxtVenue:
    """Orders of one live account on one exchange, through ccxt's async client."""

    mode = AccountMode.LIVE
    native_types = NATIVE_TYPES

    def __init__(
        self,
        account: str,
        exchange_id: str,
        credentials: Credentials,
        clock: Clock,
        *,
        config: Mapping[str, Any] | None = None,
        sandbox: bool = False,
        poll_s: float = 2.0,
        lookup_polls: int = 3,
        linger_polls: int = 3,
        dead_man_s: float = 60.0,
        dead_man_refresh_s: float = 20.0,
        dead_man_symbols: Sequence[str] = (),
        streams: bool | None = None,
        sweep_s: float = 20.0,
        stream_backoff_s: float = 1.0,
    ) -> None:
        self.name = account
        self.exchange_id = exchange_id
        self.label = label(exchange_id)
        self.clock = clock
        self.poll_s = poll_s
        self._credentials = credentials
        self._config = dict(config or {})
        self._sandbox = sandbox
        self._client: Any = None
        self._sink: ExecutionSink | None = None
        self.tracker = OrderTracker(
            account,
            self.label,
            clock,
            self._call,
            finder(self._call, exchange_id, self.label),
            self._emit,
            lookup_polls=lookup_polls,
            linger_polls=linger_polls,
        )
        self._lock = asyncio.Lock()
        self.dead_man_refresh_s = dead_man_refresh_s
        countdown = None
        if uses_countdown(exchange_id, self._config.get("options", {})):
            countdown = Countdown(
                lambda p: self._cancel_after(0, p),
                lambda s: str(self.client.market_id(s)) if self.client.markets else plain_id(s),
                lambda: {*dead_man_symbols, *(t.symbol for t in self.tracker.watched())},
            )
        self.dead_man = DeadMansSwitch(
            self.label,
            lambda: countdown is not None or self.client.has.get("cancelAllOrdersAfter") is True,
            self._cancel_after,
            dead_man_s,
            countdown,
        )
        self.polls = PollLoop(clock, self.poll, self.label, poll_s)
        self.stream: PrivateStream | None = None
        if streams or (streams is None and has_stream(exchange_id, self._config.get("options"))):
            self.stream = PrivateStream(
                exchange_id, self.label, clock, self.tracker, self._call, lambda: self.client,
                lambda: self.polls.every(sweep_s), lambda: self.polls.every(poll_s),
                on_balances=self._stream_balances, backoff_s=stream_backoff_s,
            )  # fmt: skip
        self._tasks: set[asyncio.Task[None]] = set()
        self._looked_around = False
        self._restored: list[Order] = []

    # --- wiring ----------------------------------------------------------------

    def __repr__(self) -> str:
        return f"CcxtVenue({self.name!r}, {self.exchange_id!r})"

    def bind(self, sink: ExecutionSink) -> None:
        self._sink = sink

    @property
    def client(self) -> Any:
        """The ccxt async exchange (made on first use: ccxt is imported only then)."""
        if self._client is None:
            self._client = make_client(
                self.exchange_id,
                self._config,
                self._credentials,
                sandbox=self._sandbox,
                streams=self.stream is not None,
            )
        return self._client

    @property
    def edits_natively(self) -> bool:
        """True when an amend is the exchange's own edit, False for cancel then replace."""
        return self.client.has.get("editOrder") is True

    def amend_note(self) -> str:
        """How an amend is done here, in words, for the amend dialog."""
        if self.edits_natively and amends_in_place(self.exchange_id):
            return (
                f"is changed in place by {self.label}'s own amend (same order): it keeps its "
                "place in the queue only when the quantity goes down at the same price"
            )
        if self.edits_natively:
            return (
                f"is replaced by {self.label}'s own edit (cancel-replace in one request): "
                "it goes to the back of the queue"
            )
        return "is cancelled, then placed again under the same id: it goes to the back of the queue"

    async def close(self) -> None:
        """Turn the dead-man's switch off (quitting is not a crash), then close the client."""
        if self._client is not None:
            await self.dead_man.off()
            await self._client.close()

    # --- the dead-man's switch (see deadman.py) ------------------------------------------

    def dead_man_note(self) -> str:
        """Whether this exchange has a dead-man's switch, in words, for the arm dialog."""
        return self.dead_man.note()

    def on_arming(self, event: ArmingChanged) -> None:
        """Follow the account's arming (subscribed to the engine's bus): arming starts the
        dead-man's switch at once, disarming turns it off."""
        if event.account == self.name:
            self.dead_man.armed = event.armed
            self._in_background(self.dead_man.refresh())

    async def _cancel_after(self, timeout_ms: int, countdown: object = None) -> None:
        try:
            if countdown is not None:  # one symbol's countdownCancelAll (see deadman.Countdown)
                await self._call("fapiPrivatePostCountdownCancelAll", countdown)
            else:
                await self._call("cancel_all_orders_after", timeout_ms)
        except Translated as exc:
            raise exc.error from None

    def _in_background(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _stream_balances(self, totals: dict[str, Decimal], as_of_ns: int) -> None:
        if self._sink is not None:
            self._sink.on_balances(self.name, totals, as_of_ns)

    def _emit(self, event: ExecutionEvent) -> None:
        if self._sink is not None:
            self._sink.on_execution(event)

    async def _call(self, method: str, *args: Any) -> Any:
        """One ccxt call; its errors come out translated (see ``calls.call``)."""
        return await call(self.client, method, args, self.label, self._credentials.redact)

    # --- the ExecutionVenue port ---------------------------------------------------

    async def submit(self, order: Order) -> None:
        """Send the order under its client id; an answer that never came is looked up by that
        id (see the module doc), never sent again.

        Raises:
            OrderRejected: the exchange refused it (its reason and code, in words).
        """
        tracked = self.tracker.track(order)
        request = order_request(order)
        await self.dead_man.cover(order.symbol)
        try:
            answer = await self._call("create_order", order.symbol, *request)
        except Translated as exc:
            if outcome_unknown(exc.original):
                log.warning(
                    "%s: no answer to order %s (%s); looking it up by its client id, "
                    "it is not sent again",
                    self.label,
                    order.client_id,
                    exc.error,
                )
                await self.tracker.lookup(tracked)
                return
            tracked.ended = True
            raise exc.error from None
        self.tracker.absorb(tracked, answer)
        if dec(answer.get("filled")) > 0:
            await self.tracker.poll_trades(order.symbol)

    async def cancel(self, order: Order) -> None:
        """Ask the exchange to cancel (by client id); an order already gone gets its final
        state looked up instead.

        Raises:
            VenueUnavailable: the request could not be sent.
        """
        tracked = self.tracker.track(order)
        exchange_id = tracked.exchange_ids[-1] if tracked.exchange_ids else ""
        try:
            answer = await self._call(
                "cancel_order", exchange_id, order.symbol, {"clientOrderId": order.client_id}
            )
        except Translated as exc:
            if is_not_found(exc.original):
                await self.tracker.refresh(tracked)
                return
            if isinstance(exc.error, VenueUnavailable):
                raise exc.error from None
            log.error("cancel of %s refused: %s", order.client_id, exc.error)
            await self.tracker.refresh(tracked)
            return
        await self.tracker.poll_trades(order.symbol)  # fills before the cancel come first
        self.tracker.absorb(tracked, {**answer, "status": answer.get("status") or "canceled"})

    async def amend(self, order: Order, price: Decimal | None, qty: Decimal) -> None:
        """The exchange's own edit when ccxt has one, else cancel then replace under the same
        client id; either way the order loses its queue place.

        Raises:
            OrderRejected: the change was refused (the message says why), or the order
                ended before it could be replaced.
            VenueUnavailable: the request could not be sent.
        """
        tracked = self.tracker.track(order)
        new_price = price if price is not None else order.price
        in_place = self.edits_natively and amends_in_place(self.exchange_id)
        amount = qty if in_place else qty - order.filled  # in place: the whole new quantity
        kind, side, _, _, params = order_request(order)
        args = (order.symbol, kind, side, str(amount), str(new_price) if new_price else None)
        # a replaced order's end (its cancel, streamed) is not this order's end
        tracked.replacing = "" if in_place or not tracked.exchange_ids else tracked.exchange_ids[-1]
        try:
            if self.edits_natively and tracked.exchange_ids:
                answer = await self._call("edit_order", tracked.exchange_ids[-1], *args, params)
            else:
                await self._call(
                    "cancel_order", "", order.symbol, {"clientOrderId": order.client_id}
                )
                answer = await self._call("create_order", *args, params)
        except Translated as exc:
            raise exc.error from None
        finally:
            tracked.replacing = ""
        self.tracker.add_exchange_id(tracked, str(answer.get("id") or ""))
        kept = in_place and amend_keeps_queue(order, price, qty)
        self._emit(OrderAmended(order.client_id, new_price, qty, kept, self.clock.now_ns()))

    async def run(self) -> None:
        """Follow the private stream where there is one (see ``private_stream``) and poll:
        now, then every ``poll_s`` of the clock, or every ``sweep_s`` while the stream is
        open, until cancelled (see ``polling``)."""
        keep_alive = self.clock.call_every(
            self.dead_man_refresh_s, lambda: self._in_background(self.dead_man.refresh())
        )
        stream = asyncio.ensure_future(self.stream.run()) if self.stream else None
        try:
            await self.polls.run()
        finally:
            keep_alive.cancel()
            if stream is not None:
                stream.cancel()
                await asyncio.gather(stream, return_exceptions=True)
            await self.close()

    def restore(self, order: Order, queue_ahead: Decimal | None) -> None:
        """Watch an order that was open when tradeterm stopped; one still SUBMITTED is looked
        up by its client id on the next poll."""
        self.tracker.restore(order)
        self._restored.append(copy.copy(order))

    # --- reconciliation (see engine.reconcile) ---------------------------------------

    def restored_orders(self) -> list[Order]:
        """The orders the ledger had open at start-up, as they were then (given once)."""
        taken, self._restored = self._restored, []
        return taken

    async def look(self, ledger: LedgerSide, since_ns: int | None) -> ExchangeView:
        """What the exchange says now about this account.

        Raises:
            TradetermError: the exchange could not be asked (translated).
        """
        try:
            find = finder(self._call, self.exchange_id, self.label)
            return await look(self._call, find, self.label, ledger, since_ns)
        except Translated as exc:
            raise exc.error from None

    async def cancel_elsewhere(self, order: SeenOrder) -> None:
        """Cancel an open order tradeterm did not place, by its exchange id."""
        try:
            await self._call("cancel_order", order.exchange_id, order.symbol)
        except Translated as exc:
            raise exc.error from None

    def adopt(self, order: Order) -> None:
        """Follow an order placed elsewhere from now on, as if tradeterm had placed it."""
        self.tracker.restore(order)
        self.tracker.untracked.pop(order.venue_order_id, None)

    # --- polling ---------------------------------------------------------------------

    async def poll(self) -> None:
        """One round: fills, order states, balances (the first also lists every open order
        and reports those tradeterm does not track).

        Raises:
            TradetermError: the exchange could not be asked (translated).
        """
        async with self._lock:
            try:
                if not self._looked_around:  # the first poll: every open order, any symbol
                    self.tracker.note_untracked(await self._call("fetch_open_orders"))
                    self._looked_around = True
                for symbol in sorted({t.symbol for t in self.tracker.watched()}):
                    await self.tracker.poll_trades(symbol)
                    await self.tracker.poll_orders(symbol)
                balance = await self._call("fetch_balance")
            except Translated as exc:
                raise exc.error from None
        totals = {a: dec(q) for a, q in (balance.get("total") or {}).items() if q}
        if self._sink is not None:
            self._sink.on_balances(self.name, totals)
