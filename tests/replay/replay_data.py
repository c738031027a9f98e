"""Where the recorded data lives (../shared/data) and helpers to skip when it is absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BOOKS = DATA / "orderbook"
EXPECTED = DATA / "expected"

SPOT = [
    BOOKS / "binance" / "hftbacktest_spot_btcusdt_20240808.gz",
    BOOKS / "binance" / "hftbacktest_spot_btcusdt_20240809.gz",
]
USDM = BOOKS / "binance" / "hftbacktest_usdm_btcusdt_20240808.gz"
CF_WS = BOOKS / "binance" / "cryptofeed_BINANCE_spot_20211012.ws.1.0.txt"
CF_HTTP = BOOKS / "binance" / "cryptofeed_BINANCE_spot_20211012.http.0.0.txt"
KRAKEN = BOOKS / "kraken" / "cryptofeed_KRAKEN_v1_book1000_20210417.ws.50.0.txt"
KRAKEN_TRADES = DATA / "trades" / "cryptofeed_KRAKEN_v1_trade_20210417.ws.48.0.txt"
KRAKEN_TICKER = DATA / "trades" / "cryptofeed_KRAKEN_v1_ticker_20210417.ws.49.0.txt"


def need(*paths: Path) -> None:
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"recorded data not found: {missing[0]} (expected ../shared/data)")


def expected(name: str) -> dict[str, Any]:
    need(EXPECTED / name)
    data: dict[str, Any] = json.loads((EXPECTED / name).read_text())
    return data
