"""The MarketFeed port's promises (tests/conformance) kept by the native Kraken feed, on the
local stand-in; and its candles from REST OHLC, paced to Kraken's public rate."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from kraken_data import ASSET_PAIRS, DATA, DEPTH, PAIRS, need, precisions, timeline
from kraken_standin import KrakenStandIn

from tests.conformance.test_market_feeds import Watcher, run_for
from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import BookChanged, FeedStateChanged, MarketsLoaded, TickerUpdated
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock, SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.kraken import KrakenFeed
from tradeterm.venues.net import Backoff

OHLC = DATA / "candles" / "kraken_rest_OHLC_XBTUSDT_1m_20251111_nautilus.json"


def standin(**kw: Any) -> KrakenStandIn:
    need()
    if not OHLC.exists():
        pytest.skip(f"recorded data not found: {OHLC}")
    rows = json.loads(OHLC.read_text())["result"]["XBTUSDT"]
    # the recorded XBTUSDT bars, served for the replayed XBTCHF
    return KrakenStandIn(
        timeline(),
        precisions(),
        ASSET_PAIRS.read_bytes(),
        depth=DEPTH,
        ohlc={"XBTCHF": rows},
        **kw,
    )


def feed_on(server: KrakenStandIn, tmp_path: Path) -> KrakenFeed:
    return KrakenFeed(
        list(PAIRS),
        urls=server.urls,
        cache_dir=tmp_path,
        backoff=Backoff(base_s=0.01, cap_s=0.05),
        depth=DEPTH,
    )


async def test_the_kraken_feed_keeps_the_port_promises(tmp_path: Path) -> None:
    async with standin() as server:
        feed = feed_on(server, tmp_path)
        engine = Engine(SystemClock(), feed, [AccountSpec("paper")])
        watcher = Watcher(engine)
        await engine.start()
        markets = engine.state.markets_on(engine.feed.venue)
        assert set(markets) == set(PAIRS.values())
        for market in markets.values():
            assert market.venue == feed.venue
            assert market.tick_size > 0 and market.lot_size > 0
            assert market.base and market.quote and market.symbol.startswith(market.base)
        assert any(isinstance(e, MarketsLoaded) for e in watcher.events)
        await run_for(feed, engine, 1.0)
    assert watcher.problems == []
    states = [e.state for e in watcher.events if isinstance(e, FeedStateChanged)]
    assert FeedState.CONNECTED in states
    books = [e for e in watcher.events if isinstance(e, BookChanged)]
    assert books and any(e.snapshot for e in books)
    assert any(isinstance(e, TickerUpdated) for e in watcher.events)
    assert watcher.snapshotted == set(PAIRS.values())
    for symbol in watcher.snapshotted:
        book = engine.state.books_on(engine.feed.venue)[symbol]
        assert len(book.bids) and len(book.asks)


async def test_candles_come_closed_from_ohlc_and_refuse_what_kraken_lacks(tmp_path: Path) -> None:
    async with standin() as server:
        feed = feed_on(server, tmp_path)
        await feed.load_markets()
        rows = json.loads(OHLC.read_text())["result"]["XBTUSDT"]
        candles = list(await feed.fetch_candles("BTC/CHF", "1m", None, 1000))
        assert len(candles) == len(rows) - 1  # the last row is the bar still open
        assert [c.ts_ms for c in candles] == [r[0] * 1000 for r in rows[:-1]]
        first = candles[0]
        assert (first.open, first.high, first.low, first.close, first.volume) == tuple(
            Decimal(x) for x in (*rows[0][1:5], rows[0][6])
        )
        since = candles[100].ts_ms
        page = list(await feed.fetch_candles("BTC/CHF", "1m", since, 3))
        assert [c.ts_ms for c in page] == [r[0] * 1000 for r in rows[100:103]]
        assert server.requests[-1] == f"/0/public/OHLC?pair=XBTCHF&interval=1&since={since // 1000}"
        with pytest.raises(DataError, match="no market NOPE/USD"):
            await feed.fetch_candles("NOPE/USD", "1m", None, 5)
        with pytest.raises(DataError, match="no '7m' candles; allowed: 1m, 5m"):
            await feed.fetch_candles("BTC/CHF", "7m", None, 5)
        with pytest.raises(DataError, match="Unknown asset pair"):
            await feed.fetch_candles("ADA/BTC", "1m", None, 5)


async def test_rest_calls_are_paced_to_one_a_second_on_the_engines_clock(tmp_path: Path) -> None:
    clock = ManualClock(0)
    async with standin(stamp=lambda: clock.now_ns() / 1e9) as server:
        feed = KrakenFeed(
            list(PAIRS), urls=server.urls, backoff=Backoff(0.01, 0.05), depth=DEPTH, clock=clock
        )

        async def load_then_three_candles() -> None:
            await feed.load_markets()
            await asyncio.gather(*(feed.fetch_candles("BTC/CHF", "1m", None, 9) for _ in "abc"))

        calls = asyncio.create_task(load_then_three_candles())
        while not calls.done():  # the clock moves once every call let out has come
            await asyncio.sleep(0.01)
            due = clock.next_due_ns()
            if due is not None and len(server.requests) == feed.rest.requests:
                clock.set_ns(due)
        await calls
    assert server.requests[0] == "/0/public/AssetPairs"
    assert server.stamps == [0, 1, 2, 3]
