"""A book whose every snapshot is wrong: how many depth snapshots (and how much of Binance's
request weight) the native feed asks for while the recorded capture plays.

The local stand-in of ``tests/binance`` serves the cryptofeed 2021-10-12 capture (4 symbols,
265 frames, 150 of them NKNUSDT depth diffs) one frame every ``INTERVAL_S``, and every
NKNUSDT snapshot carries a bid above the best ask, so the book crosses at the first diff
applied after it. Without the resync backoff each crossing asks for a snapshot at once.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "binance"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from binance_data import EXCHANGE_INFO, SYMBOLS, frames, need, snapshots  # noqa: E402
from binance_standin import BinanceStandIn, Faults  # noqa: E402

from common import figure  # noqa: E402
from tradeterm.engine.accounts import AccountSpec  # noqa: E402
from tradeterm.engine.clock import SystemClock  # noqa: E402
from tradeterm.engine.engine import Engine  # noqa: E402
from tradeterm.venues.binance import BinanceFeed  # noqa: E402
from tradeterm.venues.binance.rest import Backoff  # noqa: E402

INTERVAL_S = 0.01
SNAPSHOT_WEIGHT = 50
"""A 1,000-level depth snapshot's request weight on Binance."""


async def storm() -> tuple[int, float]:
    faults = Faults(crossed={"NKNUSDT"})
    capture = BinanceStandIn(
        frames(), snapshots(), EXCHANGE_INFO.read_bytes(), faults, interval_s=INTERVAL_S
    )
    async with capture as server:
        feed = BinanceFeed(list(SYMBOLS.values()), urls=server.urls, backoff=Backoff(0.1, 1.0))
        engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="binance")])
        await engine.start()
        started = time.perf_counter()
        task = asyncio.create_task(engine.run_feed())
        await asyncio.wait_for(server.finished.wait(), 120)
        seconds = time.perf_counter() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    asked = sum("depth?symbol=NKNUSDT" in p for p in server.requests)
    return asked, seconds


def main() -> None:
    need()
    logging.disable(logging.WARNING)  # (one warning a resync: the figures say it)
    asked, seconds = asyncio.run(storm())
    figure("resync_storm_snapshots", asked, "snapshots", f"150 crossing diffs in {seconds:.1f} s")
    figure("resync_storm_weight", asked * SNAPSHOT_WEIGHT, "weight", "Binance: 6,000 a minute")


if __name__ == "__main__":
    main()
