"""A recorded session played as a live venue beside others in the workstation.

The replay paces itself on its own clock (the engine's clock is the wall clock here, shared
with the sim and the exchanges), and every time in what it sends is moved by one fixed
offset, a whole number of minutes, so its books, trades and candles are stamped as if they
happened now: ages and staleness read true, candles stay on minute boundaries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from tradeterm.domain.events import (
    BookChanged,
    CandlesLoaded,
    CandleUpdated,
    MarketEvent,
    TickerUpdated,
    TradePrinted,
)
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.engine.clock import Clock, ManualClock
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.replay.feed import ReplayFeed

MINUTE_NS = 60_000_000_000


class _Shifted:
    """A sink that moves every time by ``offset_ns`` (fixed at the first timed message)."""

    def __init__(self, sink: MarketSink, clock: Clock) -> None:
        self.sink = sink
        self.clock = clock
        self.offset_ns: int | None = None

    def _offset(self, ts_ns: int) -> int:
        if self.offset_ns is None:
            self.offset_ns = (self.clock.now_ns() - ts_ns) // MINUTE_NS * MINUTE_NS
        return self.offset_ns

    def _candle(self, candle: Candle, offset_ns: int) -> Candle:
        return dataclasses.replace(candle, ts_ms=candle.ts_ms + offset_ns // 1_000_000)

    def on_market(self, event: MarketEvent) -> None:
        match event:
            case BookChanged():
                off = self._offset(event.ts_ns)
                event = dataclasses.replace(event, ts_ns=event.ts_ns + off)
            case TradePrinted():
                off = self._offset(event.trade.ts_ns)
                trade = dataclasses.replace(event.trade, ts_ns=event.trade.ts_ns + off)
                event = dataclasses.replace(event, trade=trade)
            case TickerUpdated():
                off = self._offset(event.ticker.ts_ns)
                ticker = dataclasses.replace(event.ticker, ts_ns=event.ticker.ts_ns + off)
                event = dataclasses.replace(event, ticker=ticker)
            case CandleUpdated():
                off = self._offset(event.candle.ts_ms * 1_000_000)
                event = dataclasses.replace(event, candle=self._candle(event.candle, off))
            case CandlesLoaded() if event.candles:
                off = self._offset(event.candles[-1].ts_ms * 1_000_000)
                candles = [self._candle(c, off) for c in event.candles]
                event = dataclasses.replace(event, candles=candles)
        self.sink.on_market(event)


class LiveReplay:
    """A ``MarketFeed`` playing ``paths`` at ``speed`` as venue ``venue``, stamped as now on
    ``clock`` (the engine's). Raises DataError at construction for an unreadable file."""

    def __init__(
        self, paths: Sequence[str | Path], clock: Clock, *, venue: str, speed: float = 1.0
    ) -> None:
        self.clock = clock
        self.venue = venue
        self.replay = ReplayFeed(paths, ManualClock(0), speed=speed, venue=venue)

    async def load_markets(self) -> Sequence[Market]:
        return await self.replay.load_markets()

    async def run(self, sink: MarketSink) -> None:
        await self.replay.run(_Shifted(sink, self.clock))

    def focus(self, symbol: str) -> None:
        self.replay.focus(symbol)

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return []  # a recording has only what it recorded: its candles come as it plays
