"""The ccxt feed's markets, universe, markets cache and candles, through ccxt's real Binance
client on the local stand-in, checked against the native parser of the same exchangeInfo."""

from __future__ import annotations

import asyncio
import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from binance_data import DATA, EXCHANGE_INFO, SYMBOLS
from ccxt_rig import FAST, ccxt_config, standin

from tradeterm.cli.compose import ccxt_feed
from tradeterm.config.settings import VenueSettings
from tradeterm.domain.errors import ConfigError, DataError, VenueUnavailable
from tradeterm.venues.binance.markets import parse_exchange_info
from tradeterm.venues.ccxt.feed import CcxtFeed
from tradeterm.venues.ccxt.markets import DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE, step_of

KLINES = DATA / "rest" / "binance_spot_20211022_nautilus" / "http_spot_market_klines.json"
OFFLINE = {"urls": {"api": {"public": "http://127.0.0.1:9/api/v3"}}}


async def test_markets_match_the_native_reading_of_the_same_exchange_info(
    tmp_path: Path,
) -> None:
    native, _ = parse_exchange_info("binance", EXCHANGE_INFO.read_bytes(), SYMBOLS.values())
    async with standin() as server:
        feed = CcxtFeed("binance", list(SYMBOLS.values()), config=ccxt_config(server))
        try:
            markets = await feed.load_markets()
        finally:
            await feed.close()
    assert [m.symbol for m in markets] == list(SYMBOLS.values())
    for ours, theirs in zip(markets, native, strict=True):
        assert ours.venue == "binance"
        assert (ours.base, ours.quote, ours.active) == (theirs.base, theirs.quote, theirs.active)
        assert ours.tick_size == theirs.tick_size and ours.lot_size == theirs.lot_size
        assert ours.min_qty == theirs.min_qty and ours.max_qty == theirs.max_qty
        assert ours.min_notional == theirs.min_notional
        assert ours.maker_fee == ours.taker_fee == Decimal("0.001")  # ccxt's Binance default
    assert server.requests == ["/api/v3/exchangeInfo"]  # spot only: no futures endpoints


async def test_universe_all_is_every_active_spot_market_in_the_quote(tmp_path: Path) -> None:
    native, _ = parse_exchange_info("binance", EXCHANGE_INFO.read_bytes(), quote="USDT")
    async with standin() as server:
        feed = CcxtFeed("binance", [], quote="USDT", config=ccxt_config(server))
        try:
            markets = await feed.load_markets()
        finally:
            await feed.close()
    assert len(markets) > 250
    assert {m.symbol for m in markets} == {m.symbol for m in native}
    assert all(m.quote == "USDT" and m.active for m in markets)


async def test_markets_come_from_the_cache_offline_and_a_missing_cache_says_so(
    tmp_path: Path,
) -> None:
    async with standin() as server:
        feed = CcxtFeed("binance", ["NKN/USDT"], config=ccxt_config(server), cache_dir=tmp_path)
        first = await feed.load_markets()
        await feed.close()
    cached = CcxtFeed("binance", ["NKN/USDT"], config=OFFLINE, cache_dir=tmp_path, backoff=FAST)
    assert await cached.load_markets() == first  # fresh cache: no request at all
    old = CcxtFeed(
        "binance",
        ["NKN/USDT"],
        config=OFFLINE,
        cache_dir=tmp_path,
        cache_max_age_s=0,
        backoff=FAST,
    )
    try:
        assert await old.load_markets() == first  # stale cache, exchange unreachable
    finally:
        await old.close()
    nothing = CcxtFeed("binance", ["NKN/USDT"], config=OFFLINE, backoff=FAST)
    try:
        with pytest.raises(VenueUnavailable, match="markets not loaded"):
            await nothing.load_markets()
    finally:
        await nothing.close()


async def test_candles_are_closed_bars_from_since_and_unknowns_are_refused(
    tmp_path: Path,
) -> None:
    if not KLINES.exists():
        pytest.skip(f"recorded data not found: {KLINES}")
    rows = json.loads(KLINES.read_text())
    async with standin(klines={"NKNUSDT": rows}) as server:
        feed = CcxtFeed("binance", ["NKN/USDT"], config=ccxt_config(server))
        try:
            await feed.load_markets()
            candles = list(await feed.fetch_candles("NKN/USDT", "1m", None, 10))
            since = candles[4].ts_ms
            page = list(await feed.fetch_candles("NKN/USDT", "1m", since, 3))
            with pytest.raises(DataError, match="no market NOPE/USDT"):
                await feed.fetch_candles("NOPE/USDT", "1m", None, 5)
            with pytest.raises(DataError, match="no '7m' candles"):
                await feed.fetch_candles("NKN/USDT", "7m", None, 5)
        finally:
            await feed.close()
    assert [c.ts_ms for c in candles] == [r[0] for r in rows][:10]
    first = candles[0]
    assert (first.open, first.high, first.low, first.close, first.volume) == tuple(
        Decimal(x) for x in rows[0][1:6]
    )
    assert all(b.ts_ms - a.ts_ms >= 60_000 for a, b in itertools.pairwise(candles))
    assert [c.ts_ms for c in page] == [r[0] for r in rows[4:7]]
    assert any(f"startTime={since}" in r for r in server.requests)


def test_precision_entries_become_steps_in_every_ccxt_mode() -> None:
    assert step_of(0.01, TICK_SIZE) == Decimal("0.01")
    assert step_of("0.50000000", TICK_SIZE) == Decimal("0.5")
    assert step_of(2, DECIMAL_PLACES) == Decimal("0.01")
    assert step_of(0, DECIMAL_PLACES) == Decimal("1")
    assert step_of(5, SIGNIFICANT_DIGITS) == Decimal("0.0001")
    with pytest.raises(DataError, match="precision missing"):
        step_of(None, TICK_SIZE)
    with pytest.raises(DataError, match="not positive"):
        step_of(0, TICK_SIZE)


def test_an_unknown_exchange_is_a_config_error_that_names_the_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"venues\.mine: exchange 'nope' is not a ccxt"):
        ccxt_feed("mine", VenueSettings("nope", ("BTC/USDT",)), tmp_path)
    feed = ccxt_feed("by", VenueSettings("bybit", ("BTC/USDT",), quote=""), tmp_path)
    assert isinstance(feed, CcxtFeed) and feed.venue == "by" and feed.exchange.id == "bybit"


def test_tradeterm_markets_lists_a_ccxt_venue_from_its_cache(tmp_path: Path) -> None:
    import io

    from tradeterm.cli.markets import list_markets
    from tradeterm.config.settings import Settings

    async def first_start() -> None:  # leaves the markets cache, as a first online start does
        async with standin() as server:
            feed = CcxtFeed(
                "binance",
                ["NKN/USDT"],
                venue="bn",
                config=ccxt_config(server),
                cache_dir=tmp_path / "data" / "markets",
            )
            await feed.load_markets()
            await feed.close()

    asyncio.run(first_start())
    (tmp_path / "config.toml").write_text(
        f'[general]\ndata_dir = "{tmp_path / "data"}"\n\n[venues.bn]\nexchange = "binance"\n'
        'feed = "ccxt"\nsymbols = ["NKN/USDT", "BLZ/ETH"]\n\n[venues.bn.ccxt.urls.api]\n'
        'public = "http://127.0.0.1:9/api/v3"\n',
        encoding="utf-8",
    )
    from tradeterm.config.load import load_config

    config, _ = load_config(tmp_path / "config.toml", tmp_path / "unused.toml")
    assert isinstance(config, Settings)
    out = io.StringIO()
    assert list_markets(config, "bn", as_json=True, out=out) == 0
    rows = json.loads(out.getvalue())
    assert [(r["symbol"], r["tick_size"], r["lot_size"], r["min_notional"]) for r in rows] == [
        ("NKN/USDT", "0.0001", "1", "10"),
        ("BLZ/ETH", "0.00000001", "1", "0.005"),
    ]
