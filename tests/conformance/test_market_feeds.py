"""The MarketFeed conformance suite: every venue's feed keeps the port's promises.

Add a venue by adding a factory to FEEDS: it returns the feed and its clock
(a feed that drives a ManualClock itself, like replay, still reports it).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import BookChanged, FeedStateChanged, MarketsLoaded, TradePrinted
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import Clock, ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ports import MarketFeed
from tradeterm.venues.replay import ReplayFeed
from tradeterm.venues.sim.feed import SimFeed

REPO = Path(__file__).resolve().parents[2]
CAPTURE = (
    REPO.parent
    / "shared"
    / "data"
    / "orderbook"
    / "binance"
    / "hftbacktest_spot_btcusdt_20240808.gz"
)

Factory = Callable[[Path], tuple[MarketFeed, Clock]]


def sim(_tmp: Path) -> tuple[MarketFeed, Clock]:
    clock = ManualClock()
    return SimFeed(
        clock, seed=3, rate=2000, symbols=["BTC/USDT", "ETH/USDT"], history_minutes=30
    ), clock


def replay_capture(_tmp: Path) -> tuple[MarketFeed, Clock]:
    if not CAPTURE.exists():
        pytest.skip(f"recorded data not found at {CAPTURE}")
    clock = ManualClock(0)
    return ReplayFeed([CAPTURE], clock, speed=None), clock


FEEDS: dict[str, Factory] = {"sim": sim, "replay-binance-capture": replay_capture}


class Watcher:
    """Checks, event by event, what every feed promises."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events: list[object] = []
        self.problems: list[str] = []
        self.snapshotted: set[str] = set()
        engine.bus.subscribe_all(self.on_event)

    def on_event(self, event: object) -> None:
        self.events.append(event)
        if isinstance(event, BookChanged):
            if event.snapshot:
                self.snapshotted.add(event.symbol)
            elif event.symbol not in self.snapshotted:
                self.problems.append(f"{event.symbol}: a delta before any snapshot")
            for price, qty in (*event.bids, *event.asks):
                if not isinstance(price, Decimal) or not isinstance(qty, Decimal) or qty < 0:
                    self.problems.append(f"{event.symbol}: bad level {price!r} {qty!r}")
            book = self.engine.state.books_on(self.engine.feed.venue)[event.symbol]
            if event.symbol in self.snapshotted and book.is_crossed():
                self.problems.append(
                    f"{event.symbol}: crossed book {book.best_bid()}/{book.best_ask()}"
                )
        elif isinstance(event, TradePrinted):
            trade = event.trade
            if trade.price <= 0 or trade.qty <= 0:
                self.problems.append(f"{trade.symbol}: bad trade {trade}")
            if trade.symbol not in self.engine.state.markets_on(self.engine.feed.venue):
                self.problems.append(f"{trade.symbol}: trade on an unlisted symbol")


async def run_for(feed: MarketFeed, engine: Engine, seconds: float) -> None:
    task = asyncio.create_task(engine.run_feed())
    await asyncio.sleep(seconds)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("name", list(FEEDS))
async def test_feed_keeps_the_port_promises(name: str, tmp_path: Path) -> None:
    feed, clock = FEEDS[name](tmp_path)
    engine = Engine(clock, feed, [AccountSpec("paper")])
    watcher = Watcher(engine)
    await engine.start()
    markets = engine.state.markets_on(engine.feed.venue)
    assert markets, "load_markets returned no markets"
    for market in markets.values():
        assert market.venue == feed.venue
        assert market.tick_size > 0 and market.lot_size > 0
        assert market.base and market.quote and market.symbol.startswith(market.base)
    assert any(isinstance(e, MarketsLoaded) for e in watcher.events)
    await run_for(feed, engine, 0.6)
    assert watcher.problems == []
    states = [e.state for e in watcher.events if isinstance(e, FeedStateChanged)]
    assert FeedState.CONNECTED in states, f"{name} never said it was connected: {states}"
    books = [e for e in watcher.events if isinstance(e, BookChanged)]
    assert books and any(e.snapshot for e in books)
    assert any(isinstance(e, TradePrinted) for e in watcher.events)
    for symbol in watcher.snapshotted:
        book = engine.state.books_on(engine.feed.venue)[symbol]
        assert len(book.bids) and len(book.asks)
    feed.focus(next(iter(markets)))  # a hint: must not raise


@pytest.mark.parametrize("name", list(FEEDS))
async def test_fetch_candles_pages_from_since_and_refuses_what_it_lacks(
    name: str, tmp_path: Path
) -> None:
    feed, clock = FEEDS[name](tmp_path)
    engine = Engine(clock, feed, [AccountSpec("paper")])
    await engine.start()
    await run_for(feed, engine, 0.6)
    symbol = next(iter(engine.state.markets_on(engine.feed.venue)))
    candles = list(await feed.fetch_candles(symbol, "1m", None, 10))
    assert len(candles) <= 10
    assert all(b.ts_ms - a.ts_ms >= 60_000 for a, b in itertools.pairwise(candles))
    if candles:
        since = candles[0].ts_ms
        page = list(await feed.fetch_candles(symbol, "1m", since, 3))
        assert page and page[0].ts_ms >= since and len(page) <= 3
    with pytest.raises(DataError):
        await feed.fetch_candles("NOPE/USDT", "1m", None, 5)
