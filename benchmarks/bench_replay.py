"""Replay throughput, headless and as fast as possible: capture -> books, and ReplayFeed -> Engine.

An event is one message (one line) of the capture. Run from any directory:
``python benchmarks/bench_replay.py [--quick]`` (``--quick``: one run of the spot files).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import figure
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues import wire
from tradeterm.venues.replay import ReplayFeed, verify_files

BINANCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "orderbook" / "binance"
SPOT = [
    BINANCE / "hftbacktest_spot_btcusdt_20240808.gz",
    BINANCE / "hftbacktest_spot_btcusdt_20240809.gz",
]
USDM = [BINANCE / "hftbacktest_usdm_btcusdt_20240808.gz"]


def verify_once(paths: list[Path]) -> tuple[int, float, float]:
    """Capture -> rebuilt books -> report, as ``tradeterm replay --verify`` does it (through
    the deterministic driver's clock loop): events, wall s, CPU s."""
    wall, cpu = time.perf_counter(), time.process_time()
    report = verify_files(paths)
    return report["messages"], time.perf_counter() - wall, time.process_time() - cpu


def feed_once(paths: list[Path]) -> tuple[int, float, float]:
    """ReplayFeed -> Engine (books, tape, candles, tickers), no UI: events, wall s, CPU s."""

    async def play() -> tuple[int, float, float]:
        clock = ManualClock(0)
        feed = ReplayFeed(paths, clock, speed=None)
        engine = Engine(clock, feed, [AccountSpec("bench")])
        await engine.start()
        done = asyncio.Event()
        engine.bus.subscribe_all(lambda _: done.set() if feed.finished else None)
        wall, cpu = time.perf_counter(), time.process_time()
        task = asyncio.create_task(engine.run_feed())
        await done.wait()
        result = feed.messages, time.perf_counter() - wall, time.process_time() - cpu
        task.cancel()
        return result

    return asyncio.run(play())


AIM = 100_000
"""Events per second (wall) that every replay figure should reach (issue 17)."""


def measure(name: str, run: Callable[[], tuple[int, float, float]], repeat: int) -> None:
    results = [run() for _ in range(repeat)]
    events = results[0][0]
    wall = statistics.median(r[1] for r in results)
    cpu = statistics.median(r[2] for r in results)
    runs = f"median of {repeat}" if repeat > 1 else "1 run"
    note = f"{events:,} events in {wall:.2f} s, {events / cpu:,.0f}/s by CPU time, {runs}"
    note += f", C decoder {'on' if wire.ON else 'off'}"
    if events / wall < AIM:
        note += f"; MISSED the aim of {AIM:,}/s"
    figure(name, events / wall, "events/s", note)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of the spot files")
    args = parser.parse_args()
    missing = [p for p in SPOT + USDM if not p.exists()]
    if missing:
        print(f"replay benchmark skipped: {missing[0]} not found (needs ../shared/data)")
        return 0
    repeat = 1 if args.quick else 3
    measure("replay verify, Binance spot 0808+0809", lambda: verify_once(SPOT), repeat)
    if not args.quick:
        measure("replay verify, Binance USD-M 0808", lambda: verify_once(USDM), repeat)
    measure("replay feed -> engine, Binance spot 0808+0809", lambda: feed_once(SPOT), repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
