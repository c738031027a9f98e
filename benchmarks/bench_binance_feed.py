"""Native Binance feed throughput: recorded combined-stream messages through ``BinanceFeed``'s
decoder and book sync into the engine, in CPU time (no network: the frames are handed to
``on_message`` as the websocket would).

Run from any directory: ``python benchmarks/bench_binance_feed.py``. Uses the hftbacktest
BTCUSDT spot capture of 2024-08-08 (depth@100ms, trade, bookTicker; REST snapshot inline).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from tradeterm.domain.events import MarketEvent
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.binance import BinanceFeed

CAPTURE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "orderbook"
    / "binance"
    / "hftbacktest_spot_btcusdt_20240808.gz"
)


def load() -> tuple[list[str], dict[str, Any], list[str]]:
    """Frames before the snapshot, the snapshot, frames after it (depth and trades only)."""
    before: list[str] = []
    after: list[str] = []
    snapshot: dict[str, Any] | None = None
    with gzip.open(CAPTURE, "rt") as lines:
        for line in lines:
            body = line.partition(" ")[2].strip()
            if '"lastUpdateId"' in body[:20]:
                snapshot = json.loads(body)
            elif "@depth" in body[:40] or "@trade" in body[:40]:
                (after if snapshot is not None else before).append(body)
    assert snapshot is not None
    return before, snapshot, after


class Discard:
    def on_market(self, event: MarketEvent) -> None:
        pass


def feed_for(sink: Any) -> BinanceFeed:
    feed = BinanceFeed(["BTC/USDT"])
    feed.native, feed.unified = {"BTC/USDT": "BTCUSDT"}, {"BTCUSDT": "BTC/USDT"}
    feed.attach(sink)
    return feed


async def run(with_engine: bool, depth_only: bool = False) -> tuple[int, float]:
    before, snapshot, after = load()
    if depth_only:
        after = [f for f in after if "@depth" in f[:40]]
    if with_engine:
        engine = Engine(ManualClock(), feed_for(Discard()), [AccountSpec("main")])
        feed = feed_for(engine)
    else:
        feed = feed_for(Discard())
    for frame in before:
        feed.on_message(frame)
    feed.books["BTCUSDT"].on_snapshot(snapshot)
    start = time.process_time()
    for frame in after:
        feed.on_message(frame)
    cpu = time.process_time() - start
    assert feed.books["BTCUSDT"].synced and feed.malformed == 0
    return len(after), cpu


def decode_only() -> tuple[int, float, float]:
    _, _, after = load()
    start = time.process_time()
    for frame in after:
        orjson.loads(frame)
    fast = time.process_time() - start
    start = time.process_time()
    for frame in after:
        json.loads(frame)
    return len(after), fast, time.process_time() - start


def main() -> int:
    count, fast, slow = decode_only()
    print(f"messages after the snapshot: {count} (depth@100ms + trade)")
    print(f"decode only: orjson {count / fast:,.0f} msg/CPU-s, json {count / slow:,.0f} msg/CPU-s")
    for depth_only in (False, True):
        what = "depth only" if depth_only else "depth + trades"
        for with_engine in (False, True):
            count, cpu = asyncio.run(run(with_engine, depth_only))
            where = "feed -> engine" if with_engine else "feed alone"
            print(
                f"{what}, {where}: {count / cpu:,.0f} msg/CPU-s ({cpu * 1e6 / count:.1f} us each)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
