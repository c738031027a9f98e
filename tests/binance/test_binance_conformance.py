"""The MarketFeed port's promises (tests/conformance) kept by the native Binance feed, on the
local stand-in; and its candles from REST klines."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from binance_data import DATA, EXCHANGE_INFO, SYMBOLS, frames, need, snapshots
from binance_standin import BinanceStandIn

from tests.conformance.test_market_feeds import Watcher, run_for
from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import BookChanged, FeedStateChanged, MarketsLoaded, TradePrinted
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.binance.candles import parse_klines
from tradeterm.venues.binance.rest import Backoff

KLINES = DATA / "rest" / "binance_spot_20211022_nautilus" / "http_spot_market_klines.json"


def standin() -> BinanceStandIn:
    need()
    if not KLINES.exists():
        pytest.skip(f"recorded data not found: {KLINES}")
    rows = json.loads(KLINES.read_text())
    # the recorded BTCUSDT klines, served for the replayed NKNUSDT
    return BinanceStandIn(
        frames(), snapshots(), EXCHANGE_INFO.read_bytes(), klines={"NKNUSDT": rows}
    )


def feed_on(server: BinanceStandIn, tmp_path: Path) -> BinanceFeed:
    return BinanceFeed(
        list(SYMBOLS.values()),
        urls=server.urls,
        cache_dir=tmp_path,
        backoff=Backoff(base_s=0.01, cap_s=0.05),
    )


async def test_the_binance_feed_keeps_the_port_promises(tmp_path: Path) -> None:
    async with standin() as server:
        feed = feed_on(server, tmp_path)
        engine = Engine(SystemClock(), feed, [AccountSpec("paper")])
        watcher = Watcher(engine)
        await engine.start()
        markets = engine.state.markets_on(engine.feed.venue)
        assert set(markets) == set(SYMBOLS.values())
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
    assert any(isinstance(e, TradePrinted) for e in watcher.events)
    assert watcher.snapshotted == set(SYMBOLS.values())
    for symbol in watcher.snapshotted:
        book = engine.state.books_on(engine.feed.venue)[symbol]
        assert len(book.bids) and len(book.asks)
    feed.focus(next(iter(markets)))


async def test_candles_page_from_since_and_refuse_what_binance_lacks(tmp_path: Path) -> None:
    async with standin() as server:
        feed = feed_on(server, tmp_path)
        await feed.load_markets()
        rows = json.loads(KLINES.read_text())
        candles = list(await feed.fetch_candles("NKN/USDT", "1m", None, 10))
        assert [c.ts_ms for c in candles] == [r[0] for r in rows]
        first = candles[0]
        assert (first.open, first.high, first.low, first.close, first.volume) == tuple(
            Decimal(x) for x in rows[0][1:6]
        )
        assert all(b.ts_ms - a.ts_ms >= 60_000 for a, b in itertools.pairwise(candles))
        since = candles[4].ts_ms
        page = list(await feed.fetch_candles("NKN/USDT", "1m", since, 3))
        assert [c.ts_ms for c in page] == [r[0] for r in rows[4:7]]
        assert server.requests[-1].endswith(f"&limit=3&startTime={since}")
        with pytest.raises(DataError, match="no market NOPE/USDT"):
            await feed.fetch_candles("NOPE/USDT", "1m", None, 5)
        with pytest.raises(DataError, match="no '7m' candles"):
            await feed.fetch_candles("NKN/USDT", "7m", None, 5)


def test_a_bar_still_open_is_left_out() -> None:
    need()
    if not KLINES.exists():
        pytest.skip(f"recorded data not found: {KLINES}")
    rows = json.loads(KLINES.read_text())
    body = KLINES.read_bytes()
    last_close = rows[-1][6]
    assert len(parse_klines(body, now_ms=last_close + 1)) == len(rows)
    assert len(parse_klines(body, now_ms=last_close)) == len(rows) - 1
    with pytest.raises(DataError, match="klines are not readable"):
        parse_klines(b'{"code":-1121}')
