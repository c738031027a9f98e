"""Following a live account's orders at the exchange by polling: exchange ids, trades turned
into fills (each once, also after a cancel), final states, and orders whose placing got no
answer looked up by client id (never sent again) until found or reported lost."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
)
from tradeterm.domain.events import OrderRejected as OrderRejectedEvent
from tradeterm.domain.orders import Order
from tradeterm.engine.clock import Clock
from tradeterm.venues.ccxt.convert import ENDED, dec, fill_from_trade
from tradeterm.venues.ccxt.dialect import Find
from tradeterm.venues.ccxt.errors import Translated, is_not_found

log = logging.getLogger("tradeterm.venues.ccxt")


@dataclass(slots=True)
class Tracked:
    """One order as the venue follows it at the exchange."""

    client_id: str
    symbol: str
    exchange_ids: list[str] = field(default_factory=list)
    accepted: bool = False
    ended: bool = False
    linger: int = 0
    """Polls left to watch for late fills after the order ended."""
    lookups: int = 0
    """Polls that looked for an unanswered order by its client id and did not find it."""
    replacing: str = ""
    """The exchange id an amend in flight is replacing (its cancel is not the order's end)."""
    known_filled: Decimal = Decimal(0)
    """Filled before a restart (those trades are in the ledger already)."""
    counted: Decimal = Decimal(0)


class OrderTracker:
    """The orders of one account as last seen at the exchange.

    Args:
        call: one ccxt call by method name (raises ``Translated``).
        find: one order by (symbol, client id, exchange id or ""), as the exchange allows.
        emit: where the execution events go (the engine's sink).
        lookup_polls: lookups by client id before an unanswered order is reported lost.
        linger_polls: polls an ended order is still watched for late fills.
    """

    def __init__(
        self,
        name: str,
        label: str,
        clock: Clock,
        call: Callable[..., Awaitable[Any]],
        find: Find,
        emit: Callable[[ExecutionEvent], None],
        *,
        lookup_polls: int = 3,
        linger_polls: int = 3,
    ) -> None:
        self.name = name
        self.label = label
        self.clock = clock
        self._call = call
        self._find = find
        self._emit = emit
        self.lookup_polls = lookup_polls
        self.linger_polls = linger_polls
        self.orders: dict[str, Tracked] = {}
        self.by_exchange_id: dict[str, str] = {}
        self.seen_trades: set[str] = set()
        self.untracked: dict[str, Mapping[str, Any]] = {}
        """Open orders at the exchange that tradeterm does not track (placed elsewhere, or
        lost from the ledger), by exchange id; reported once each."""

    def track(self, order: Order) -> Tracked:
        return self.orders.setdefault(order.client_id, Tracked(order.client_id, order.symbol))

    def restore(self, order: Order) -> None:
        """Watch an order that was open when tradeterm stopped."""
        tracked = Tracked(order.client_id, order.symbol, known_filled=order.filled)
        if order.venue_order_id:
            tracked.exchange_ids.append(order.venue_order_id)
            tracked.accepted = True
            self.by_exchange_id[order.venue_order_id] = order.client_id
        self.orders[order.client_id] = tracked

    def note_untracked(self, listed: list[Mapping[str, Any]]) -> None:
        """Report the open orders in ``listed`` that tradeterm does not know (it leaves
        them alone: adopting or cancelling them is the reconciliation screen's job)."""
        for answer in listed:
            exchange_id = str(answer.get("id") or "")
            known = exchange_id in self.by_exchange_id or answer.get("clientOrderId") in self.orders
            if known or exchange_id in self.untracked:
                continue
            self.untracked[exchange_id] = answer
            log.warning(
                "%s: open order %s %s %s %s @ %s (client id %s) was not placed by tradeterm "
                "or is not in its ledger; it is left alone",
                self.label,
                exchange_id,
                answer.get("symbol"),
                answer.get("side"),
                dec(answer.get("amount")),
                dec(answer.get("price")),
                answer.get("clientOrderId") or "none",
            )

    def add_exchange_id(self, tracked: Tracked, exchange_id: str) -> None:
        if exchange_id and exchange_id not in tracked.exchange_ids:
            tracked.exchange_ids.append(exchange_id)
            self.by_exchange_id[exchange_id] = tracked.client_id

    def watched(self) -> list[Tracked]:
        return [t for t in self.orders.values() if not t.ended or t.linger > 0]

    async def poll_trades(self, symbol: str) -> None:
        trades = await self._call("fetch_my_trades", symbol)
        for trade in sorted(trades, key=lambda t: (t.get("timestamp") or 0, str(t["id"]))):
            client_id = self.by_exchange_id.get(str(trade.get("order")))
            if client_id is not None:
                self.take_trade(self.orders[client_id], trade)

    def take_trade(self, tracked: Tracked, trade: Mapping[str, Any]) -> None:
        """One of the order's trades (from a poll or a stream) as a fill, each trade once."""
        key = str(trade["id"])
        if key in self.seen_trades:
            return
        self.seen_trades.add(key)
        tracked.counted += dec(trade["amount"])
        if tracked.counted <= tracked.known_filled:
            return  # in the ledger from before the restart
        fill = fill_from_trade(self.name, self.name, tracked.client_id, tracked.symbol, trade)
        self._emit(OrderFilled(fill))

    async def poll_orders(self, symbol: str) -> None:
        listed = await self._call("fetch_open_orders", symbol)
        open_ids = {str(o.get("clientOrderId")) for o in listed}
        for tracked in [t for t in self.watched() if t.symbol == symbol]:
            if tracked.ended:
                tracked.linger -= 1
            elif not tracked.exchange_ids:
                await self.lookup(tracked)
            elif tracked.client_id in open_ids:
                answer = next(o for o in listed if o.get("clientOrderId") == tracked.client_id)
                self.absorb(tracked, answer)
            else:
                await self.refresh(tracked)

    async def refresh(self, tracked: Tracked) -> None:
        """Ask for one order's state by its client id and take it in."""
        try:
            known = tracked.exchange_ids[-1] if tracked.exchange_ids else ""
            answer = await self._find(tracked.symbol, tracked.client_id, known)
        except Translated as exc:
            if is_not_found(exc.original):
                return
            raise
        await self.poll_trades(tracked.symbol)
        self.absorb(tracked, answer)

    async def lookup(self, tracked: Tracked) -> None:
        """Find an order whose placing got no answer, by client id; after ``lookup_polls``
        misses it is reported as never received."""
        try:
            answer = await self._find(tracked.symbol, tracked.client_id, "")
        except Translated as exc:
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
        self.absorb(tracked, answer)
        if dec(answer.get("filled")) > 0:
            await self.poll_trades(tracked.symbol)

    def absorb(self, tracked: Tracked, answer: Mapping[str, Any]) -> None:
        """Take in the exchange's view of an order: its id, acceptance and final state (the
        fills come from the trades)."""
        exchange_id = str(answer.get("id") or "")
        self.add_exchange_id(tracked, exchange_id)
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
