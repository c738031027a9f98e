"""``CandleFeeder``: the engine's one-minute candles on a real venue. History is backfilled
over the feed's REST into the candle store (only what the store lacks: incremental, gaps
refetched) and loaded into the engine; the live bar is built from the feed's trades. The
chart and the scanner read ``state.candles`` as they do on the sim.

Order of work: the active symbol first, then the others in market order; a symbol the user
selects jumps the queue. The first round starts just after the active symbol's first book (or
after ``wait_book_s``): loading a day of candles for every market is the most work at start,
and the book is what the user waits for. Every ``refresh_s`` each symbol is topped up again
(one request each), so scanner rows whose trades are not streamed stay current.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from tradeterm.domain.errors import DataError, VenueUnavailable
from tradeterm.domain.events import (
    BookChanged,
    CandlesLoaded,
    CandleUpdated,
    MarketEvent,
    SymbolSelected,
    TradePrinted,
)
from tradeterm.domain.market_data import Candle
from tradeterm.domain.resample import MINUTE_MS
from tradeterm.engine.backfill import backfill
from tradeterm.engine.candle_store import CandleStore
from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.candles")

HISTORY_MINUTES = 1440
"""One day of one-minute bars: the scanner's 24h columns need 1441."""
REFRESH_S = 300.0
WAIT_BOOK_S = 2.0
"""The first round starts soon after the active symbol's first book, or this long after ``run``."""
AFTER_BOOK_S = 0.3
"""The first round starts this long after the active symbol's first book: the ladder draws
it first (measured by benchmarks/bench_venue_start.py: about 0.5 s sooner on 20 symbols than
with the round at the book, or before it)."""


class CandleFeeder:
    """Backfills and keeps the engine's one-minute candles of every market of one venue.

    Args:
        engine: the engine whose feed of ``venue`` serves ``fetch_candles`` and whose state
            gets them.
        venue: the venue (default: the engine's first feed's).
        store: the candle store (``candles.sqlite`` in the data directory).
        history_minutes: how far back the history reaches.
        refresh_s: how often (on the engine's clock) every symbol is topped up (0: never
            after the first fill).
        wait_book_s: the first round waits at most this long (on the engine's clock) for the
            active symbol's first book on this venue (0: starts at once).
    """

    def __init__(
        self,
        engine: Engine,
        store: CandleStore,
        *,
        history_minutes: int = HISTORY_MINUTES,
        refresh_s: float = REFRESH_S,
        venue: str | None = None,
        wait_book_s: float = WAIT_BOOK_S,
    ) -> None:
        self.engine = engine
        self.venue = engine.feed.venue if venue is None else venue
        self.feed = engine.feeds[self.venue]
        self._sink = engine.sink(self.venue)
        self.store = store
        self.history_ms = history_minutes * MINUTE_MS
        self.refresh_s = refresh_s
        self.wait_book_s = wait_book_s
        self.live: dict[str, Candle] = {}
        self.filled: dict[str, int] = {}
        """Symbol -> how many times it was backfilled."""
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()
        self._round = True

    async def run(self) -> None:
        """Backfill until cancelled (run it as a worker, after ``engine.start``)."""
        bus, clock = self.engine.bus, self.engine.clock
        undo = [
            bus.subscribe(TradePrinted, self._on_trade),
            bus.subscribe(SymbolSelected, self._on_selected),
        ]
        timer = clock.call_every(self.refresh_s, self._due) if self.refresh_s > 0 else None
        self._round = True
        try:
            await self._first_book()
            while True:
                if self._round:
                    self._round = False
                    self._plan()
                while self._queue:
                    await self.fill(self._queue.popleft())
                    # a symbol the store already holds is filled without a request, so without
                    # this turn a round over every market would hold the event loop to its end
                    # (at start: the stream's connect and the first book waited ~0.5 s)
                    await asyncio.sleep(0)
                self._wake.clear()
                await self._wake.wait()  # the refresh timer, or a symbol chosen
        finally:
            if timer is not None:
                timer.cancel()
            for unsubscribe in undo:
                unsubscribe()

    async def _first_book(self) -> None:
        """Until ``AFTER_BOOK_S`` after the active symbol's first book on this venue (the
        ladder draws it first), or ``wait_book_s`` when no book comes."""
        active = self.engine.state.active
        if self.wait_book_s <= 0 or active.venue != self.venue:
            return
        ready = asyncio.Event()
        clock = self.engine.clock
        timers = [clock.call_at(clock.now_ns() + int(self.wait_book_s * 1e9), ready.set)]

        def on_book(event: BookChanged) -> None:
            if len(timers) == 1 and event.venue == self.venue and event.symbol == active.symbol:
                timers.append(clock.call_at(clock.now_ns() + int(AFTER_BOOK_S * 1e9), ready.set))

        unsubscribe = self.engine.bus.subscribe(BookChanged, on_book)
        try:
            await ready.wait()
        finally:
            unsubscribe()  # (book events are the hot path: not a call more than needed)
            for timer in timers:
                timer.cancel()

    def _due(self) -> None:
        self._round = True
        self._wake.set()

    def _plan(self) -> None:
        """A round over every market: the queued (chosen) symbols, the active one, the rest."""
        state = self.engine.state
        markets = state.markets_on(self.venue)
        active = [state.active.symbol] if state.active.venue == self.venue else []
        order = [*self._queue, *active, *markets]
        self._queue = deque(s for s in dict.fromkeys(order) if s in markets)

    def _on_selected(self, event: SymbolSelected) -> None:
        inst = event.instrument
        if inst.venue != self.venue:
            return
        if inst.symbol in self._queue:
            self._queue.remove(inst.symbol)
        self._queue.appendleft(inst.symbol)
        self._wake.set()

    async def fill(self, symbol: str) -> None:
        """Top the store up for ``symbol`` and load its history (and live bar) into the
        engine. A venue that fails is logged; the next round tries again."""
        venue = self.venue
        now = self.engine.clock.now_ns() // 1_000_000
        until = now - now % MINUTE_MS  # the current minute is the live bar's
        since = until - self.history_ms
        try:
            report = await backfill(self.store, self.feed, symbol, "1m", since, until)
        except (VenueUnavailable, DataError) as exc:
            log.warning("%s %s: candles not backfilled: %s", venue, symbol, exc)
            return
        self.filled[symbol] = self.filled.get(symbol, 0) + 1
        candles = self.store.get(venue, symbol, "1m", since, until)
        live = self.live.get(symbol)
        if live is not None and (not candles or live.ts_ms > candles[-1].ts_ms):
            candles.append(_copy(live))
        log.debug(
            "%s %s: %d candles (%d requests, %d stored)",
            venue,
            symbol,
            len(candles),
            report.requests,
            report.stored,
        )
        self._emit(CandlesLoaded(symbol, candles))

    def _on_trade(self, event: TradePrinted) -> None:
        if event.venue != self.venue:
            return
        trade = event.trade
        minute = trade.ts_ns // 1_000_000
        minute -= minute % MINUTE_MS
        bar = self.live.get(trade.symbol)
        if bar is None or bar.ts_ms < minute:
            bar = Candle(minute, trade.price, trade.price, trade.price, trade.price, trade.qty)
            self.live[trade.symbol] = bar
        elif bar.ts_ms == minute:
            bar.add_trade(trade.price, trade.qty)
        else:
            return  # a late print for a bar already closed
        self._emit(CandleUpdated(trade.symbol, _copy(bar)))

    def _emit(self, event: MarketEvent) -> None:
        """The one place this feeder hands the engine market events (as its venue's)."""
        self._sink.on_market(event)


def _copy(bar: Candle) -> Candle:
    return Candle(bar.ts_ms, bar.open, bar.high, bar.low, bar.close, bar.volume)
