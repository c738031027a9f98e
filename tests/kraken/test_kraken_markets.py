"""Kraken markets from recorded AssetPairs bodies, and the markets cache."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from kraken_data import ASSET_PAIRS, DATA, need

from tradeterm.domain.errors import DataError, VenueUnavailable
from tradeterm.venues.kraken import KrakenFeed
from tradeterm.venues.kraken.markets import parse_asset_pairs
from tradeterm.venues.net import Backoff

PAIRS_2025 = DATA / "rest" / "kraken_spot_20251111_nautilus" / "http_asset_pairs.json"
OFFLINE = {"api": {"public": "http://127.0.0.1:9/0/public", "ws": "ws://127.0.0.1:9/v2"}}


def test_asset_pairs_give_tick_lot_minimums_and_fees() -> None:
    need()
    markets, pairs = parse_asset_pairs("kraken", ASSET_PAIRS.read_bytes(), ["ADA/XBT", "SC/EUR"])
    ada, sc = markets
    assert (ada.symbol, ada.base, ada.quote) == ("ADA/BTC", "ADA", "BTC")
    assert ada.tick_size == Decimal("0.00000001") and ada.lot_size == Decimal("0.00000001")
    assert ada.min_qty == Decimal("25")  # ordermin
    assert (ada.taker_fee, ada.maker_fee) == (Decimal("0.0026"), Decimal("0.0016"))
    assert sc.tick_size == Decimal("0.00001")
    assert (pairs["SC/EUR"].price_decimals, pairs["SC/EUR"].qty_decimals) == (5, 8)


def test_newer_asset_pairs_use_tick_size_and_costmin() -> None:
    need()
    markets, _ = parse_asset_pairs("kraken", PAIRS_2025.read_bytes(), ["BTC/USDT"])
    (btc,) = markets
    assert btc.tick_size == Decimal("0.1") and btc.min_notional == Decimal("0.5")
    assert btc.min_qty == Decimal("0.00005")
    assert (btc.taker_fee, btc.maker_fee) == (Decimal("0.004"), Decimal("0.0025"))


def test_every_pair_is_listed_without_dark_pools_and_unknown_symbols_are_named() -> None:
    need()
    raw = json.loads(ASSET_PAIRS.read_text())["result"]
    markets, _ = parse_asset_pairs("kraken", ASSET_PAIRS.read_bytes())
    assert len(markets) == len([k for k in raw if not k.endswith(".d")])
    usd, _ = parse_asset_pairs("kraken", ASSET_PAIRS.read_bytes(), quote="USD")
    assert usd and {m.symbol for m in usd} == {m.symbol for m in markets if m.quote == "USD"}
    with pytest.raises(DataError, match=r"no such market NOPE/USD .*BASE/QUOTE"):
        parse_asset_pairs("kraken", ASSET_PAIRS.read_bytes(), ["NOPE/USD"])
    with pytest.raises(DataError, match="EGeneral:Invalid arguments"):
        parse_asset_pairs("kraken", b'{"error":["EGeneral:Invalid arguments"]}')


def test_markets_come_from_an_old_cache_when_kraken_is_unreachable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    need()
    cache = tmp_path / "kraken-AssetPairs.json"
    cache.write_bytes(ASSET_PAIRS.read_bytes())
    old = time.time() - 30 * 3600
    os.utime(cache, (old, old))
    feed = KrakenFeed(
        ["XBT/CHF"], urls=OFFLINE, cache_dir=tmp_path, backoff=Backoff(0.001, 0.002, 2)
    )
    with caplog.at_level(logging.WARNING, "tradeterm.venues.kraken"):
        markets = asyncio.run(feed.load_markets())
    assert [m.symbol for m in markets] == ["BTC/CHF"]
    assert any("markets from cache, 30 hours old" in r.getMessage() for r in caplog.records)
    empty = KrakenFeed(["XBT/CHF"], urls=OFFLINE, backoff=Backoff(0.001, 0.002, 2))
    with pytest.raises(VenueUnavailable):
        asyncio.run(empty.load_markets())


def test_a_depth_kraken_does_not_offer_is_refused_with_the_allowed_ones() -> None:
    with pytest.raises(DataError, match=r"depth 50 is not allowed; allowed: \(10, 25, 100"):
        KrakenFeed(["BTC/USD"], depth=50)
