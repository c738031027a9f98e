"""Indicator speed: our suite against TA-Lib and plain pandas, and every indicator, on 1M candles.

Run ``python benchmarks/bench_indicators.py [--quick]`` (``--quick``: 100k candles). The
suite is RSI(14), EMA(20), MACD(12, 26, 9), Bollinger(20, 2) and ATR(14). Ours, TA-Lib's and
a plain pandas version of it are timed in the same process, interleaved (ours, TA-Lib,
pandas, ours, ...), median of 5 after one warm-up run each, on the same synthetic random-walk
candles indexed by minute. TA-Lib is optional (``pip install ta-lib``); without it its lines
are skipped.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure, median_time
from tradeterm.analysis import indicators as ti

REPEAT = 5


def candles(rows: int) -> pd.DataFrame:
    """A seeded random walk around 50,000 with highs, lows and volumes, one row per minute."""
    rng = np.random.default_rng(20240808)
    close = 50_000.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-3, rows)))
    spread = close * rng.uniform(0.0, 2e-3, (2, rows))
    index = pd.date_range("2020-01-01", periods=rows, freq="min", tz="UTC", name="date")
    return pd.DataFrame(
        {
            "high": close + spread[0],
            "low": close - spread[1],
            "close": close,
            "volume": rng.lognormal(3.0, 1.0, rows),
        },
        index=index,
    )


def our_suite(df: pd.DataFrame) -> object:
    high, low, close = df["high"], df["low"], df["close"]
    return (
        ti.rsi(close, 14),
        ti.ema(close, 20),
        ti.macd(close, 12, 26, 9),
        ti.bollinger(close, 20, 2.0),
        ti.atr(high, low, close, 14),
    )


def talib_suite(talib: Any, high: np.ndarray, low: np.ndarray, close: np.ndarray) -> object:
    """TA-Lib's functions on plain numpy arrays, as it is usually called."""
    return (
        talib.RSI(close, 14),
        talib.EMA(close, 20),
        talib.MACD(close, 12, 26, 9),
        talib.BBANDS(close, 20, 2.0, 2.0, 0),
        talib.ATR(high, low, close, 14),
    )


def pandas_suite(df: pd.DataFrame) -> object:
    """The usual pandas one-liners (ewm/rolling); seeding and warm-up differ from TA-Lib."""
    high, low, close = df["high"], df["low"], df["close"]
    change = close.diff()
    gain = change.clip(lower=0.0).ewm(alpha=1 / 14, adjust=False).mean()
    loss = (-change.clip(upper=0.0)).ewm(alpha=1 / 14, adjust=False).mean()
    rsi = 100.0 * gain / (gain + loss)
    ema = close.ewm(span=20, adjust=False).mean()
    line = close.ewm(span=12, adjust=False).mean() - close.ewm(span=26, adjust=False).mean()
    signal = line.ewm(span=9, adjust=False).mean()
    macd = pd.DataFrame({"macd": line, "signal": signal, "hist": line - signal})
    middle = close.rolling(20).mean()
    sigma = close.rolling(20).std(ddof=0)
    bands = pd.DataFrame(
        {"middle": middle, "upper": middle + 2 * sigma, "lower": middle - 2 * sigma}
    )
    previous = close.shift(1)
    true_range = pd.concat([high - low, (high - previous).abs(), (low - previous).abs()], axis=1)
    atr = true_range.max(axis=1).ewm(alpha=1 / 14, adjust=False).mean()
    return rsi, ema, macd, bands, atr


def interleaved(
    runs: dict[str, Callable[[], object]],
    repeat: int,
    split: dict[str, tuple[float, float]] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU time of each callable, run in turn so load hits all alike.

    ``split``, when given, receives each callable's median user and median system CPU
    time; the system time here is the kernel handing out fresh pages (first-touch faults).
    The kernel apportions the two by sampled clock ticks: a rough split on short runs.
    """
    for run in runs.values():
        run()  # warm-up: first-touch page faults, caches, lazy imports
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    user: dict[str, list[float]] = {name: [] for name in runs}
    kernel: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            before = resource.getrusage(resource.RUSAGE_SELF)
            started, used = time.perf_counter(), time.process_time()
            run()
            cpu[name].append(time.process_time() - used)
            wall[name].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_SELF)
            user[name].append(after.ru_utime - before.ru_utime)
            kernel[name].append(after.ru_stime - before.ru_stime)
    if split is not None:
        for name in runs:
            split[name] = (statistics.median(user[name]), statistics.median(kernel[name]))
    return (
        {name: statistics.median(values) for name, values in wall.items()},
        {name: statistics.median(values) for name, values in cpu.items()},
    )


def each_ratio(df: pd.DataFrame, talib: Any, label: str) -> None:
    """Each indicator of the suite against its TA-Lib call, interleaved: where the gap is."""
    high, low, close = df["high"], df["low"], df["close"]
    h, lo, c = (df[name].to_numpy() for name in ("high", "low", "close"))
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "rsi(14)": (lambda: ti.rsi(close, 14), lambda: talib.RSI(c, 14)),
        "ema(20)": (lambda: ti.ema(close, 20), lambda: talib.EMA(c, 20)),
        "macd(12,26,9)": (lambda: ti.macd(close, 12, 26, 9), lambda: talib.MACD(c, 12, 26, 9)),
        "bollinger(20,2)": (
            lambda: ti.bollinger(close, 20, 2.0),
            lambda: talib.BBANDS(c, 20, 2.0, 2.0, 0),
        ),
        "atr(14)": (lambda: ti.atr(high, low, close, 14), lambda: talib.ATR(h, lo, c, 14)),
    }
    for name, (ours, theirs) in pairs.items():
        _, cpu = interleaved({"ours": ours, "talib": theirs}, REPEAT)
        figure(
            f"{name}, {label} candles, ours / TA-Lib in CPU time",
            cpu["ours"] / cpu["talib"],
            "x",
            f"{cpu['ours'] * 1e3:.1f} vs {cpu['talib'] * 1e3:.1f} ms",
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k candles instead of 1M")
    args = parser.parse_args()
    rows = 100_000 if args.quick else 1_000_000
    label = f"{rows // 1000}k" if rows < 1_000_000 else "1M"
    df = candles(rows)
    try:
        import talib
    except ImportError:
        talib = None
        print("TA-Lib is not installed: its figures are skipped (pip install ta-lib)")

    runs: dict[str, Callable[[], object]] = {"ours": lambda: our_suite(df)}
    if talib is not None:
        arrays = [df[name].to_numpy() for name in ("high", "low", "close")]
        runs["talib"] = lambda: talib_suite(talib, *arrays)
    runs["pandas"] = lambda: pandas_suite(df)
    split: dict[str, tuple[float, float]] = {}
    medians, cpu = interleaved(runs, REPEAT, split)
    suite = "RSI+EMA+MACD+Bollinger+ATR"
    figure(f"indicator suite ({suite}), {label} candles, ours", medians["ours"] * 1e3, "ms")
    if talib is not None:
        figure(
            f"indicator suite, {label} candles, TA-Lib",
            medians["talib"] * 1e3,
            "ms",
            "numpy arrays in and out; ours takes and returns pandas and checks its input",
        )
        figure(
            "indicator suite, ours / TA-Lib", medians["ours"] / medians["talib"], "x", "aim: <= 2"
        )
        figure(
            "indicator suite, ours / TA-Lib in CPU time",
            cpu["ours"] / cpu["talib"],
            "x",
            f"process time, insensitive to other load: {cpu['ours'] * 1e3:.1f} vs "
            f"{cpu['talib'] * 1e3:.1f} ms",
        )
        (ours_user, ours_system), (talib_user, talib_system) = split["ours"], split["talib"]
        figure(
            "indicator suite, ours / TA-Lib in user CPU time",
            ours_user / talib_user,
            "x",
            f"the arithmetic: {ours_user * 1e3:.1f} vs {talib_user * 1e3:.1f} ms; system time "
            f"(fresh pages for outputs and temporaries) {ours_system * 1e3:.1f} vs "
            f"{talib_system * 1e3:.1f} ms",
        )
    if talib is not None:
        each_ratio(df, talib, label)
    figure(
        f"indicator suite, {label} candles, plain pandas ewm/rolling",
        medians["pandas"] * 1e3,
        "ms",
        "not TA-Lib compatible; for scale",
    )

    high, low, close, volume = (df[name] for name in ("high", "low", "close", "volume"))
    each: dict[str, Callable[[], object]] = {
        "sma(20)": lambda: ti.sma(close, 20),
        "ema(20)": lambda: ti.ema(close, 20),
        "wma(20)": lambda: ti.wma(close, 20),
        "rsi(14)": lambda: ti.rsi(close),
        "macd(12,26,9)": lambda: ti.macd(close),
        "bollinger(20,2)": lambda: ti.bollinger(close),
        "atr(14)": lambda: ti.atr(high, low, close),
        "stochastic(14,3)": lambda: ti.stochastic(high, low, close),
        "adx(14)": lambda: ti.adx(high, low, close),
        "obv": lambda: ti.obv(close, volume),
        "vwap (UTC-day sessions)": lambda: ti.vwap(high, low, close, volume),
        "donchian(20)": lambda: ti.donchian(high, low),
        "roc(10)": lambda: ti.roc(close),
        "volume_zscore(20)": lambda: ti.volume_zscore(volume),
        "realized_volatility(20)": lambda: ti.realized_volatility(close),
        "from_candles (all of them)": lambda: ti.from_candles(df),
    }
    for name, run in each.items():
        run()
        figure(f"{name}, {label} candles", median_time(run, REPEAT) * 1e3, "ms")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    figure("machine load average (1 min) at the end", load, "", f"{os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
