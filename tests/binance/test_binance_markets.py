"""Binance markets from exchangeInfo, checked against ccxt's own parse of the same body, and
the markets cache: fresh, expired, offline."""

from __future__ import annotations

import gzip
import json
import logging
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from binance_data import DATA, EXCHANGE_INFO, need
from binance_standin import BinanceStandIn

from tradeterm.domain.errors import DataError, VenueUnavailable
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.binance.markets import parse_exchange_info
from tradeterm.venues.binance.rest import Backoff

CCXT = DATA / "markets" / "ccxt_markets_binance_spot_GENERATED_from_20211012_exchangeInfo.json.gz"
FAST = Backoff(base_s=0.01, cap_s=0.02, tries=2)
SOME = ["BTC/USDT", "NKN/USDT", "BLZ/ETH", "LRC/BTC", "RUNE/EUR", "ETH/BTC", "SHIB/USDT"]


def dead_urls() -> dict[str, object]:
    """Endpoints on a closed local port: every request fails at once."""
    return {"api": {"public": "http://127.0.0.1:9/api/v3", "ws": "ws://127.0.0.1:9/ws"}}


def test_tick_lot_and_minimums_agree_with_ccxts_parse_of_the_same_exchange_info() -> None:
    need()
    if not CCXT.exists():
        pytest.skip(f"recorded data not found: {CCXT}")
    ccxt = json.loads(gzip.decompress(CCXT.read_bytes()))["markets"]
    markets, native = parse_exchange_info("binance", EXCHANGE_INFO.read_bytes(), SOME)
    assert [m.symbol for m in markets] == SOME
    assert native["BTC/USDT"] == "BTCUSDT" and native["RUNE/EUR"] == "RUNEEUR"
    for market in markets:
        theirs = ccxt[market.symbol]
        assert market.tick_size == Decimal(repr(theirs["precision"]["price"])), market.symbol
        assert market.lot_size == Decimal(repr(theirs["precision"]["amount"])), market.symbol
        assert float(market.min_notional) == theirs["limits"]["cost"]["min"], market.symbol
        assert float(market.min_qty) == theirs["limits"]["amount"]["min"], market.symbol
        assert market.max_qty is not None
        assert float(market.max_qty) == theirs["limits"]["amount"]["max"], market.symbol
        assert market.taker_fee == Decimal("0.001") == market.maker_fee
        assert market.active is theirs["active"]


def test_every_trading_market_when_no_symbols_are_named() -> None:
    need()
    markets, _ = parse_exchange_info("binance", EXCHANGE_INFO.read_bytes())
    raw = json.loads(EXCHANGE_INFO.read_bytes())["symbols"]
    trading = [s for s in raw if s["status"] == "TRADING" and s["isSpotTradingAllowed"]]
    assert len(markets) == len(trading) > 1000
    assert all(m.active for m in markets)
    usdt, native = parse_exchange_info("binance", EXCHANGE_INFO.read_bytes(), quote="USDT")
    in_usdt = [s for s in trading if s["quoteAsset"] == "USDT"]
    assert {m.symbol for m in usdt} == {f"{s['baseAsset']}/USDT" for s in in_usdt}
    assert len(usdt) > 250 and native["BTC/USDT"] == "BTCUSDT"  # universe = "all", quote USDT


def test_an_unknown_symbol_is_named_in_the_error() -> None:
    need()
    with pytest.raises(DataError, match="no such market NOPE/USDT"):
        parse_exchange_info("binance", EXCHANGE_INFO.read_bytes(), ["BTC/USDT", "NOPE/USDT"])
    with pytest.raises(DataError, match="exchangeInfo is not readable"):
        parse_exchange_info("binance", b"<html>maintenance</html>", ["BTC/USDT"])


async def test_markets_are_cached_and_a_fresh_cache_needs_no_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    need()
    async with BinanceStandIn([], {}, EXCHANGE_INFO.read_bytes()) as server:
        first = await BinanceFeed(["BTC/USDT"], urls=server.urls, cache_dir=tmp_path).load_markets()
        assert server.requests == ["/api/v3/exchangeInfo"]
        with caplog.at_level(logging.INFO, "tradeterm.venues.binance"):
            again = await BinanceFeed(
                ["BTC/USDT"], urls=server.urls, cache_dir=tmp_path
            ).load_markets()
        assert server.requests == ["/api/v3/exchangeInfo"]  # no second request
    assert list(again) == list(first)
    assert any("markets from cache, 0 hours old" in r.getMessage() for r in caplog.records)


async def test_an_expired_cache_is_refreshed_but_used_when_the_network_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    need()
    cache = tmp_path / "binance-exchangeInfo.json"
    cache.write_bytes(EXCHANGE_INFO.read_bytes())
    old = time.time() - 30 * 3600
    os.utime(cache, (old, old))
    async with BinanceStandIn([], {}, EXCHANGE_INFO.read_bytes()) as server:
        await BinanceFeed(["ETH/BTC"], urls=server.urls, cache_dir=tmp_path).load_markets()
        assert server.requests == ["/api/v3/exchangeInfo"]
    assert time.time() - cache.stat().st_mtime < 60  # rewritten
    os.utime(cache, (old, old))
    offline = BinanceFeed(["ETH/BTC"], urls=dead_urls(), cache_dir=tmp_path, backoff=FAST)
    with caplog.at_level(logging.WARNING, "tradeterm.venues.binance"):
        markets = await offline.load_markets()
    assert [m.symbol for m in markets] == ["ETH/BTC"]
    assert any("markets from cache, 30 hours old" in r.getMessage() for r in caplog.records)


async def test_no_network_and_no_cache_is_a_clear_venue_error(tmp_path: Path) -> None:
    feed = BinanceFeed(["ETH/BTC"], urls=dead_urls(), cache_dir=tmp_path, backoff=FAST)
    with pytest.raises(VenueUnavailable, match="exchangeInfo failed 2 times"):
        await feed.load_markets()
