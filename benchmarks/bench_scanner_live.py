"""The live scanner measured: the whole workstation's CPU with 124 live sim symbols, and one
scanner refresh (copy, build + scan, hand-over, table update) timed in-process.

Run: ``python benchmarks/bench_scanner_live.py [--quick]``. The first part runs tradeterm in
a real pseudo-terminal (120x40) on the sim's 124 markets at 200 book updates a second, with
the scanner passing every 2 s (the default); the second drives the same app headless
(``run_test``) on a seeded sim with a day of history, moving the market a minute between
refreshes so that every pass converts new candles, as it does live.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure
from terminal import TerminalRun
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.logsetup import setup_logging
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.scanning import DEFAULT_INTERVAL_S
from tradeterm.ui.session import Session
from tradeterm.venues.sim.feed import SimFeed

SIZE = (120, 40)
RSS_AIM_MB = 120.0
"""Issue 17's aim for the whole app's peak RSS with 124 live symbols and a day of candles."""
START_NS = 1_767_270_896_000_000_000


def app_cpu(quick: bool) -> None:
    seconds = 5.0 if quick else 20.0
    home = Path(tempfile.mkdtemp(prefix="tradeterm-bench-scanner-"))
    config = home / "scanner.toml"
    config.write_text('[sim]\nuniverse = "all"\nrate = 200.0\n')
    run = TerminalRun(["--config", str(config)], cols=SIZE[0], rows=SIZE[1])
    try:
        run.wait_for(b"spread", timeout=60)
        run.cpu_percent(DEFAULT_INTERVAL_S * 2 + 1)  # the first pass converts every candle
        figure(
            "CPU, 124 live sim symbols at 200 updates/s, scanner every 2 s, 120x40",
            run.cpu_percent(seconds),
            "% of a core",
            f"whole app, over {seconds:.0f} s",
        )
        peak = run.peak_rss_mb()
        figure(
            "peak RSS with 124 symbols",
            peak,
            "MB",
            f"aim: < {RSS_AIM_MB:.0f}" + ("" if peak < RSS_AIM_MB else " -- MISSED"),
        )
    finally:
        run.close()


async def _refreshes(passes: int) -> dict[str, list[float]]:
    clock = ManualClock(START_NS)
    feed = SimFeed(clock, seed=7, rate=0, history_minutes=1440, universe="all")
    engine = Engine(clock, feed, [AccountSpec("paper")])
    engine.load_markets([flow.market for flow in feed.flows.values()])
    feed.bootstrap(engine)
    feed.step(engine, 500)
    logbook = setup_logging(None, "warning", clock.now_ns)
    app = TradetermApp(Session(engine, logbook), start_feed=False, scan_interval=0)
    times: dict[str, list[float]] = {"first": [], "refresh": [], "table": []}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        state = engine.state
        started = time.perf_counter()
        app.scans.run_now()
        times["first"].append((time.perf_counter() - started) * 1e3)
        for _ in range(passes):
            clock.advance(60)
            feed.step(engine, 400)
            started = time.perf_counter()
            app.scans.run_now()
            shown = time.perf_counter()
            app.scanner.show(
                state.by_label(state.markets),
                state.by_label(state.tickers),
                state.by_label(state.books),
                state.by_label(state.candles),
                state.label(state.active),
            )
            ended = time.perf_counter()
            times["refresh"].append((ended - started) * 1e3)
            times["table"].append((ended - shown) * 1e3)
            await pilot.pause()
        timings = list(app.scans.timings)[1:]
        times["copy"] = [t.copy_ms for t in timings]
        times["compute"] = [t.compute_ms for t in timings]
        times["apply"] = [t.apply_ms for t in timings]
        times["symbols"] = [float(len(app.scans.result or ()))]
    return times


def refresh_time(quick: bool) -> None:
    passes = 10 if quick else 40
    times = asyncio.run(_refreshes(passes))
    count = int(times["symbols"][0])
    median = {name: statistics.median(values) for name, values in times.items() if values}
    figure(
        f"one scanner refresh, {count} symbols x 1441 candles",
        median["refresh"],
        "ms",
        f"median of {passes}: copy + build + scan + hand-over + table update",
    )
    figure("  copy the candles (event loop)", median["copy"], "ms")
    figure("  build the matrix + scan (worker thread when live)", median["compute"], "ms")
    figure("  hand-over to the pane and the alerts (event loop)", median["apply"], "ms")
    figure("  table update, 124 rows (event loop)", median["table"], "ms")
    figure("first pass (converts every candle once)", median["first"], "ms")
    loop_ms = median["copy"] + median["apply"] + median["table"]
    figure(
        "scanner's share of a core at one pass per 2 s",
        100 * median["refresh"] / (DEFAULT_INTERVAL_S * 1e3),
        "%",
        f"of which {100 * loop_ms / (DEFAULT_INTERVAL_S * 1e3):.2f}% on the event loop",
    )


def main() -> None:
    quick = "--quick" in sys.argv
    refresh_time(quick)
    app_cpu(quick)


if __name__ == "__main__":
    main()
