"""The workstation's session without its screen: what ``bench_venue_stream --headless`` measures
to find the UI's share of the workstation's CPU.

Run as ``python benchmarks/headless_venue.py --config FILE`` in a terminal (``TerminalRun``):
the session the workstation opens (``cli.compose.open_session``: the engine with its ledger
and paper venue, the configured feed, the alert book, the candle backfill) runs with the same
workers (engine start, feeds, watchdog, venues, candles) on one asyncio loop, with no app.
It prints ``spread`` once the active instrument has a two-sided book (what the benchmark
waits for on the workstation's screen) and runs until ``q`` is read from its terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import termios
import tty
from pathlib import Path

from tradeterm import paths
from tradeterm.cli.compose import open_session
from tradeterm.cli.market import check_market
from tradeterm.config.load import load_config
from tradeterm.engine.clock import SystemClock
from tradeterm.logsetup import setup_logging


async def run(config_path: Path) -> None:
    config, _ = load_config(config_path, config_path)
    clock = SystemClock()
    level = config.general.log_level
    logbook = setup_logging(paths.data_dir_for(config) / "logs", level, clock.now_ns)
    session = open_session(config, clock, logbook, check_market(config), config_path.parent)
    engine = session.engine
    await engine.start()
    jobs = [engine.run_feed(venue) for venue in engine.feeds]
    jobs += [engine.watch_feed(), engine.run_venues(), *(f.run() for f in session.candles)]
    tasks = [asyncio.ensure_future(job) for job in jobs]
    gc.freeze()  # as the workstation does once its first book is drawn
    loop = asyncio.get_running_loop()
    quit_read = loop.create_future()
    loop.add_reader(0, lambda: quit_read.done() or quit_read.set_result(sys.stdin.read(1)))
    while True:  # the active instrument's first two-sided book
        book = engine.state.books.get(engine.state.active)
        if book is not None and book.best_bid() is not None and book.best_ask() is not None:
            break
        await asyncio.sleep(0.01)
    print("spread", flush=True)
    while await quit_read != "q":
        quit_read = loop.create_future()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await engine.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args()
    saved = termios.tcgetattr(0)
    tty.setcbreak(0)  # "q" arrives without a newline, as the workstation reads it
    try:
        asyncio.run(run(args.config))
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)


if __name__ == "__main__":
    main()
