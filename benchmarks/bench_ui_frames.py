"""The workstation's cost a frame on a busy market, deterministically: the real app headless
at 120x40 on a seeded 20-symbol sim, ``--events`` market events between frames, each frame
drawn by the refresh tick and the compositor (everything but the terminal write; the chart,
which redraws by the wall clock, is left out).

``--binance`` draws the recorded BTCUSDT session instead (the hftbacktest capture of
2024-08-08 through the replay feed, one frame every 100 ms of its time, ``--events`` unused):
the real book's changes between two frames, not the sim's.

Run: ``python benchmarks/bench_ui_frames.py [--frames N] [--events N] [--no-draw]
[--binance]``. Prints the CPU a frame spent drawing (the tick and Textual's screen update,
the feed's events not included) and the frames the tick drew. Made for instruction counts:
under ``valgrind --tool=callgrind`` run it with two frame counts (and ``--no-draw``, the same
events without drawing) and divide the difference by the frames between them: imports and
start-up cancel out, and the difference of the drawing and non-drawing runs is the UI's
instructions.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.logsetup import setup_logging
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.panes.chart import ChartPane
from tradeterm.ui.session import Session
from tradeterm.venues.replay import ReplayFeed
from tradeterm.venues.sim.feed import SimFeed

FRAME_S = 0.1  # 10 frames a second
START_NS = 1_767_270_896_000_000_000
CAPTURE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "orderbook" / "binance"
) / "hftbacktest_spot_btcusdt_20240808.gz"


async def sim_engine(clock: ManualClock, events: int) -> tuple[Engine, Callable[[], None]]:
    """The seeded 20-symbol sim, and a step playing ``events`` of its events."""
    feed = SimFeed(clock, seed=5, rate=0, universe="core")
    spec = AccountSpec("paper", balances={"USDT": Decimal(10_000)})
    engine = Engine(clock, feed, [spec])
    engine.load_markets([flow.market for flow in feed.flows.values()])
    feed.bootstrap(engine)
    feed.step(engine, 500)
    return engine, lambda: feed.step(engine, events)


async def binance_engine(clock: ManualClock) -> tuple[Engine, Callable[[], None]]:
    """The recorded BTCUSDT session, and a step playing its next ``FRAME_S`` (after the first
    ten seconds: the snapshot in and the tape filled)."""
    feed = ReplayFeed([CAPTURE], clock, speed=None, venue="binance")
    spec = AccountSpec("paper", venue="binance", balances={"USDT": Decimal(10_000)})
    engine = Engine(clock, feed, [spec])
    engine.load_markets(await feed.load_markets())
    timeline = feed.timeline(engine)
    upcoming = [next(timeline, None)]  # a message's time; advancing the timeline plays it

    def step(seconds: float = FRAME_S) -> None:
        end = clock.now_ns() + int(seconds * 1e9)
        while (ts := upcoming[0]) is not None and ts <= end:
            clock.set_ns(ts)
            upcoming[0] = next(timeline, None)
        clock.set_ns(end)

    assert upcoming[0] is not None
    clock.set_ns(upcoming[0])
    step(10.0)
    return engine, step


async def run(frames: int, events: int, draw: bool, binance: bool = False) -> None:
    clock = ManualClock(START_NS)
    engine, step = await (binance_engine(clock) if binance else sim_engine(clock, events))
    session = Session(engine, setup_logging(None, "info", clock.now_ns))
    # Only this loop ticks (the app's own timer never comes), and no scan runs in a thread.
    app = TradetermApp(session, start_feed=False, scan_interval=0.0, refresh_hz=0.001)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        app.query_one(ChartPane).live_interval = 1e9  # its drawings follow the wall clock
        drawing = feeding = 0.0
        before = app.refresher.frames
        began = time.thread_time()
        for _ in range(frames):
            if not binance:
                clock.advance(FRAME_S)
            started = time.thread_time()
            step()
            feeding += time.thread_time() - started
            if draw:
                started = time.thread_time()
                app.refresher.tick()
                drawing += time.thread_time() - started
            await pilot.pause(0.02)  # Textual's screen update runs (and is timed below)
        total = time.thread_time() - began
        drawn = app.refresher.frames - before
    what = "100 ms of the BTCUSDT capture" if binance else f"{events} events"
    print(f"{frames} frames, {what} each; the tick drew {drawn} frames")
    print(
        f"a frame: {(total - feeding) / frames * 1e6:.0f} us CPU besides the feed's events "
        f"(the tick {drawing / frames * 1e6:.0f} us, the rest Textual's screen update); "
        f"the events {feeding / frames * 1e6:.0f} us (UI bridge included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--no-draw", action="store_true")
    parser.add_argument("--binance", action="store_true", help="the recorded BTCUSDT session")
    args = parser.parse_args()
    asyncio.run(run(args.frames, args.events, not args.no_draw, args.binance))


if __name__ == "__main__":
    main()
