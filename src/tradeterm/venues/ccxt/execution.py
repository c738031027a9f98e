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
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradeterm.config.secrets import Credentials
from tradeterm.domain.enums import AccountMode, OrderType
from tradeterm.domain.errors import TradetermError, VenueUnavailable
from tradeterm.domain.events import (
    ArmingChanged,
    ExecutionEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
)
from tradeterm.domain.events import (
    OrderRejected as OrderRejectedEvent,
)
from tradeterm.domain.orders import Order
from tradeterm.engine.clock import Clock
from tradeterm.engine.ports import ExecutionSink
from tradeterm.venues.ccxt.convert import ENDED, dec, fill_from_trade, order_request
from tradeterm.venues.ccxt.errors import is_not_found, outcome_unknown, translate

log = logging.getLogger("tradeterm.venues.ccxt")

NATIVE_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT})
"""Sent as they are; the engine emulates stops, trailing stops and OCO pairs."""

# what a spot account needs from Binance: no futures markets, no private currency list
_DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {
        "fetchCurrencies": False,
        "fetchMargins": False,
        "fetchMarkets": {"types": ["spot"]},
        "warnOnFetchOpenOrdersWithoutSymbol": False,
    }
}


@dataclass(slots=True)
class _Tracked:
    client_id: str
    symbol: str
    exchange_ids: list[str] = field(default_factory=list)
    accepted: bool = False
    ended: bool = False
    linger: int = 0
    """Polls left to watch for late fills after the order ended."""
    lookups: int = 0
    """Polls that looked for an unanswered order by its client id and did not find it."""
    known_filled: Decimal = Decimal(0)
    """Filled before a restart (those trades are in the ledger already)."""
    counted: Decimal = Decimal(0)


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
    ) -> None:
        self.name = account
        self.exchange_id = exchange_id
        self.label = exchange_id.capitalize()
        self.clock = clock
        self.poll_s = poll_s
        self.lookup_polls = lookup_polls
        self.linger_polls = linger_polls
        self._credentials = credentials
        self._config = dict(config or {})
        self._sandbox = sandbox
        self._client: Any = None
        self._sink: ExecutionSink | None = None
        self._orders: dict[str, _Tracked] = {}
        self._by_exchange_id: dict[str, str] = {}
        self._seen_trades: set[str] = set()
        self._lock = asyncio.Lock()
        self.dead_man_s = dead_man_s
        self.dead_man_refresh_s = dead_man_refresh_s
        self._armed = False
        self._dead_man_on = False
        self._tasks: set[asyncio.Task[None]] = set()

    # --- wiring ----------------------------------------------------------------

    def __repr__(self) -> str:
        return f"CcxtVenue({self.name!r}, {self.exchange_id!r})"

    def bind(self, sink: ExecutionSink) -> None:
        self._sink = sink

    @property
    def client(self) -> Any:
        """The ccxt async exchange (made on first use: ccxt is imported only then)."""
        if self._client is None:
            import ccxt.async_support as ccxt_async

            options = {**_DEFAULT_OPTIONS.get(self.exchange_id, {})}
            options.update(self._config.get("options", {}))
            config = {"enableRateLimit": True, **self._config, "options": options}
            config.update(self._credentials.ccxt_config())
            self._client = getattr(ccxt_async, self.exchange_id)(config)
            if self._sandbox:
                self._client.set_sandbox_mode(True)
        return self._client

    @property
    def edits_natively(self) -> bool:
        """True when an amend is the exchange's own edit, False for cancel then replace."""
        return self.client.has.get("editOrder") is True

    def amend_note(self) -> str:
        """How an amend is done here, in words, for the amend dialog."""
        if self.edits_natively:
            return (
                f"is replaced by {self.label}'s own edit (cancel-replace in one request): "
                "it goes to the back of the queue"
            )
        return "is cancelled, then placed again under the same id: it goes to the back of the queue"

    async def close(self) -> None:
        """Turn the dead-man's switch off (quitting is not a crash), then close the client."""
        if self._client is not None:
            if self._dead_man_on:
                self._armed = False
                await self.refresh_dead_man()
            await self._client.close()

    # --- the dead-man's switch ---------------------------------------------------------

    @property
    def has_dead_man(self) -> bool:
        """The exchange cancels every resting order when tradeterm stops refreshing this
        (ccxt's ``cancel_all_orders_after``: Kraken, Bybit, OKX; not Binance spot)."""
        return self.client.has.get("cancelAllOrdersAfter") is True

    def dead_man_note(self) -> str:
        """Whether this exchange has a dead-man's switch, in words, for the arm dialog."""
        if self.has_dead_man:
            return (
                f"{self.label} has a dead-man's switch: while armed, resting orders are "
                f"cancelled {self.dead_man_s:g} s after tradeterm stops refreshing it"
            )
        return (
            f"{self.label} has no dead-man's switch: resting orders stay on the book if "
            "tradeterm or its link dies"
        )

    def on_arming(self, event: ArmingChanged) -> None:
        """Follow the account's arming (subscribed to the engine's bus): arming starts the
        dead-man's switch at once, disarming turns it off."""
        if event.account != self.name:
            return
        self._armed = event.armed
        self._in_background(self.refresh_dead_man())

    async def refresh_dead_man(self) -> None:
        """Armed: set the exchange's timer to ``dead_man_s`` again. Disarmed: turn it off.
        A failure is logged (the next refresh tries again); nothing is raised."""
        if not self.has_dead_man or (not self._armed and not self._dead_man_on):
            return
        timeout_ms = int(self.dead_man_s * 1000) if self._armed else 0
        try:
            await self._call("cancel_all_orders_after", timeout_ms)
        except _Translated as exc:
            log.warning("%s: dead-man's switch not refreshed: %s", self.label, exc.error)
            return
        self._dead_man_on = self._armed

    def _in_background(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _emit(self, event: ExecutionEvent) -> None:
        if self._sink is not None:
            self._sink.on_execution(event)

    async def _call(self, method: str, *args: Any) -> Any:
        """One ccxt call; its errors come out translated (see ``errors.translate``)."""
        client = self.client
        try:
            if not client.markets:
                await client.load_markets()
            return await getattr(client, method)(*args)
        except Exception as exc:
            if not _is_ccxt(exc):
                raise
            body = str(getattr(client, "last_http_response", "") or "")
            error = translate(exc, self.label, self._credentials.redact, body)
            raise _Translated(exc, error) from None

    # --- the ExecutionVenue port ---------------------------------------------------

    async def submit(self, order: Order) -> None:
        """Send the order under its client id; an answer that never came is looked up by that
        id (see the module doc), never sent again.

        Raises:
            OrderRejected: the exchange refused it (its reason and code, in words).
        """
        tracked = self._orders.setdefault(order.client_id, _Tracked(order.client_id, order.symbol))
        request = order_request(order)
        try:
            answer = await self._call("create_order", order.symbol, *request)
        except _Translated as exc:
            if outcome_unknown(exc.original):
                log.warning(
                    "%s: no answer to order %s (%s); looking it up by its client id, "
                    "it is not sent again",
                    self.label,
                    order.client_id,
                    exc.error,
                )
                await self._lookup(tracked)
                return
            tracked.ended = True
            raise exc.error from None
        self._absorb(tracked, answer)
        if dec(answer.get("filled")) > 0:
            await self._poll_trades(order.symbol)

    async def cancel(self, order: Order) -> None:
        """Ask the exchange to cancel (by client id); an order already gone gets its final
        state looked up instead.

        Raises:
            VenueUnavailable: the request could not be sent.
        """
        tracked = self._orders.setdefault(order.client_id, _Tracked(order.client_id, order.symbol))
        exchange_id = tracked.exchange_ids[-1] if tracked.exchange_ids else ""
        try:
            answer = await self._call(
                "cancel_order", exchange_id, order.symbol, {"clientOrderId": order.client_id}
            )
        except _Translated as exc:
            if is_not_found(exc.original):
                await self._refresh(tracked)
                return
            if isinstance(exc.error, VenueUnavailable):
                raise exc.error from None
            log.error("cancel of %s refused: %s", order.client_id, exc.error)
            await self._refresh(tracked)
            return
        await self._poll_trades(order.symbol)  # fills before the cancel come first
        self._absorb(tracked, {**answer, "status": answer.get("status") or "canceled"})

    async def amend(self, order: Order, price: Decimal | None, qty: Decimal) -> None:
        """The exchange's own edit when ccxt has one, else cancel then replace under the same
        client id; either way the order loses its queue place.

        Raises:
            OrderRejected: the change was refused (the message says why), or the order
                ended before it could be replaced.
            VenueUnavailable: the request could not be sent.
        """
        tracked = self._orders.setdefault(order.client_id, _Tracked(order.client_id, order.symbol))
        new_price = price if price is not None else order.price
        remaining = qty - order.filled
        kind, side, _, _, params = order_request(order)
        args = (order.symbol, kind, side, str(remaining), str(new_price) if new_price else None)
        try:
            if self.edits_natively and tracked.exchange_ids:
                answer = await self._call("edit_order", tracked.exchange_ids[-1], *args, params)
            else:
                await self._call("cancel_order", "", order.symbol, params)
                answer = await self._call("create_order", *args, params)
        except _Translated as exc:
            raise exc.error from None
        new_id = str(answer.get("id") or "")
        if new_id:
            tracked.exchange_ids.append(new_id)
            self._by_exchange_id[new_id] = order.client_id
        self._emit(OrderAmended(order.client_id, new_price, qty, False, self.clock.now_ns()))

    async def run(self) -> None:
        """Poll now, then every ``poll_s`` of the clock until cancelled; a failed poll is logged and
        the next one tries again."""
        wake = asyncio.Event()
        wake.set()  # the first round at once: the account's balances and open orders
        timer = self.clock.call_every(self.poll_s, wake.set)
        keep_alive = self.clock.call_every(
            self.dead_man_refresh_s, lambda: self._in_background(self.refresh_dead_man())
        )
        try:
            while True:
                await wake.wait()
                wake.clear()
                try:
                    await self.poll()
                except TradetermError as exc:
                    log.warning("%s: poll failed: %s", self.label, exc)
        finally:
            timer.cancel()
            keep_alive.cancel()
            await self.close()

    def restore(self, order: Order, queue_ahead: Decimal | None) -> None:
        """Watch an order that was open when tradeterm stopped; one still SUBMITTED is looked
        up by its client id on the next poll."""
        tracked = _Tracked(order.client_id, order.symbol, known_filled=order.filled)
        if order.venue_order_id:
            tracked.exchange_ids.append(order.venue_order_id)
            tracked.accepted = True
            self._by_exchange_id[order.venue_order_id] = order.client_id
        self._orders[order.client_id] = tracked

    # --- polling ---------------------------------------------------------------------

    async def poll(self) -> None:
        """One round: fills, order states, balances.

        Raises:
            TradetermError: the exchange could not be asked (translated).
        """
        async with self._lock:
            try:
                for symbol in sorted({t.symbol for t in self._watched()}):
                    await self._poll_trades(symbol)
                    await self._poll_orders(symbol)
                balance = await self._call("fetch_balance")
            except _Translated as exc:
                raise exc.error from None
        totals = {a: dec(q) for a, q in (balance.get("total") or {}).items() if q}
        if self._sink is not None:
            self._sink.on_balances(self.name, totals)

    def _watched(self) -> list[_Tracked]:
        return [t for t in self._orders.values() if not t.ended or t.linger > 0]

    async def _poll_trades(self, symbol: str) -> None:
        trades = await self._call("fetch_my_trades", symbol)
        for trade in sorted(trades, key=lambda t: (t.get("timestamp") or 0, str(t["id"]))):
            key = str(trade["id"])
            client_id = self._by_exchange_id.get(str(trade.get("order")))
            if key in self._seen_trades or client_id is None:
                continue
            self._seen_trades.add(key)
            tracked = self._orders[client_id]
            qty = dec(trade["amount"])
            tracked.counted += qty
            if tracked.counted <= tracked.known_filled:
                continue  # in the ledger from before the restart
            fill = fill_from_trade(self.name, self.name, client_id, symbol, trade)
            self._emit(OrderFilled(fill))

    async def _poll_orders(self, symbol: str) -> None:
        listed = await self._call("fetch_open_orders", symbol)
        open_ids = {str(o.get("clientOrderId")) for o in listed}
        for tracked in [t for t in self._watched() if t.symbol == symbol]:
            if tracked.ended:
                tracked.linger -= 1
            elif not tracked.exchange_ids:
                await self._lookup(tracked)
            elif tracked.client_id in open_ids:
                answer = next(o for o in listed if o.get("clientOrderId") == tracked.client_id)
                self._absorb(tracked, answer)
            else:
                await self._refresh(tracked)

    async def _refresh(self, tracked: _Tracked) -> None:
        """Ask for one order's state by its client id and take it in."""
        try:
            answer = await self._call(
                "fetch_order", "", tracked.symbol, {"clientOrderId": tracked.client_id}
            )
        except _Translated as exc:
            if is_not_found(exc.original):
                return
            raise
        await self._poll_trades(tracked.symbol)
        self._absorb(tracked, answer)

    async def _lookup(self, tracked: _Tracked) -> None:
        """Find an order whose placing got no answer, by client id; after ``lookup_polls``
        misses it is reported as never received."""
        try:
            answer = await self._call(
                "fetch_order", "", tracked.symbol, {"clientOrderId": tracked.client_id}
            )
        except _Translated as exc:
            if not is_not_found(exc.original):
                log.warning("%s: order %s not looked up: %s", self.label, tracked.client_id, exc)
                return
            tracked.lookups += 1
            if tracked.lookups >= self.lookup_polls:
                tracked.ended = True
                reason = f"{self.label} never received it (not found by its client id)"
                self._emit(OrderRejectedEvent(tracked.client_id, reason, self.clock.now_ns()))
            return
        log.info("%s: order %s found by its client id", self.label, tracked.client_id)
        self._absorb(tracked, answer)
        if dec(answer.get("filled")) > 0:
            await self._poll_trades(tracked.symbol)

    def _absorb(self, tracked: _Tracked, answer: Mapping[str, Any]) -> None:
        """Take in the exchange's view of an order: its id, acceptance and final state (the
        fills come from the trades)."""
        exchange_id = str(answer.get("id") or "")
        if exchange_id and exchange_id not in tracked.exchange_ids:
            tracked.exchange_ids.append(exchange_id)
            self._by_exchange_id[exchange_id] = tracked.client_id
        now = self.clock.now_ns()
        status = str(answer.get("status") or "open")
        if not tracked.accepted and status != "rejected":
            tracked.accepted = True
            self._emit(OrderAccepted(tracked.client_id, exchange_id, now))
        if tracked.ended or status not in ENDED:
            return
        tracked.ended, tracked.linger = True, self.linger_polls
        if status in ("canceled", "cancelled"):
            self._emit(OrderCanceled(tracked.client_id, f"canceled on {self.label}", now))
        elif status == "expired":
            self._emit(OrderExpired(tracked.client_id, f"expired on {self.label}", now))
        elif status == "rejected":
            self._emit(OrderRejectedEvent(tracked.client_id, f"rejected by {self.label}", now))


class _Translated(Exception):
    """A ccxt error with its tradeterm translation (internal to this module)."""

    def __init__(self, original: Exception, error: TradetermError) -> None:
        super().__init__(str(error))
        self.original = original
        self.error = error


def _is_ccxt(exc: Exception) -> bool:
    return type(exc).__module__.startswith("ccxt")
