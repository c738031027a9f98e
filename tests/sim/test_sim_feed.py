"""The sim venue's catalog, bootstrap, candle history, fetch_candles and determinism."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from sim_rig import MINUTE_NS, START_NS, digest, make

from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import (
    BookChanged,
    CandlesLoaded,
    FeedStateChanged,
    TickerUpdated,
    TradePrinted,
)
from tradeterm.engine.clock import ManualClock
from tradeterm.venues.sim.catalog import LISTINGS
from tradeterm.venues.sim.feed import SimFeed

HERE = Path(__file__).resolve().parent


async def test_the_catalog_lists_many_markets_with_sane_rules() -> None:
    feed = SimFeed(ManualClock(), history_minutes=30)
    markets = await feed.load_markets()
    assert len(markets) >= 20
    assert len({m.symbol for m in markets}) == len(markets)
    assert [m.symbol for m in markets] == [x.symbol for x in LISTINGS]
    for m in markets:
        assert m.venue == "sim"
        assert f"{m.base}/{m.quote}" == m.symbol
        assert m.tick_size > 0
        assert m.lot_size > 0
        assert m.min_qty > 0
        assert m.min_notional > 0
        assert 0 < m.maker_fee <= m.taker_fee < Decimal("0.01")
        assert m.active
    for listing in LISTINGS:
        market = next(m for m in markets if m.symbol == listing.symbol)
        price = Decimal(listing.price)
        # the listed price is on the tick grid and one lot costs less than the minimum order
        assert market.price_error(price) is None
        assert market.min_qty * price < market.min_notional


def test_unknown_symbols_are_refused_by_name() -> None:
    with pytest.raises(DataError, match="FOO/USDT") as info:
        SimFeed(ManualClock(), symbols=["BTC/USDT", "FOO/USDT", "ZED/EUR"])
    assert "ZED/EUR" in str(info.value)
    assert "BTC/USDT" not in str(info.value)


def test_a_symbol_subset_trades_only_those_symbols() -> None:
    _clock, feed, engine = make(symbols=["ETH/USDT", "XRP/USDT"], history_minutes=30)
    feed.bootstrap(engine)
    for _ in range(300):
        feed.step(engine)
    assert set(engine.state.books_on(engine.feed.venue)) == {"ETH/USDT", "XRP/USDT"}
    assert set(engine.state.tickers_on(engine.feed.venue)) == {"ETH/USDT", "XRP/USDT"}


def test_bootstrap_connects_with_the_books_then_sends_history_and_tickers() -> None:
    history = 90
    start = START_NS + 25_000_000_000  # 25 s into a minute
    _clock, feed, engine = make(history_minutes=history, start_ns=start)
    events: list[object] = []
    engine.bus.subscribe_all(events.append)
    feed.bootstrap(engine)

    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert states == [FeedState.CONNECTING, FeedState.CONNECTED]
    assert isinstance(events[0], FeedStateChanged)
    # live (books, the tape's last seconds) before the history, which is most of the work
    kinds = [type(e).__name__ for e in events]
    connected = kinds.index("FeedStateChanged", 1)
    assert set(kinds[1:connected]) == {"BookChanged", "TradePrinted", "CandleUpdated"}
    assert kinds.index("CandlesLoaded") > connected
    # each symbol's ticker follows its history (the 24-hour figures need it)
    after = [e for e in events[connected:] if isinstance(e, CandlesLoaded | TickerUpdated)]
    pairs = [
        (type(e).__name__, e.symbol if isinstance(e, CandlesLoaded) else e.ticker.symbol)
        for e in after
    ]
    assert pairs == [(kind, s) for s in feed.flows for kind in ("CandlesLoaded", "TickerUpdated")]

    now_ms = start // 1_000_000
    minute_ms = start // MINUTE_NS * 60_000
    loaded = [e for e in events if isinstance(e, CandlesLoaded)]
    assert {e.symbol for e in loaded} == set(feed.flows)
    for event in loaded:
        market = feed.flows[event.symbol].market
        candles = list(event.candles)
        assert len(candles) == history
        assert [b.ts_ms - a.ts_ms for a, b in pairwise(candles)] == [60_000] * (history - 1)
        # closed bars only: the last one ends where the current minute begins
        assert candles[-1].ts_ms + 60_000 == minute_ms <= now_ms
        for c in candles:
            assert c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high
            assert c.low > 0
            assert c.volume > 0
            for price in (c.open, c.high, c.low, c.close):
                assert market.price_error(price) is None
            assert (c.volume / market.lot_size) % 1 == 0
        # one continuous path: each bar opens where the previous closed
        for a, b in pairwise(candles):
            assert b.open == a.close
        # and it joins the live market
        mid = engine.state.books_on(engine.feed.venue)[event.symbol].mid()
        assert mid is not None
        assert abs(candles[-1].close / mid - 1) < Decimal("0.01")

    snapshots = [e for e in events if isinstance(e, BookChanged) and e.snapshot]
    assert {e.symbol for e in snapshots} == set(feed.flows)
    tickers = [e for e in events if isinstance(e, TickerUpdated)]
    assert {e.ticker.symbol for e in tickers} == set(feed.flows)
    # the warm-up trades happened in this minute, before now
    trades = [e.trade for e in events if isinstance(e, TradePrinted)]
    assert trades
    assert all(minute_ms * 1_000_000 <= t.ts_ns <= start for t in trades)
    assert engine.state.feed.state is FeedState.CONNECTED
    assert feed.bootstrapped


async def test_fetch_candles_returns_closed_one_minute_bars() -> None:
    _clock, feed, engine = make(symbols=["BTC/USDT"], history_minutes=120)
    feed.bootstrap(engine)
    loaded = list(engine.state.candles_on(engine.feed.venue)["BTC/USDT"])[:120]
    every = await feed.fetch_candles("BTC/USDT", "1m", None, 1000)
    assert list(every) == loaded
    last_ten = await feed.fetch_candles("BTC/USDT", "1m", None, 10)
    assert list(last_ten) == loaded[-10:]
    since = loaded[50].ts_ms
    after = await feed.fetch_candles("BTC/USDT", "1m", since, 1000)
    assert list(after) == loaded[50:]
    assert all(c.ts_ms >= since for c in after)


@pytest.mark.parametrize("timeframe", ["5m", "1h", "1d", "1M"])
async def test_fetch_candles_refuses_other_timeframes(timeframe: str) -> None:
    feed = SimFeed(ManualClock(), symbols=["BTC/USDT"], history_minutes=30)
    with pytest.raises(DataError, match=timeframe):
        await feed.fetch_candles("BTC/USDT", timeframe, None, 10)


async def test_fetch_candles_refuses_unknown_symbols() -> None:
    feed = SimFeed(ManualClock(), symbols=["BTC/USDT"], history_minutes=30)
    with pytest.raises(DataError, match="ETH/USDT"):
        await feed.fetch_candles("ETH/USDT", "1m", None, 10)


def test_the_same_seed_gives_the_same_market_and_another_seed_does_not() -> None:
    first = digest(7)
    assert digest(7) == first
    assert digest(8) != first


def test_the_same_seed_gives_the_same_market_in_another_process() -> None:
    """String hashing is randomised per process; the market must not depend on it."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, str(HERE / "sim_rig.py"), "7"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == digest(7)


def test_bootstrap_without_history_still_publishes_tickers() -> None:
    _clock, feed, engine = make(symbols=["BTC/USDT"], history_minutes=0)
    feed.bootstrap(engine)
    assert engine.state.feed.state is FeedState.CONNECTED
    assert "BTC/USDT" in engine.state.tickers_on(engine.feed.venue)
