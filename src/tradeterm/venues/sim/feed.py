"""The sim venue's market-data feed: many SymbolFlows driven at a chosen event rate."""

from __future__ import annotations

import asyncio
import logging
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from itertools import accumulate
from operator import mul
from random import Random

from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import (
    CandlesLoaded,
    CandleUpdated,
    FeedStateChanged,
    TickerUpdated,
)
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Ticker
from tradeterm.engine.candle_series import CandleSeries
from tradeterm.engine.clock import Clock
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.sim.catalog import VENUE, select_listings
from tradeterm.venues.sim.flow import SymbolFlow

log = logging.getLogger("tradeterm.venues.sim")

TICK_S = 0.02
PAUSED_TICK_S = 0.5
HISTORY_AFTER_S = 0.5
"""The candle history starts this long after the market: the first book and tape are drawn
first (as a venue's REST history arrives after its stream), with nothing else to compute."""
WARM_UP_AFTER_S = 0.15
"""``run`` sends the tape's last seconds (and starts the market) this long after the books:
the first book is drawn meanwhile, with nothing else to compute (the warm-up's 800 events
are about 25 ms of the engine's work, a tenth of the time from the first frame to the book)."""
WARM_UP_EVENTS = 800
WARM_UP_NS = 30_000_000_000
DAY_MINUTES = 1440


class _Window:
    """24-hour statistics of the closed candles, recomputed only when a candle closes."""

    __slots__ = ("count", "high", "low", "open", "quote_volume", "volume")

    def __init__(self, candles: Sequence[Candle], price: Decimal) -> None:
        """``price`` stands in for open/high/low when there is no history yet."""
        self.count = len(candles)
        self.open = candles[0].open if candles else price
        self.high = max((c.high for c in candles), default=price)
        self.low = min((c.low for c in candles), default=price)
        self.volume = sum((c.volume for c in candles), Decimal(0))
        self.quote_volume = sum((c.volume * c.close for c in candles), Decimal(0))

    @classmethod
    def of(cls, closed: CandleSeries, price: Decimal) -> _Window:
        """The window of the newest day of ``closed``: the packed candles are summed as
        integers (the same Decimals as summing each candle's, without making them)."""
        day = closed.packed_tail(DAY_MINUTES)
        _, columns, aside = day.columns()
        exps = [column.exp for column in columns]
        if (
            aside
            or not day.packed
            or any(c.exps is not None or e is None for c, e in zip(columns, exps, strict=True))
        ):
            return cls(day.tail(DAY_MINUTES), price)
        window = cls((), price)
        opens, highs, lows, closes, volumes = (column.digits for column in columns)
        open_exp, high_exp, low_exp, close_exp, volume_exp = (int(e or 0) for e in exps)
        hot = day.hot
        window.count = len(day)
        window.open = Decimal(opens[0]).scaleb(open_exp)
        window.high = max([Decimal(max(highs)).scaleb(high_exp), *(c.high for c in hot)])
        window.low = min([Decimal(min(lows)).scaleb(low_exp), *(c.low for c in hot)])
        window.volume = sum(
            (c.volume for c in hot), Decimal(0) + Decimal(sum(volumes)).scaleb(volume_exp)
        )
        quote = sum(map(mul, volumes, closes))
        window.quote_volume = sum(
            (c.volume * c.close for c in hot),
            Decimal(0) + Decimal(quote).scaleb(volume_exp + close_exp),
        )
        return window


class SimFeed:
    """A deterministic simulated venue.

    Args:
        clock: time source for every timestamp (freeze it in tests).
        seed: the same seed gives the same market, event for event.
        rate: order-flow events (book updates) per second across all symbols;
            0 pauses the market (``step`` still works).
        symbols: which listings to trade (any of the 124; default: the universe).
        history_minutes: one-minute candles of history made at start.
        universe: ``core`` (22 hand-made markets) or ``all`` (124, for a wide scanner).
    """

    venue = VENUE

    def __init__(
        self,
        clock: Clock,
        seed: int = 7,
        rate: float = 40.0,
        symbols: Sequence[str] | None = None,
        history_minutes: int = DAY_MINUTES,
        universe: str = "core",
    ) -> None:
        listings = select_listings(symbols, universe)
        self.clock = clock
        self.rate = rate
        self.history_minutes = history_minutes
        now = clock.now_ns()
        # the books are laid out as they are first sent (``_connect``): the focused one first
        self.flows = {x.symbol: SymbolFlow(x, seed, now, seeded=False) for x in listings}
        self._focus = ""
        self._order = list(self.flows.values())
        self._cum_weights = list(accumulate(x.activity for x in listings))
        self._pick = Random(seed)
        self._windows: dict[str, _Window] = {}
        self._window_keys: dict[str, int] = {}
        self._missing: deque[SymbolFlow] | None = None  # symbols still without history
        self._history_at = 0
        self.events = 0

    @property
    def bootstrapped(self) -> bool:
        """Connected, and every symbol has its history and ticker."""
        return self._missing is not None and not self._missing

    async def load_markets(self) -> Sequence[Market]:
        return [flow.market for flow in self._order]

    def focus(self, symbol: str) -> None:
        """The sim streams every symbol in full; ``run`` sends this one's book first."""
        self._focus = symbol

    def bootstrap(self, sink: MarketSink) -> None:
        """Send what a live venue sends on connect: the books, the last seconds of trades,
        then the candle history and the tickers."""
        if self._missing is None:
            self._connect(sink, self._order)
        while self._backfill(sink):
            pass

    def _connect(
        self, sink: MarketSink, flows: Sequence[SymbolFlow], *, warm_up: bool = True
    ) -> None:
        """The books of ``flows`` and (``warm_up``) the tape's last seconds: the market is live
        from here. The candle history, most of the work of connecting, follows symbol by
        symbol (``_backfill``). Given only some books, or without ``warm_up``, the caller sends
        the other books (``_send_books``) and the tape's seconds (``_warm_up``) later, at the
        time kept in ``_history_at``, before any new event."""
        now = self._history_at = self.clock.now_ns()
        sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTING))
        self._send_books(sink, flows, now)
        if warm_up:
            self._warm_up(sink, now)
        sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTED))
        self._missing = deque(self._order)

    def _send_books(self, sink: MarketSink, flows: Sequence[SymbolFlow], now: int) -> None:
        for flow in flows:
            flow.seed_book()
            sink.on_market(flow.snapshot(now))

    def _backfill(self, sink: MarketSink) -> bool:
        """Send one more symbol's candle history, then its ticker (its 24-hour figures need
        the history). False when every symbol has its history."""
        if not self._missing:
            return False
        flow = self._missing.popleft()
        flow.history(self._history_at, self.history_minutes)
        sink.on_market(CandlesLoaded(flow.symbol, flow.closed.copy()))
        if flow.candle is not None:  # the live minute, which the loaded history replaces
            sink.on_market(CandleUpdated(flow.symbol, replace(flow.candle)))
        sink.on_market(TickerUpdated(self.ticker(flow, self.clock.now_ns())))
        return True

    def _warm_up(self, sink: MarketSink, now: int) -> None:
        """Trade for a few seconds before ``now`` (inside this minute), so the tape has history."""
        start = max(now - WARM_UP_NS, now // 60_000_000_000 * 60_000_000_000)
        pick, weights, order = self._pick.random, self._cum_weights, self._order
        total = weights[-1]
        for i in range(WARM_UP_EVENTS):
            ts = start + (now - start) * i // WARM_UP_EVENTS
            order[bisect_right(weights, pick() * total)].step(ts, sink.on_market)

    def step(self, sink: MarketSink, events: int = 1) -> None:
        """Make ``events`` order-flow events happen now, on symbols picked by activity."""
        if self._missing is None:  # not connected: the books are laid out unsent
            for flow in self._order:
                flow.seed_book()
        now = self.clock.now_ns()
        pick, weights, order = self._pick.random, self._cum_weights, self._order
        total = weights[-1]
        emit = sink.on_market
        for _ in range(events):
            order[bisect_right(weights, pick() * total)].step(now, emit)
        self.events += events

    def ticker(self, flow: SymbolFlow, now_ns: int) -> Ticker:
        """24-hour statistics: the closed candles' window plus the live candle."""
        closed = flow.closed
        mid = flow.price(round(flow.mid_ticks()))
        key = closed[-1].ts_ms if closed else -1
        window = self._windows.get(flow.symbol)
        if window is None or self._window_keys.get(flow.symbol) != key:
            window = self._windows[flow.symbol] = _Window.of(closed, mid)
            self._window_keys[flow.symbol] = key
        live = flow.candle
        last = live.close if live is not None else closed[-1].close if closed else mid
        high, low = window.high, window.low
        volume, quote_volume = window.volume, window.quote_volume
        if live is not None:
            high, low = max(high, live.high), min(low, live.low)
            volume += live.volume
            quote_volume += live.volume * live.close
        best_bid, best_ask = flow.bids.best(), flow.asks.best()
        return Ticker(
            flow.symbol,
            last,
            None if best_bid is None else flow.price(best_bid),
            None if best_ask is None else flow.price(best_ask),
            window.open,
            high,
            low,
            volume,
            quote_volume,
            now_ns,
        )

    def publish_tickers(self, sink: MarketSink) -> None:
        now = self.clock.now_ns()
        for flow in self._order:
            sink.on_market(TickerUpdated(self.ticker(flow, now)))

    async def run(self, sink: MarketSink) -> None:
        """Stream until cancelled, ``rate`` events a second, tickers once a second while the
        market moves.

        Work per tick is capped at half a second's worth of events, so a slow
        machine sees a slower market rather than a growing backlog. Connecting here, it sends
        the focused symbol's book at once, alone (laying out 22 books before it was a tenth
        of the work from the first frame to the first book), and the other books and the
        tape's last seconds ``WARM_UP_AFTER_S`` later. The market
        moves from the first tick after; until every symbol has its candle history, each
        tick also makes one symbol's (a day of 22 symbols' candles is about 0.2 s of work),
        from ``HISTORY_AFTER_S`` on.
        """
        if self._missing is None:  # the focused book now; the rest once it is drawn
            first = [f for f in self._order if f.symbol == self._focus] or self._order[:1]
            self._connect(sink, first, warm_up=False)
            await asyncio.sleep(WARM_UP_AFTER_S)
            rest = [f for f in self._order if f is not first[0]]
            self._send_books(sink, rest, self._history_at)
            self._warm_up(sink, self._history_at)
        loop = asyncio.get_running_loop()
        last = loop.time()
        history_from = last + HISTORY_AFTER_S
        last_ticker = last
        events_at_ticker = self.events
        carry = 0.0
        while True:
            # a paused market (rate 0) wakes twice a second, not fifty times, once it has
            # its history
            await asyncio.sleep(TICK_S if self.rate > 0 or self._missing else PAUSED_TICK_S)
            now = loop.time()
            due = (now - last) * self.rate + carry
            last = now
            count = int(due)
            carry = due - count
            if count:
                self.step(sink, min(count, max(1, int(self.rate / 2))))
            if now >= history_from:
                self._backfill(sink)
            if now - last_ticker >= 1.0 and self.events != events_at_ticker and self.bootstrapped:
                last_ticker, events_at_ticker = now, self.events
                self.publish_tickers(sink)

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        """Closed candles, ccxt-style: the first ``limit`` from ``since_ms``, or the latest
        ``limit`` without it. The sim keeps only ``1m``; longer timeframes are resampled."""
        flow = self.flows.get(symbol)
        if flow is None:
            raise DataError(f"the sim venue does not list {symbol}")
        if timeframe != "1m":
            raise DataError(f"the sim venue keeps only 1m candles, not {timeframe!r}")
        if limit <= 0:
            return []
        if since_ms is None:
            return flow.closed.tail(limit)
        # as ccxt: the first ``limit`` candles from ``since``, so callers can page forward
        return [c for c in flow.closed if c.ts_ms >= since_ms][:limit]
