"""The workstation's cost a frame on a busy market, deterministically: the real app headless
at 120x40 on a seeded 20-symbol sim, ``--events`` market events between frames, each frame
drawn by the refresh tick and the compositor (everything but the terminal write; the chart,
which redraws by the wall clock, is left out).

Run: ``python benchmarks/bench_ui_frames.py [--frames N] [--events N] [--no-draw]``. Prints
the CPU a frame spent drawing (the tick and Textual's screen update, the feed's events not
included) and the frames the tick drew. Made for instruction counts: under ``valgrind
--tool=callgrind`` run it with two frame counts (and ``--no-draw``, the same events without
drawing) and divide the difference by the frames between them: imports and start-up cancel
out, and the difference of the drawing and non-drawing runs is the UI's instructions.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from decimal import Decimal

from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.logsetup import setup_logging
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.panes.chart import ChartPane
from tradeterm.ui.session import Session
from tradeterm.venues.sim.feed import SimFeed

FRAME_S = 0.1  # 10 frames a second
START_NS = 1_767_270_896_000_000_000


async def run(frames: int, events: int, draw: bool) -> None:
    clock = ManualClock(START_NS)
    feed = SimFeed(clock, seed=5, rate=0, universe="core")
    spec = AccountSpec("paper", balances={"USDT": Decimal(10_000)})
    engine = Engine(clock, feed, [spec])
    engine.load_markets([flow.market for flow in feed.flows.values()])
    feed.bootstrap(engine)
    feed.step(engine, 500)
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
            clock.advance(FRAME_S)
            started = time.thread_time()
            feed.step(engine, events)
            feeding += time.thread_time() - started
            if draw:
                started = time.thread_time()
                app.refresher.tick()
                drawing += time.thread_time() - started
            await pilot.pause(0.02)  # Textual's screen update runs (and is timed below)
        total = time.thread_time() - began
        drawn = app.refresher.frames - before
    print(f"{frames} frames, {events} events each; the tick drew {drawn} frames")
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
    args = parser.parse_args()
    asyncio.run(run(args.frames, args.events, not args.no_draw))


if __name__ == "__main__":
    main()
