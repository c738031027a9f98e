"""The recorded Kraken session the stand-in replays: cryptofeed's 2021-04-17 v1 captures
(book-1000 for 10 pairs, their trades and tickers), turned into one timeline of events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BOOK = DATA / "orderbook" / "kraken" / "cryptofeed_KRAKEN_v1_book1000_20210417.ws.50.0.txt"
TRADES = DATA / "trades" / "cryptofeed_KRAKEN_v1_trade_20210417.ws.48.0.txt"
TICKERS = DATA / "trades" / "cryptofeed_KRAKEN_v1_ticker_20210417.ws.49.0.txt"
ASSET_PAIRS = DATA / "markets" / "raw_kraken_AssetPairs_20210417_cryptofeed.json"
EXPECTED = DATA / "expected" / "kraken_v1_book1000_20210417.expected.json"
DOC_EXAMPLES = DATA / "expected" / "kraken_book_checksum_doc_examples.json"

PAIRS = {
    "WAVES/EUR": "WAVES/EUR",
    "XMR/USD": "XMR/USD",
    "KSM/XBT": "KSM/BTC",
    "GRT/ETH": "GRT/ETH",
    "SC/EUR": "SC/EUR",
    "ETH/CHF": "ETH/CHF",
    "OCEAN/XBT": "OCEAN/BTC",
    "OMG/USD": "OMG/USD",
    "XBT/CHF": "BTC/CHF",
    "ADA/XBT": "ADA/BTC",
}
"""Kraken v1 pair names -> the v2 (and tradeterm) symbols."""
DEPTH = 1000


@dataclass(frozen=True)
class Event:
    """One recorded message: ``kind`` is snapshot, update, trade, ticker or heartbeat."""

    ts: float
    kind: str
    symbol: str = ""
    asks: tuple[tuple[str, str], ...] = ()
    bids: tuple[tuple[str, str], ...] = ()
    body: Any = None


def need() -> None:
    for path in (BOOK, TRADES, TICKERS, ASSET_PAIRS, EXPECTED, DOC_EXAMPLES):
        if not path.exists():
            pytest.skip(f"recorded data not found: {path} (expected ../shared/data)")


def _lines(path: Path) -> list[tuple[float, Any]]:
    out = []
    for line in path.read_text().splitlines()[2:]:
        stamp, _, raw = line.partition(": ")
        if raw.strip():
            out.append((float(stamp), json.loads(raw)))
    return out


def _levels(raw: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((level[0], level[1]) for level in raw)


def timeline() -> list[Event]:
    """Every book, trade, ticker and heartbeat message of the three captures, by arrival time."""
    events: list[Event] = []
    for ts, msg in _lines(BOOK):
        if isinstance(msg, dict):
            if msg.get("event") == "heartbeat":
                events.append(Event(ts, "heartbeat"))
            continue
        symbol = PAIRS[msg[-1]]
        parts = msg[1:-2]
        asks: tuple[tuple[str, str], ...] = ()
        bids: tuple[tuple[str, str], ...] = ()
        if "as" in parts[0] or "bs" in parts[0]:
            snap = parts[0]
            events.append(Event(ts, "snapshot", symbol, _levels(snap["as"]), _levels(snap["bs"])))
            continue
        for part in parts:
            asks += _levels(part.get("a", []))
            bids += _levels(part.get("b", []))
        events.append(Event(ts, "update", symbol, asks, bids))
    for path, kind in ((TRADES, "trade"), (TICKERS, "ticker")):
        for ts, msg in _lines(path):
            if isinstance(msg, list):
                events.append(Event(ts, kind, PAIRS[msg[-1]], body=msg[1]))
    events.sort(key=lambda e: e.ts)
    return events


def expected() -> dict[str, Any]:
    """The known final books, keyed by v2 symbol."""
    result = json.loads(EXPECTED.read_text())["result"]
    return {PAIRS[pair]: answer for pair, answer in result.items()}


def precisions() -> dict[str, tuple[int, int]]:
    """(price decimals, qty decimals) of each replayed pair, read straight from AssetPairs."""
    pairs = json.loads(ASSET_PAIRS.read_text())["result"]
    by_ws = {p["wsname"]: p for k, p in pairs.items() if not k.endswith(".d")}
    return {v2: (by_ws[v1]["pair_decimals"], by_ws[v1]["lot_decimals"]) for v1, v2 in PAIRS.items()}
