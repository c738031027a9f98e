"""What ``universe = "all"`` costs: a day of one-minute candles for every market, read from
the candle store into the engine (as ``CandleFeeder`` loads them) and scanned (as the
scanner pane's pass does), with the process's resident memory after each step.

Run ``python benchmarks/bench_universe.py [--quick]`` (default 450 markets, the size of
Binance's USDT spot list; ``--quick``: 50). Candles are the sim's seeded walks, tick-rounded
Decimals like a real venue's, written to a candle store in a temporary directory first.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scanner import universe
from common import figure
from tradeterm.domain.events import CandlesLoaded
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.candle_store import CandleStore
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.ui.scanning import SCAN_LENGTH
from tradeterm.venues.sim.feed import SimFeed

MINUTES = 1441


def rss_mb() -> float:
    """The resident set now (Linux: /proc), in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 markets")
    symbols = 50 if parser.parse_args().quick else 450
    from tradeterm.analysis.scanner import MatrixBuilder, scan  # as the first pass loads it

    with tempfile.TemporaryDirectory(prefix="tradeterm-bench-universe-") as home:
        store = CandleStore(Path(home) / "candles.sqlite")
        series = universe(symbols, MINUTES)
        names = list(series)
        for symbol, candles in series.items():
            store.put("bench", symbol, "1m", candles)
        del series
        engine = Engine(ManualClock(), SimFeed(ManualClock(), symbols=[]), [AccountSpec("a")])
        before = rss_mb()
        started = time.perf_counter()
        for symbol in names:
            engine.on_market(CandlesLoaded(symbol, store.get("bench", symbol, "1m")))
        load_s = time.perf_counter() - started
        loaded = rss_mb()
        count = sum(len(c) for c in engine.state.candles.values())
        figure(f"universe {symbols}: candles in the engine", count, "one-minute candles")
        figure(f"universe {symbols}: load from the candle store", load_s, "s")
        figure(f"universe {symbols}: RSS for the candles", loaded - before, "MB")
        builder = MatrixBuilder()
        passes = []
        for _ in range(4):
            started = time.perf_counter()
            candles = engine.state.by_label(engine.state.candles)
            snapshot = {s: list(c)[-SCAN_LENGTH:] for s, c in candles.items()}
            matrix = builder.build(snapshot, SCAN_LENGTH)
            scan(matrix)
            passes.append(time.perf_counter() - started)
        figure(f"universe {symbols}: first scanner pass", passes[0], "s", "every candle converted")
        figure(f"universe {symbols}: later scanner pass", min(passes[1:]), "s")
        figure(f"universe {symbols}: RSS with the scanner's matrix", rss_mb() - before, "MB")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
