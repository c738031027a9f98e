"""Replay throughput with the workstation attached: the real ReplayApp, as fast as possible.

Run: ``python benchmarks/bench_replay_ui.py [--quick]``. The app runs headless at
160x48 with every pane visible, replaying the Binance spot capture (0808, and
0809 unless --quick) at "as fast as possible"; the figure is messages per second
from the first to the last message. Compare with bench_replay.py (no UI).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.session_capture import SessionCapture
from tradeterm.logsetup import setup_logging
from tradeterm.ui.replay_app import ReplayApp
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay import ReplayFeed

BINANCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "orderbook" / "binance"


async def one_run(paths: list[Path]) -> tuple[int, float]:
    clock = ManualClock(0)
    feed = ReplayFeed(paths, clock, speed=None, paused=True)
    engine = Engine(clock, feed, [AccountSpec("paper", balances={"USDT": Decimal(10_000)})])
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=0)
    )
    app = ReplayApp(
        engine, setup_logging(None, "warning", clock.now_ns), feed, SessionCapture(engine), paths
    )
    async with app.run_test(size=(160, 48)) as pilot:
        while feed.progress.total_messages is None:
            await pilot.pause(0.05)
        started = time.perf_counter()
        feed.resume()
        while not feed.finished:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        messages = feed.progress.messages
    return messages, elapsed


def main() -> None:
    quick = "--quick" in sys.argv
    paths = [BINANCE / "hftbacktest_spot_btcusdt_20240808.gz"]
    if not quick:
        paths.append(BINANCE / "hftbacktest_spot_btcusdt_20240809.gz")
    runs = [asyncio.run(one_run(paths)) for _ in range(1 if quick else 3)]
    rate = statistics.median(m / s for m, s in runs)
    figure(
        "replay with the workstation attached, messages/s",
        rate,
        "/s",
        f"{runs[0][0]:,} messages of Binance spot, 160x48, every pane, median of {len(runs)}",
    )


if __name__ == "__main__":
    main()
