"""Vectorised backtest speed: sma_cross(10, 30) on 1,000,000 one-minute candles, in bars/s.

Run ``python benchmarks/bench_backtest.py [--quick]`` (``--quick``: 100k candles). Side by side
on the same seeded random walk, interleaved, median of 5 after one warm-up run each:

- ours: ``runner.simulate_candles`` (SMAs, crossings, trades and final equity), and the same
  plus the full report (equity curve, drawdown, ratios, trade list);
- bare numpy: the shortest numpy code for the same trades (SMAs as differences of a running
  sum, crossings, fills at the close, final equity), written here;
- vectorbt, warm (its numba functions compiled by the warm-up run), when it is installed:
  ``vbt.MA.run`` for both SMAs, ``ma_crossed_above/below``, ``Portfolio.from_signals`` with
  ``fees=0.001`` (all cash in, the fee on top, as ours), on a tz-naive copy of the series (with
  pandas 3 and a UTC index its MA step took 25 s here instead of 0.5 s).

Each line says how many trades the run made and its final equity, so the figures are for the
same work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure
from tradeterm.analysis.backtest.report import build_report
from tradeterm.analysis.backtest.runner import simulate_candles
from tradeterm.analysis.backtest.signals import SmaCrossParams

FEE = 0.001
PARAMS = SmaCrossParams(fast=10, slow=30)


def candles(rows: int) -> pd.DataFrame:
    """A seeded random walk around 50,000, one row per minute."""
    rng = np.random.default_rng(20240808)
    close = 50_000.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-3, rows)))
    index = pd.date_range("2020-01-01", periods=rows, freq="min", tz="UTC", name="date")
    return pd.DataFrame({"open": np.r_[close[0], close[:-1]], "close": close}, index=index)


def bare_numpy(close: np.ndarray) -> tuple[int, float]:
    """sma_cross in plain numpy: (number of trades, final equity as a multiple)."""
    total = np.cumsum(np.r_[0.0, close])
    fast = np.full(len(close), np.nan)
    slow = np.full(len(close), np.nan)
    fast[9:] = (total[10:] - total[:-10]) / 10
    slow[29:] = (total[30:] - total[:-30]) / 30
    up = np.r_[False, (fast[1:] > slow[1:]) & (fast[:-1] <= slow[:-1])]
    down = np.r_[False, (fast[1:] < slow[1:]) & (fast[:-1] >= slow[:-1])]
    marks = np.where(up | down, np.arange(len(close)), 0)
    long = up[np.maximum.accumulate(marks)]
    change = np.diff(long.astype(np.int8), prepend=np.int8(0))
    buys, sells = close[change == 1], close[change == -1]
    equity = float(np.prod(sells / buys[: len(sells)])) * ((1 - FEE) / (1 + FEE)) ** len(sells)
    if len(buys) > len(sells):
        equity *= float(close[-1] / (buys[-1] * (1 + FEE)))
    return len(buys), equity


def vectorbt_run(vbt: Any, close: pd.Series) -> tuple[int, float]:
    fast = vbt.MA.run(close, 10)
    slow = vbt.MA.run(close, 30)
    portfolio = vbt.Portfolio.from_signals(
        close,
        fast.ma_crossed_above(slow),
        fast.ma_crossed_below(slow),
        fees=FEE,
        init_cash=1e30,  # at 1.0 it stops trading once the cash falls below its size floor
        freq="1min",
    )
    return int(portfolio.trades.count()), float(portfolio.final_value()) / 1e30


def interleaved(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k candles instead of 1M")
    args = parser.parse_args()
    rows = 100_000 if args.quick else 1_000_000
    data = candles(rows)
    close = data["close"].to_numpy()

    def ours() -> tuple[int, float]:
        sim = simulate_candles(data, "sma_cross", PARAMS, FEE, "close")
        return len(sim.entry_bar), sim.final_equity

    def ours_report() -> object:
        sim = simulate_candles(data, "sma_cross", PARAMS, FEE, "close")
        return build_report(
            strategy="sma_cross", params={}, candles=data, sim=sim, fill="close", cash=1.0
        )

    runs: dict[str, Callable[[], Any]] = {
        "ours": ours,
        "ours + report": ours_report,
        "bare numpy": lambda: bare_numpy(close),
    }
    try:
        import vectorbt as vbt
    except Exception as exc:  # not installed, or broken against this numpy/pandas
        print(f"vectorbt: skipped ({type(exc).__name__}: {exc})", flush=True)
    else:
        series = data["close"].tz_localize(None)  # a tz-aware index is ~50x slower in it
        started = time.perf_counter()
        vectorbt_run(vbt, series)
        figure("vectorbt first call", time.perf_counter() - started, "s", "numba compile")
        runs["vectorbt warm"] = lambda: vectorbt_run(vbt, series)
    results = {name: run() for name, run in runs.items() if name != "ours + report"}
    medians = interleaved(runs, 5)
    for name, seconds in medians.items():
        note = f"{rows:,} candles, {seconds * 1e3:.1f} ms"
        if name in results:
            trades, equity = results[name]
            note += f", {trades} trades, final equity {equity:.6g}"
        figure(f"sma_cross {name}", rows / seconds, "bars/s", note)
    ratio = medians["ours"] / medians["bare numpy"]
    figure("ours / bare numpy time", ratio, "x", "aim: at most 2")
    if "vectorbt warm" in medians:
        figure("vectorbt warm / ours time", medians["vectorbt warm"] / medians["ours"], "x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
