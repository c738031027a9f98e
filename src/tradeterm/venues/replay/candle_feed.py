"""CandleFeed: closed candles played as market events, for event-driven backtests on candle files.

Each candle becomes four public trades (open, high, low, close, in that order, at the
candle's open time and a quarter, a half and three quarters of the way through it) and,
just before the next candle opens, a one-level book at the candle's close on both sides
(a deep level, so a market order fills there in full). A strategy's candle window closes
a bar when the first trade of the next bar arrives (``tradeterm.strategies.candles``), so
an order sent on that bar's close reaches the paper venue while the book still stands at
that close: a market order sent on a candle's close fills at that close, the candle-mode
convention of ``docs/backtest.md``. After the last candle one more trade at the last close
opens a bar that never closes, so the last candle closes too.

The feed plays only through the deterministic driver (``timeline``); ``run`` refuses.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from tradeterm.domain.enums import FeedState, Side
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import BookChanged, FeedStateChanged, TradePrinted
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.engine.ports import MarketSink

DEPTH = Decimal("1e12")
"""Base quantity at the one book level: more than any backtest buys or sells."""


def to_decimal(value: float) -> Decimal:
    """A float price as the shortest Decimal that reads back as the same float."""
    return Decimal(repr(float(value)))


class CandleFeed:
    """Candles of one market (ms open times, spaced ``length_ms``) played for the driver."""

    def __init__(
        self,
        market: Market,
        times_ms: Sequence[int],
        open_: Sequence[float],
        high: Sequence[float],
        low: Sequence[float],
        close: Sequence[float],
        length_ms: int,
    ) -> None:
        if not (len(times_ms) == len(open_) == len(high) == len(low) == len(close)):
            raise DataError("candle columns of different lengths")
        if length_ms <= 0:
            raise DataError(f"candle length must be above 0 ms, got {length_ms}")
        self.venue = market.venue
        self.market = market
        self._times = list(times_ms)
        self._rows = (open_, high, low, close)
        self.length_ms = length_ms
        self.last_close = to_decimal(close[-1]) if len(close) else Decimal(0)

    async def load_markets(self) -> Sequence[Market]:
        return [self.market]

    async def run(self, sink: MarketSink) -> None:
        raise DataError("a candle feed plays only through the deterministic driver")

    def focus(self, symbol: str) -> None:
        """One market, always streaming."""

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return []  # a backtest's strategies build their bars from the trades played

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        """Each event's time (ns) before it is played into ``sink`` (see the module)."""
        symbol, venue = self.market.symbol, self.venue
        sink.on_market(FeedStateChanged(venue, FeedState.CONNECTED, "candle backtest"))
        quarter = self.length_ms * 250_000  # ns
        last = Decimal(0)
        end_ns = 0
        open_, high, low, close = self._rows
        for i, start_ms in enumerate(self._times):
            start = start_ms * 1_000_000
            prices = (open_[i], high[i], low[i], close[i])
            for k, price in enumerate(prices):
                ts = start + k * quarter
                yield ts
                trade = Trade(symbol, to_decimal(price), Decimal(1), Side.BUY, ts, f"c{i}.{k}")
                sink.on_market(TradePrinted(trade, venue))
            last = to_decimal(close[i])
            end_ns = start + 4 * quarter - 1
            yield end_ns
            level = [(last, DEPTH)]
            sink.on_market(BookChanged(symbol, level, level, True, 0, end_ns, venue))
        if self._times:
            ts = end_ns + 1
            yield ts
            sink.on_market(
                TradePrinted(Trade(symbol, last, Decimal(1), Side.BUY, ts, "end"), venue)
            )
