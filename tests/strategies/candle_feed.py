"""Recorded one-minute candles played as a market: each bar becomes its four prices as trades
(open, high, low, close; or open, low, high, close on a falling bar) and a book around them."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.enums import Side
from tradeterm.domain.events import BookChanged, TradePrinted
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.engine.ports import MarketSink

D = Decimal
SEC = 1_000_000_000
PERP = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "candles"
    / "nautilus_btc-perp-20211231-20220201_1m.csv"
)
MARKET = Market(
    "candles",
    "BTC/USDT",
    "BTC",
    "USDT",
    D("0.1"),
    D("0.0001"),
    D("0.0001"),
    D(5),
    D("0.001"),
    D("0.001"),
)


def read_candles(path: Path, first: int, count: int) -> list[Candle]:
    out = []
    with path.open(newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            if i < first:
                continue
            if len(out) == count:
                break
            opened = datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
            out.append(
                Candle(
                    int(opened.timestamp() * 1000),
                    D(row["open"]),
                    D(row["high"]),
                    D(row["low"]),
                    D(row["close"]),
                    D(row["volume"]) / 10_000,
                )
            )
    return out


def _book(price: Decimal, ts: int) -> BookChanged:
    tick, size = MARKET.tick_size, D(50)
    bids = [(price - tick * (i + 1), size) for i in range(5)]
    asks = [(price + tick * (i + 1), size) for i in range(5)]
    return BookChanged("BTC/USDT", bids, asks, snapshot=True, ts_ns=ts)


class CandleFeed:
    """A SteppedFeed over one-minute candles (see the module docstring)."""

    venue = "candles"

    def __init__(self, candles: Sequence[Candle]) -> None:
        self.candles = list(candles)

    async def load_markets(self) -> Sequence[Market]:
        return [MARKET]

    async def run(self, sink: MarketSink) -> None:
        raise AssertionError("the driver never runs the feed on its own")

    def focus(self, symbol: str) -> None:
        pass

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return []

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        for c in self.candles:
            t = c.ts_ms * 1_000_000
            rising = c.close >= c.open
            path = (
                [c.open, c.high, c.low, c.close] if not rising else [c.open, c.low, c.high, c.close]
            )
            yield t
            sink.on_market(_book(c.open, t))
            for k, price in enumerate(path):
                ts = t + (1 + 14 * k) * SEC
                yield ts
                side = Side.BUY if k % 2 else Side.SELL
                trade = Trade("BTC/USDT", price, c.volume / 4, side, ts, f"{c.ts_ms}-{k}")
                sink.on_market(TradePrinted(trade))
                yield ts + 1
                sink.on_market(_book(price, ts + 1))
