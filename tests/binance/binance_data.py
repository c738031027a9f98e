"""The recorded Binance session the stand-in replays: cryptofeed's 2021-10-12 spot capture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
WS = DATA / "orderbook" / "binance" / "cryptofeed_BINANCE_spot_20211012.ws.1.0.txt"
HTTP = DATA / "orderbook" / "binance" / "cryptofeed_BINANCE_spot_20211012.http.0.0.txt"
EXCHANGE_INFO = DATA / "markets" / "raw_binance_exchangeInfo_20211012_cryptofeed.json"
EXPECTED = DATA / "expected" / "binance_spot_cryptofeed_20211012.expected.json"

SYMBOLS = {"NKNUSDT": "NKN/USDT", "BLZETH": "BLZ/ETH", "LRCBTC": "LRC/BTC", "RUNEEUR": "RUNE/EUR"}


def need() -> None:
    for path in (WS, HTTP, EXCHANGE_INFO, EXPECTED):
        if not path.exists():
            pytest.skip(f"recorded data not found: {path} (expected ../shared/data)")


def frames() -> list[str]:
    """The raw combined-stream messages, in the order they arrived (the url line left out)."""
    lines = WS.read_text().splitlines()[1:]
    return [line.partition(": ")[2] for line in lines if line.strip()]


def snapshots() -> dict[str, dict[str, Any]]:
    """The recorded REST depth snapshots by Binance symbol."""
    out: dict[str, dict[str, Any]] = {}
    for line in HTTP.read_text().splitlines():
        if not line.strip():
            continue
        url, _, rest = line.partition(" -> ")
        symbol = url.split("symbol=")[1].split("&")[0]
        out[symbol] = json.loads(rest.partition(": ")[2])
    return out


def expected() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(EXPECTED.read_text())["result"]
    return result
