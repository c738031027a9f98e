"""EMA, MACD, RSI and Bollinger Bands on float arrays, without pandas.

This is the arithmetic behind ``tradeterm.analysis.indicators.ema``, ``macd``, ``rsi`` and
``bollinger`` (their docstrings give the definitions, TA-Lib's): those functions check and
convert pandas Series and write through the ``*_into`` functions here. Callers that already
hold floats (the chart, drawing on a small machine where importing pandas costs 80 MB and half
a second) call the array functions at the end of this module.

Each ``*_into`` function runs the C kernels of :mod:`tradeterm.analysis.native` when they are
built (one sequential pass, as TA-Lib), and the blocked numpy code below otherwise.

The ``*_into`` functions take ``x``, the values from the first valid row on (no NaN), and
write the rows from the first computable one on into the ``out`` slices given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tradeterm.analysis.native import kernels
from tradeterm.analysis.recurrence import (
    CHUNK,
    FloatArray,
    Producer,
    Recurrence,
    Term,
    combined_filter,
    from_array,
    run_recurrences,
    seeded_filter,
)
from tradeterm.analysis.windows import WindowMoments, map_windows


def ema_into(x: FloatArray, period: int, out: FloatArray) -> None:
    """EMA of ``x`` into ``out`` (rows ``period - 1`` on); ``len(x) >= period``."""
    k = 2.0 / (period + 1)
    seed = math.fsum(x[:period]) / period
    native = kernels()
    if native is not None:
        native.recurrence(np.ascontiguousarray(x[period:]), seed, 1.0 - k, k, out)
        return
    seeded_filter(seed, x[period:], 1.0 - k, k, out)


def macd_into(
    x: FloatArray,
    fast: int,
    slow: int,
    signal: int,
    line: FloatArray,
    signal_line: FloatArray,
    hist: FloatArray,
) -> None:
    """MACD of ``x``: ``line`` from row ``slow - 1`` on (NaN until the signal starts),
    ``signal_line`` and ``hist`` from row ``slow + signal - 2`` on;
    ``len(x) >= slow + signal - 1``."""
    f, s, g = fast, slow, signal
    kf, ks, kg = 2.0 / (f + 1), 2.0 / (s + 1), 2.0 / (g + 1)
    fast_ema = Term(math.fsum(x[s - f : s]) / f, 1.0 - kf, kf, 1.0)
    slow_ema = Term(math.fsum(x[:s]) / s, 1.0 - ks, ks, -1.0)
    native = kernels()
    if native is not None:
        tail = np.ascontiguousarray(x[s:])
        fast_args = (fast_ema.seed, fast_ema.d, kf, slow_ema.seed, slow_ema.d, ks)
        native.macd(tail, *fast_args, g, 1.0 - kg, kg, line, signal_line, hist)
        return
    combined_filter(x[s:], [fast_ema, slow_ema], line)  # the line: fast - slow in one pass
    macd_line = line[g - 1 :]

    def store_hist(begin: int, end: int, ys: Sequence[FloatArray]) -> None:
        np.subtract(macd_line[begin:end], ys[0], out=hist[begin:end])

    seed = math.fsum(line[:g]) / g
    signal_ema = Recurrence(seed, 1.0 - kg, from_array(line[g:], kg), out=signal_line)
    run_recurrences(len(signal_line), [signal_ema], store_hist)
    line[: g - 1] = np.nan


def _part(changes: FloatArray, *, up: bool) -> Producer:
    """Producer of the gains (``up``) or the losses, as negative numbers, in ``changes``."""
    clip = np.maximum if up else np.minimum

    def produce(lo: int, hi: int, out: FloatArray) -> None:
        clip(changes[lo:hi], 0.0, out=out)

    return produce


def rsi_into(x: FloatArray, period: int, out: FloatArray) -> None:
    """RSI (Wilder) of ``x`` into ``out`` (rows ``period`` on); ``len(x) > period``."""
    p = period
    seed_changes = np.diff(x[: p + 1])
    gain_seed = math.fsum(np.maximum(seed_changes, 0.0))
    loss_seed = math.fsum(np.minimum(seed_changes, 0.0))
    native = kernels()
    if native is not None:
        native.rsi(np.ascontiguousarray(x), p, gain_seed, loss_seed, out)
        return
    # row p on: the price changes first, then the RSI, in place
    for begin in range(1, len(out), CHUNK):
        end = min(len(out), begin + CHUNK)
        np.subtract(x[p + begin : p + end], x[p + begin - 1 : p + end - 1], out=out[begin:end])
    changes = out[1:]
    d = 1.0 - 1.0 / p
    # Wilder sums (p times the averages): same ratio, one division fewer per row. The loss
    # sum is negative, so gain - loss is the sum of both. The gains go last: they overwrite
    # the changes that both recurrences read.
    losses = Recurrence(loss_seed, d, _part(changes, up=False))
    gains = Recurrence(gain_seed, d, _part(changes, up=True), out=out)

    def store(begin: int, end: int, ys: Sequence[FloatArray]) -> None:
        loss, gain = ys  # gain is out[begin:end]
        np.subtract(gain, loss, out=loss)
        with np.errstate(invalid="ignore"):
            gain /= loss
        gain *= 100.0

    run_recurrences(len(out), [losses, gains], store)


def bollinger_into(
    x: FloatArray, period: int, factor: float, columns: Sequence[FloatArray]
) -> None:
    """Bollinger Bands of ``x`` into ``columns`` (``middle, upper, lower, percent_b,
    width``, rows ``period - 1`` on); ``len(x) >= period``."""
    native = kernels()
    if native is not None:
        native.bollinger(np.ascontiguousarray(x), period, factor, *columns)
        return
    middle, upper, lower, percent_b, width = columns
    price = x[period - 1 :]

    def store(begin: int, end: int, moments: tuple[FloatArray, FloatArray]) -> None:
        mean, half = moments
        at = slice(begin, end)
        middle[at] = mean
        np.sqrt(half, out=half)
        half *= factor
        np.add(mean, half, out=upper[at])
        np.subtract(mean, half, out=lower[at])
        full_width = np.subtract(upper[at], lower[at], out=width[at])
        with np.errstate(divide="ignore", invalid="ignore"):
            np.subtract(price[at], lower[at], out=percent_b[at])
            percent_b[at] /= full_width  # 0/0 (NaN) where the window is flat
            full_width /= mean
        zero = mean == 0.0
        if bool(zero.any()):
            full_width[zero] = np.nan

    map_windows(x, period, WindowMoments(period), store)


# --- whole arrays, NaN during the warm-up (for callers that hold clean floats) -------------


def _nan(rows: int, count: int = 1) -> list[FloatArray]:
    return [np.full(rows, np.nan) for _ in range(count)]


def ema(x: FloatArray, period: int) -> FloatArray:
    (out,) = _nan(len(x))
    if len(x) >= period:
        ema_into(x, period, out[period - 1 :])
    return out


def macd(
    x: FloatArray, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(macd, signal, hist)."""
    line, signal_line, hist = _nan(len(x), 3)
    first = slow + signal - 2
    if len(x) > first:
        macd_into(x, fast, slow, signal, line[slow - 1 :], signal_line[first:], hist[first:])
    return line, signal_line, hist


def rsi(x: FloatArray, period: int = 14) -> FloatArray:
    (out,) = _nan(len(x))
    if len(x) > period:
        rsi_into(x, period, out[period:])
    return out


def bollinger(x: FloatArray, period: int = 20, std: float = 2.0) -> list[FloatArray]:
    """[middle, upper, lower, percent_b, width]."""
    columns = _nan(len(x), 5)
    if len(x) >= period:
        bollinger_into(x, period, std, [c[period - 1 :] for c in columns])
    return columns
