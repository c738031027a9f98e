"""The two ports every venue implements: market data in, order execution out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import AccountMode, OrderType
from tradeterm.domain.events import ExecutionEvent, MarketEvent
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.domain.orders import Order


class MarketSink(Protocol):
    """Receives market data; the engine implements it."""

    def on_market(self, event: MarketEvent) -> None:
        """Apply one market event to state and publish it. Never raises."""
        ...


class MarketFeed(Protocol):
    """A source of market data: the sim, an exchange through ccxt, a replayed recording."""

    venue: str

    async def load_markets(self) -> Sequence[Market]:
        """Return the venue's tradable markets.

        Raises:
            VenueUnavailable: the venue could not be reached; retrying may succeed.
        """
        ...

    async def run(self, sink: MarketSink) -> None:
        """Stream books, trades, tickers and candles into ``sink`` until cancelled.

        A feed reconnects by itself and reports its state with ``FeedStateChanged``.

        Raises:
            VenueUnavailable: the feed gave up after its retries.
            DataError: the stream was unusable (the message says where).
        """
        ...

    def focus(self, symbol: str) -> None:
        """Hint that ``symbol`` is on screen: stream its full depth and trades first."""
        ...

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        """Return up to ``limit`` closed candles, oldest first.

        Raises:
            VenueUnavailable: the venue could not be reached; retrying may succeed.
            DataError: the venue has no such symbol or timeframe.
        """
        ...


class MarketView(Protocol):
    """Read access to the engine's market state, for venues that act on it (paper trading).

    Events arrive through ``subscribe`` after the engine applied them, so a
    ``BookChanged`` handler sees the book already updated.
    """

    def market(self, symbol: str) -> Market | None:
        """The symbol's metadata, or None when the feed does not list it."""
        ...

    def book(self, symbol: str) -> OrderBook | None:
        """The live book, or None before its first snapshot. Read it; never write it."""
        ...

    def subscribe(self, event_type: type, handler: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``handler(event)`` for every event of ``event_type``; returns an unsubscribe."""
        ...


class ExecutionSink(Protocol):
    """Receives order events from a venue; the engine implements it."""

    def on_execution(self, event: ExecutionEvent) -> None:
        """Journal the event, apply it to state and publish it."""
        ...

    def on_balances(
        self, account: str, totals: Mapping[str, Decimal], as_of_ns: int | None = None
    ) -> None:
        """A live venue's balance snapshot (asset -> total): journaled, then applied. With
        ``as_of_ns`` (the exchange's stamp), only the assets listed, as of that time."""
        ...


class ExecutionVenue(Protocol):
    """Carries out orders: the paper matching engine or a real exchange account."""

    name: str
    mode: AccountMode
    native_types: frozenset[OrderType]

    def bind(self, sink: ExecutionSink) -> None:
        """Set where order events go. Called once, before any order."""
        ...

    async def submit(self, order: Order) -> None:
        """Send a new order. Its outcome arrives later as events.

        Raises:
            OrderRejected: the venue refused it outright (the message says why).
            VenueUnavailable: it could not be sent; it may or may not have arrived.
        """
        ...

    async def cancel(self, order: Order) -> None:
        """Ask to cancel; ``OrderCanceled`` (or a last fill) follows.

        Raises:
            VenueUnavailable: the request could not be sent.
        """
        ...

    async def run(self) -> None:
        """The venue's background work (latency timers, reconnects) until cancelled."""
        ...

    def restore(self, order: Order, queue_ahead: Decimal | None) -> None:
        """Take back an order that was open when tradeterm stopped (after a restart).

        The venue resumes it, or reports what became of it with events. An order
        still SUBMITTED (journaled, no answer before the stop) may or may not have
        reached the venue: the venue finds out by its client id, never by sending it
        again blind. A fired emulated order comes as the order it became (its
        ``triggered_ns`` is set).
        """
        ...

    async def amend(self, order: Order, price: Decimal | None, qty: Decimal) -> None:
        """Change price and/or quantity; ``OrderAmended`` follows.

        Raises:
            OrderRejected: the change is not allowed (the message says why).
            VenueUnavailable: the request could not be sent.
        """
        ...
