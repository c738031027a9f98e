"""One venue's side of the engine: where its feed writes, and what its paper venue reads.

A feed speaks in its venue's symbols; ``FeedSink`` keeps every event it sends to that venue,
so a feed cannot write into another venue's books. ``VenueView`` is the ``MarketView`` port
for one venue: markets and books by symbol, and only that venue's market events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tradeterm.domain.book import OrderBook
from tradeterm.domain.events import MarketEvent
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.market import Market

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine


class FeedSink:
    """The ``MarketSink`` a venue's feed writes into."""

    __slots__ = ("_apply", "_engine", "_publish", "venue")

    def __init__(self, engine: Engine, venue: str) -> None:
        self._engine = engine
        self.venue = venue
        self._apply = engine.appliers
        self._publish = engine.bus.publish

    def on_market(self, event: MarketEvent) -> None:
        """``Engine.on_market`` for this venue's events (inlined: one call a message)."""
        if event.venue != self.venue:
            # A feed speaks in its own symbols and need not name its venue: the event is new
            # and its feed's alone, so it is stamped in place (a copy would cost a few
            # microseconds on every book update).
            object.__setattr__(event, "venue", self.venue)
        self._apply[type(event)](event)
        self._publish(event)

    def keep_book(self, symbol: str) -> OrderBook:
        """The engine's book for ``symbol``, handed to a feed that keeps the book itself.

        A feed that already rebuilds and checks each book (the replay: update ids,
        checksums) writes its updates into this object before it sends the matching
        ``BookChanged``, so each update is applied to one book, once. The engine then no
        longer applies that symbol's ``BookChanged`` events; it stamps their time and
        sequence, and readers (panes, the paper venue) see the book already updated, as
        before. Only the feed that asked writes the book; everyone else reads it.
        """
        engine = self._engine
        book = engine.state.book(Instrument.of(self.venue, symbol))
        engine.state.lane(self.venue).kept.add(symbol)
        return book


class VenueView:
    """Read access to one venue's markets and books, and its market events (``MarketView``)."""

    __slots__ = ("_engine", "venue")

    def __init__(self, engine: Engine, venue: str) -> None:
        self._engine = engine
        self.venue = venue

    def market(self, symbol: str) -> Market | None:
        return self._engine.state.markets.get(Instrument.of(self.venue, symbol))

    def book(self, symbol: str) -> OrderBook | None:
        # the venue's lane: a symbol lookup, no Instrument to build (the paper venue asks on
        # every book update)
        lane = self._engine.state.lanes.get(self.venue)
        return None if lane is None else lane.books.get(symbol)

    def subscribe(self, event_type: type, handler: Callable[[Any], None]) -> Callable[[], None]:
        """``handler`` gets this venue's events of ``event_type`` (market events of other
        venues are left out; order and account events all pass)."""
        venue = self.venue
        if "venue" in getattr(event_type, "__slots__", ()):

            def ours(event: Any) -> None:  # every event of the type names its venue
                if event.venue == venue:
                    handler(event)

            return self._engine.bus.subscribe(event_type, ours)

        def mine(event: Any) -> None:
            if getattr(event, "venue", venue) == venue:
                handler(event)

        return self._engine.bus.subscribe(event_type, mine)
