"""Event-driven backtests on recorded book and trade captures (anything ``ReplayFeed`` plays).

The strategy runs on a paper account through the engine and the deterministic driver, and
its orders go through the paper matching engine (queue position, partial fills, 50 ms of
latency) on the simulated clock; the report's ``fill`` is ``"book"``. The market's fee
rates are set to ``--fee`` for both maker and taker fills. Equity is marked at the last
trade price of each minute.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.analysis.backtest.report import Report
from tradeterm.cli.backtest_event import EventRun, drive_strategy, report_of
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import TradePrinted
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ports import MarketSink
from tradeterm.strategies import create
from tradeterm.venues.replay import ReplayFeed
from tradeterm.venues.replay.candle_feed import to_decimal

LATENCY_MS = 50
VENUE = "capture"


class _FeeFeed:
    """A replay whose markets charge the backtest's fee rate."""

    def __init__(self, feed: ReplayFeed, rate: Decimal) -> None:
        self.feed = feed
        self.venue = feed.venue
        self.rate = rate

    async def load_markets(self) -> Sequence[Market]:
        return [
            dataclasses.replace(m, maker_fee=self.rate, taker_fee=self.rate)
            for m in await self.feed.load_markets()
        ]

    async def run(self, sink: MarketSink) -> None:
        await self.feed.run(sink)

    def focus(self, symbol: str) -> None:
        self.feed.focus(symbol)

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return await self.feed.fetch_candles(symbol, timeframe, since_ms, limit)

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        return self.feed.timeline(sink)


def capture_report(
    paths: Sequence[Path],
    name: str,
    params: dict[str, object],
    *,
    fee: float,
    cash: Decimal,
    symbol: str | None = None,
) -> Report:
    """Run strategy ``name`` on the captures in ``paths`` and report it (``mode`` "event").

    Raises:
        DataError: a file is not a capture, the symbol is not in it, or no trade printed.
        TradetermError: unknown strategy or bad parameters.
    """
    strategy = create(name, params)
    run, prints = asyncio.run(_run(paths, strategy, name, fee=fee, cash=cash, symbol=symbol))
    if not prints:
        raise DataError(f"no trade printed on {run.market.symbol} in the capture: no prices")
    series = pd.Series(
        [p for _, p in prints], index=pd.to_datetime([t for t, _ in prints], unit="ns", utc=True)
    )
    candles = series.resample("1min").ohlc().dropna()
    run.last_close = to_decimal(prints[-1][1])
    return report_of(run, candles, name, fee=fee, fills_at_next_open=False, fill="book")


async def _run(
    paths: Sequence[Path],
    strategy: object,
    name: str,
    *,
    fee: float,
    cash: Decimal,
    symbol: str | None,
) -> tuple[EventRun, list[tuple[int, float]]]:
    clock = ManualClock(0)
    feed = _FeeFeed(ReplayFeed(list(paths), clock, speed=None, venue=VENUE), to_decimal(fee))
    markets = {m.symbol: m for m in await feed.load_markets()}
    if not markets:
        raise DataError(f"no market found in {', '.join(str(p) for p in paths)}")
    chosen = symbol or next(iter(markets))
    if chosen not in markets:
        raise DataError(f"{chosen} is not in the capture; it has {', '.join(sorted(markets))}")
    market = markets[chosen]
    prints: list[tuple[int, float]] = []

    def watch(engine: Engine) -> None:
        def on_trade(event: TradePrinted) -> None:
            if event.trade.symbol == chosen:
                prints.append((event.trade.ts_ns, float(event.trade.price)))

        engine.bus.subscribe(TradePrinted, on_trade)

    run = await drive_strategy(
        feed,
        market,
        strategy_name=name,
        strategy=strategy,  # type: ignore[arg-type]
        balances={market.quote: cash},
        cash=cash,
        latency_ms=LATENCY_MS,
        on_engine=watch,
        clock=clock,
    )
    return run, prints
