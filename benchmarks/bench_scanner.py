"""Scanner speed: a full pass over 500 symbols x 500 one-minute candles, and a pandas groupby.

Run ``python benchmarks/bench_scanner.py [--quick]`` (``--quick``: 100 symbols, 3 runs).
The candles come from the simulated venue (``SymbolFlow.history``, seeded), one flow per
symbol built from the sim catalogue's listings, so they are tick-rounded Decimals as a real
feed gives them. Figures, each a median of 7 runs after warm-up runs:

- ``scan`` on a ready ``CandleMatrix`` (aim: < 0.05 s), and on a 1441-column matrix (what
  the UI keeps for the 24h columns);
- ``candles_to_matrix`` from the Decimal candles (cold: every value converted), and a
  ``MatrixBuilder`` update after one new candle per symbol (what the UI pays every pass);
- the cost of one Decimal -> float, ``float(d)`` against ``float(str(d))``;
- the same core columns (RSI 14, EMA 20 and 50, 1h change, volume z-score) with a pandas
  groupby over a long frame, the usual way to write it, for comparison. It uses pandas'
  ``ewm`` (not TA-Lib seeded), so its values differ slightly in the first rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure
from tradeterm.analysis.filter import compile_filter
from tradeterm.analysis.scanner import CandleMatrix, MatrixBuilder, candles_to_matrix, scan
from tradeterm.domain.market_data import Candle
from tradeterm.venues.sim.catalog import LISTINGS
from tradeterm.venues.sim.flow import SymbolFlow

NOW_NS = 1_731_283_200 * 10**9  # 2024-11-11 00:00 UTC: any fixed time gives the same walk
SEED = 20_241_111


def universe(symbols: int, minutes: int) -> dict[str, list[Candle]]:
    """``symbols`` simulated markets with ``minutes`` closed one-minute candles each."""
    series: dict[str, list[Candle]] = {}
    for i in range(symbols):
        base = LISTINGS[i % len(LISTINGS)]
        listing = dataclasses.replace(base, symbol=f"{base.symbol.split('/')[0]}{i}/USDT")
        # as Candle objects, as a venue's REST history arrives (the sim now packs its own)
        series[listing.symbol] = list(SymbolFlow(listing, SEED, NOW_NS).history(NOW_NS, minutes))
    return series


def timed(run: Callable[[], object], repeat: int, warmup: int = 2) -> float:
    """Median wall time of ``run`` after ``warmup`` runs (first-touch page faults, caches)."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def pandas_core(frame: pd.DataFrame) -> pd.DataFrame:
    """RSI(14), EMA(20), EMA(50), 1h change and volume z-score(20), last row per symbol.

    pandas' own grouped ``ewm``/``rolling`` (Cython over the groups), no Python per group.
    """
    key = frame["symbol"]
    by = frame.groupby(key, sort=False)
    change = by["close"].diff()
    parts = pd.DataFrame({"gain": change.clip(lower=0.0), "loss": -change.clip(upper=0.0)})
    smooth = parts.groupby(key, sort=False).ewm(alpha=1 / 14, adjust=False).mean()
    close = by["close"]
    volume = by["volume"].rolling(20)
    out = pd.DataFrame(
        {
            "rsi": (100.0 * smooth["gain"] / (smooth["gain"] + smooth["loss"])).to_numpy(),
            "ema20": close.ewm(span=20, adjust=False).mean().to_numpy(),
            "ema50": close.ewm(span=50, adjust=False).mean().to_numpy(),
            "chg_1h": (100.0 * close.pct_change(60)).to_numpy(),
            "vol_z": (
                (frame["volume"].to_numpy() - volume.mean().to_numpy())
                / volume.std(ddof=0).to_numpy()
            ),
        },
        index=key,
    )
    return out.groupby(level=0, sort=False).last()


def long_frame(matrix: CandleMatrix) -> pd.DataFrame:
    """The matrix as one row per (symbol, minute), the layout a groupby works on."""
    length = matrix.close.shape[1]
    return pd.DataFrame(
        {
            "symbol": np.repeat(np.asarray(matrix.symbols), length),
            "close": matrix.close.reshape(-1),
            "volume": matrix.volume.reshape(-1),
        }
    )


def per_value(convert: Callable[[Decimal], float], values: list[Decimal]) -> float:
    """Median nanoseconds per value of ``np.fromiter(map(convert, values))``."""
    seconds = timed(lambda: np.fromiter(map(convert, values), dtype=np.float64), 5, warmup=1)
    return seconds / len(values) * 1e9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 symbols, 3 runs")
    args = parser.parse_args()
    symbols, repeat = (100, 3) if args.quick else (500, 7)
    length = 500
    started = time.perf_counter()
    series = universe(symbols, 1441)
    short = {symbol: candles[-length:] for symbol, candles in series.items()}
    print(f"(built {symbols} x 1441 simulated candles in {time.perf_counter() - started:.1f} s)")
    shape = f"{symbols} symbols x {length} candles"

    matrix = candles_to_matrix(short, length)
    figure(f"scan, {shape}", timed(lambda: scan(matrix), repeat) * 1e3, "ms", "aim: < 50 ms")
    day = candles_to_matrix(series, 1441)
    figure(
        f"scan, {symbols} symbols x 1441 candles",
        timed(lambda: scan(day), repeat) * 1e3,
        "ms",
        "24h columns over 1441, indicators over the newest 500",
    )
    cold = timed(lambda: candles_to_matrix(short, length), repeat, warmup=1)
    figure(f"candles_to_matrix, {shape}, Decimal", cold * 1e3, "ms", "every value converted")

    builder = MatrixBuilder()
    builder.build(short, length)
    live = {symbol: list(candles) for symbol, candles in short.items()}

    def one_more_minute() -> CandleMatrix:
        for candles in live.values():
            last = candles[-1]
            price = last.close
            candles.append(Candle(last.ts_ms + 60_000, price, price, price, price, Decimal(1)))
            del candles[0]
        return builder.build(live, length)

    figure(
        f"MatrixBuilder.build after one new candle per symbol, {shape}",
        timed(one_more_minute, repeat) * 1e3,
        "ms",
        "what a scanner worker pays every pass",
    )

    sample = [value for c in short[next(iter(short))] for value in (c.close, c.volume)] * 20
    fast = per_value(float, sample)
    via_str = per_value(lambda d: float(str(d)), sample)
    figure("Decimal -> float, float(d)", fast, "ns/value", "correctly rounded")
    figure("Decimal -> float, float(str(d))", via_str, "ns/value", f"{via_str / fast:.2f}x")

    result = scan(matrix)
    compiled = compile_filter('rsi < 45 and vol_z > 0.5 or trend == "up" and symbol ~ "BTC*"')
    masking = timed(lambda: compiled.mask(result), repeat)
    figure(f"filter mask, {symbols} symbols", masking * 1e3, "ms")

    frame = long_frame(matrix)
    grouped = timed(lambda: pandas_core(frame), repeat, warmup=1)
    ours = timed(lambda: scan(matrix), repeat)
    figure(
        f"pandas groupby, core columns only (RSI, EMA 20/50, 1h change, vol_z), {shape}",
        grouped * 1e3,
        "ms",
        f"{grouped / ours:.1f}x a full scan, which also computes every other column and score",
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    figure("machine load average (1 min) at the end", load, "", f"{os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
