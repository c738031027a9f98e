"""The MarketFeed conformance suite: every venue's feed keeps the port's promises.

Add a venue by adding a factory to FEEDS: it returns the feed and its clock
(a feed that drives a ManualClock itself, like replay, still reports it), and puts what
must be stopped afterwards (a local stand-in exchange, the feed's connections) on the stack.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import BookChanged, FeedStateChanged, MarketsLoaded, TradePrinted
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import Clock, ManualClock, SystemClock
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

Factory = Callable[[Path, AsyncExitStack], Awaitable[tuple[MarketFeed, Clock]]]


async def sim(_tmp: Path, _stack: AsyncExitStack) -> tuple[MarketFeed, Clock]:
    clock = ManualClock()
    return SimFeed(
        clock, seed=3, rate=2000, symbols=["BTC/USDT", "ETH/USDT"], history_minutes=30
    ), clock


async def replay_capture(_tmp: Path, _stack: AsyncExitStack) -> tuple[MarketFeed, Clock]:
    if not CAPTURE.exists():
        pytest.skip(f"recorded data not found at {CAPTURE}")
    clock = ManualClock(0)
    return ReplayFeed([CAPTURE], clock, speed=None), clock


async def ccxt_binance(tmp: Path, stack: AsyncExitStack) -> tuple[MarketFeed, Clock]:
    """ccxt's own Binance client on the local stand-in replaying a real capture."""
    from tests.binance.binance_data import DATA, EXCHANGE_INFO, SYMBOLS, frames, need, snapshots
    from tests.binance.binance_standin import BinanceStandIn
    from tradeterm.venues.ccxt.feed import CcxtFeed
    from tradeterm.venues.net import Backoff

    need()
    klines = DATA / "rest" / "binance_spot_20211022_nautilus" / "http_spot_market_klines.json"
    rows = json.loads(klines.read_text())  # served for the replayed NKNUSDT
    exchange = BinanceStandIn(
        frames(), snapshots(), EXCHANGE_INFO.read_bytes(), klines={"NKNUSDT": rows}
    )
    server = await stack.enter_async_context(exchange)
    base = f"127.0.0.1:{server.port}"
    config = {
        "urls": {"api": {"public": f"http://{base}/api/v3", "ws": {"spot": f"ws://{base}/stream"}}},
        "options": {"streamLimits": {"spot": 1}},  # one link: the stand-in plays one session
        "enableRateLimit": False,
    }
    feed = CcxtFeed(
        "binance", list(SYMBOLS.values()), config=config, cache_dir=tmp, backoff=Backoff(0.01, 0.05)
    )
    stack.push_async_callback(feed.close)
    return feed, SystemClock()


RUN_SECONDS = {"ccxt-binance-standin": 3.0}
"""How long a feed streams before its events are checked (0.6 s unless listed): ccxt
subscribes by message and then asks for its snapshots, slower on a loaded machine."""

FEEDS: dict[str, Factory] = {
    "sim": sim,
    "replay-binance-capture": replay_capture,
    "ccxt-binance-standin": ccxt_binance,
}


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
    async with AsyncExitStack() as stack:
        await check_port_promises(name, *await FEEDS[name](tmp_path, stack))


async def check_port_promises(name: str, feed: MarketFeed, clock: Clock) -> None:
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
    await run_for(feed, engine, RUN_SECONDS.get(name, 0.6))
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
    async with AsyncExitStack() as stack:
        await check_candles(*await FEEDS[name](tmp_path, stack))


async def check_candles(feed: MarketFeed, clock: Clock) -> None:
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
