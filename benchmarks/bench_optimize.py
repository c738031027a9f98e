"""Parameter sweep wall time: 100 sma_cross points on 200,000 one-minute candles.

Run ``python benchmarks/bench_optimize.py [--quick]`` (``--quick``: 50k candles). The same
sweep (fast 2..20 step 2 x slow 30..210 step 20, objective Sharpe, each point a full report)
in one process, on 2 local processes, and on a local Dask cluster of 2 single-threaded worker
processes started here (its start-up timed apart; without Dask's default
MALLOC_TRIM_THRESHOLD_ for the workers, see below). The three rankings must be equal.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure
from tradeterm.analysis.backtest.search import Task, parse_space, points, run_points

TASK = Task("sma_cross", 0.001, "close", "sharpe")


def candles(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    close = 50_000.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-3, rows)))
    index = pd.date_range("2020-01-01", periods=rows, freq="min", tz="UTC", name="date")
    return pd.DataFrame({"open": np.r_[close[0], close[:-1]], "close": close}, index=index)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50k candles instead of 200k")
    args = parser.parse_args()
    rows = 50_000 if args.quick else 200_000
    data = candles(rows)
    space = dict(parse_space(s) for s in ("fast=2:20:2", "slow=30:210:20"))
    todo, _ = points("sma_cross", space, "grid", None, 0)
    rankings = {}
    for label, workers in (("1 process", 1), ("2 processes", 2)):
        started = time.perf_counter()
        rankings[label] = run_points(data, TASK, todo, workers=workers)
        seconds = time.perf_counter() - started
        figure(f"sweep {label}", seconds, "s", f"{len(todo)} points x {rows:,} candles")
    try:
        from distributed import LocalCluster
    except ImportError as exc:
        print(f"sweep dask: skipped ({exc}; pip install 'tradeterm[cluster]')", flush=True)
    else:
        import dask

        # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which turns off
        # glibc's adaptive mmap threshold: every array above 128 KiB is mapped fresh and
        # faulted in page by page (8x the page faults and 2-3x the time per point here).
        dask.config.set({"distributed.nanny.pre-spawn-environ": {}})
        started = time.perf_counter()
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            figure("dask local cluster start", time.perf_counter() - started, "s")
            started = time.perf_counter()
            rankings["dask"] = run_points(data, TASK, todo, cluster=cluster.scheduler_address)
            figure("sweep dask 2 workers", time.perf_counter() - started, "s")
    first = rankings["1 process"]
    same = all(ranking == first for ranking in rankings.values())
    print(f"rankings equal: {same}", flush=True)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
