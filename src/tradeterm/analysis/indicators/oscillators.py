"""Oscillators: RSI, stochastic, ADX with +DI/-DI, and rate of change."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.analysis.indicator_arrays import rsi_into
from tradeterm.analysis.indicators._validate import (
    FloatArray,
    check_high_low,
    check_period,
    frame_out,
    lead_nan,
    lead_nan_columns,
    prepare,
    series_out,
)
from tradeterm.analysis.recurrence import (
    CHUNK,
    Recurrence,
    from_array,
    run_recurrences,
)
from tradeterm.analysis.windows import (
    map_windows,
    rolling_extreme,
    true_range,
    window_sum,
)


def rsi(close: pd.Series, period: int = 14) -> pd.Series:
    """Relative strength index with Wilder smoothing, as TA-Lib ``RSI``.

    Gains and losses are the positive and negative parts of ``close[t] - close[t-1]``. Their
    Wilder averages start at row ``period`` with the plain means of the first ``period``
    changes, then ``avg[t] = (avg[t-1] * (period - 1) + x[t]) / period``;
    ``rsi = 100 * avg_gain / (avg_gain + avg_loss)``.

    Where both averages are exactly zero (the series has not moved since its start) the RSI is
    undefined and the result is NaN; TA-Lib returns 0 there. Elsewhere the values match TA-Lib.

    Args:
        close: the prices.
        period: the Wilder period, >= 1.

    Returns:
        Series named ``rsi_<period>`` in ``[0, 100]``; the first ``period`` values are NaN.
    """
    p = check_period("period", period)
    inputs = prepare(("close", close))
    x = inputs.valid(0)
    first = inputs.start + p
    out = lead_nan(inputs.rows, first)
    if len(x) > p:
        rsi_into(x, p, out[first:])
    return series_out(out, inputs, f"rsi_{p}")


def stochastic(
    high: pd.Series, low: pd.Series, close: pd.Series, k: int = 14, d: int = 3
) -> pd.DataFrame:
    """Fast stochastic oscillator: %K and its SMA %D.

    ``k = 100 * (close - LL) / (HH - LL)`` where ``HH``/``LL`` are the highest high and lowest
    low of the last ``k`` rows (current row included); ``d`` = SMA over ``d`` rows of ``k``.
    This is TA-Lib ``STOCHF(high, low, close, fastk_period=k, fastd_period=d,
    fastd_matype=SMA)``; the "slow" stochastic is this ``d`` column smoothed again.

    Both columns start at row ``(k - 1) + (d - 1)``, like TA-Lib's two outputs. Where the
    range ``HH - LL`` is zero, %K is undefined and NaN (TA-Lib returns 0), and so is every %D
    whose window contains it.

    Args:
        high: candle highs.
        low: candle lows.
        close: candle closes.
        k: look-back of the range in rows, >= 1.
        d: length of the %D average, >= 1.

    Returns:
        DataFrame with columns ``k``, ``d`` on the input index.
    """
    kp = check_period("k", k)
    dp = check_period("d", d)
    inputs = prepare(("high", high), ("low", low), ("close", close))
    check_high_low(inputs)
    h, lo, c = inputs.valid(0), inputs.valid(1), inputs.valid(2)
    first = inputs.start + kp - 1 + dp - 1
    columns = lead_nan_columns(2, inputs.rows, first)
    if len(c) >= kp + dp - 1:
        fast_k = columns[0][inputs.start + kp - 1 :]  # %K from its own first row, for %D

        def store_k(begin: int, end: int, highest: FloatArray) -> None:
            lowest = rolling_extreme(lo[begin : end + kp - 1], kp, maximum=False)
            np.subtract(highest, lowest, out=highest)
            target = fast_k[begin:end]
            np.subtract(c[kp - 1 + begin : kp - 1 + end], lowest, out=target)
            with np.errstate(invalid="ignore", divide="ignore"):
                target /= highest
            target[highest == 0.0] = np.nan
            target *= 100.0

        map_windows(h, kp, lambda piece: rolling_extreme(piece, kp, maximum=True), store_k)
        slow = columns[1][first:]

        def store_d(begin: int, end: int, sums: FloatArray) -> None:
            np.divide(sums, dp, out=slow[begin:end])

        map_windows(fast_k, dp, lambda piece: window_sum(piece, dp), store_d)
        columns[0][inputs.start + kp - 1 : first] = np.nan
    return frame_out(columns, inputs, ["k", "d"])


def _directional(
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    rows: slice,
    plus: FloatArray,
    minus: FloatArray,
    ranges: FloatArray,
) -> None:
    """+DM, -DM and the true range of ``rows`` (rows >= 1) into the three outputs."""
    before = slice(rows.start - 1, rows.stop - 1)
    up = h[rows] - h[before]
    down = lo[before] - lo[rows]
    np.copyto(plus, np.where((up > down) & (up > 0.0), up, 0.0))
    np.copyto(minus, np.where((down > up) & (down > 0.0), down, 0.0))
    true_range(h[rows], lo[rows], c[before], ranges)


def _dx(plus_di: FloatArray, minus_di: FloatArray, out: FloatArray) -> None:
    """``out = 100 * |minus_di - plus_di| / (minus_di + plus_di)``, NaN where 0/0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        np.subtract(minus_di, plus_di, out=out)
        np.abs(out, out=out)
        out /= minus_di + plus_di
    out *= 100.0


class _UndefinedDx(Exception):
    """DX is undefined somewhere after its first rows: take the general (slower) path."""


def _smooth_dx(plus_di: FloatArray, minus_di: FloatArray, adx_out: FloatArray, p: int) -> None:
    """Fill ``adx_out`` (aligned with the DIs) with the Wilder average of DX."""
    count = len(plus_di)
    if count >= p:
        head = np.empty(p)
        _dx(plus_di[:p], minus_di[:p], head)
        if not bool(np.isnan(head).any()):

            def produce(begin: int, end: int, out: FloatArray) -> None:
                _dx(plus_di[p + begin : p + end], minus_di[p + begin : p + end], out)
                if bool(np.isnan(out).any()):
                    raise _UndefinedDx
                out /= p

            try:  # the usual case: DX is defined on every row
                seed = math.fsum(head) / p
                recurrence = Recurrence(seed, 1.0 - 1.0 / p, produce, out=adx_out[p - 1 :])
                run_recurrences(count - p + 1, [recurrence])
                return
            except _UndefinedDx:
                adx_out[:] = np.nan
    dx = np.empty(count)
    _dx(plus_di, minus_di, dx)
    positions = np.flatnonzero(~np.isnan(dx))
    if len(positions) < p:
        return
    values = dx[positions]
    smoothed = np.empty(len(values) - p + 1)
    tail = from_array(values[p:], 1.0 / p)
    seed = math.fsum(values[:p]) / p
    run_recurrences(len(smoothed), [Recurrence(seed, 1.0 - 1.0 / p, tail, out=smoothed)])
    adx_out[positions[p - 1 :]] = smoothed
    held = adx_out[positions[p - 1] :]  # hold the last value over undefined DX
    last = np.where(np.isnan(held), 0, np.arange(len(held)))
    np.maximum.accumulate(last, out=last)
    held[:] = held[last]


def adx(high: pd.Series, low: pd.Series, close: pd.Series, period: int = 14) -> pd.DataFrame:
    """Average directional index with the directional indicators, as TA-Lib.

    With ``+DM = up`` if ``up > down`` and ``up > 0`` else 0 (``up = high - prev high``,
    ``down = prev low - low``; -DM likewise) and TR the true range, the Wilder sums start at
    row ``period - 1`` with the plain sums of rows ``1 .. period - 1`` and go on as
    ``s[t] = s[t-1] - s[t-1] / period + x[t]``. Then ``plus_di = 100 * s(+DM) / s(TR)`` and
    ``minus_di`` likewise, from row ``period`` (TA-Lib ``PLUS_DI``/``MINUS_DI``);
    ``DX = 100 * |plus_di - minus_di| / (plus_di + minus_di)``, and ``adx`` is the Wilder
    average of DX seeded with the mean of the first ``period`` DX values, from row
    ``2 * period - 1`` (TA-Lib ``ADX``).

    Undefined values are NaN, never 0: the DIs where the TR sum is zero (no movement at all
    yet), DX where both DIs are zero (no directional movement yet). ADX then starts
    ``period - 1`` rows after the first defined DX and holds its value over any later
    undefined DX. TA-Lib counts such rows as 0 instead; on data that moves, the two agree.

    Args:
        high: candle highs.
        low: candle lows.
        close: candle closes.
        period: the Wilder period, >= 1.

    Returns:
        DataFrame with columns ``adx``, ``plus_di``, ``minus_di`` on the input index.
    """
    p = check_period("period", period)
    inputs = prepare(("high", high), ("low", low), ("close", close))
    check_high_low(inputs)
    h, lo, c = inputs.valid(0), inputs.valid(1), inputs.valid(2)
    columns = lead_nan_columns(3, inputs.rows, inputs.rows)
    if len(c) > p:
        adx_out, plus_di, minus_di = (row[inputs.start + p :] for row in columns)
        # +DM, -DM and TR of rows p .. go where the DIs and ADX will be (aligned with them);
        # the DIs overwrite each chunk only after every recurrence has read it.
        for begin in range(0, len(plus_di), CHUNK):
            at = slice(begin, min(len(plus_di), begin + CHUNK))
            rows = slice(p + at.start, p + at.stop)
            _directional(h, lo, c, rows, plus_di[at], minus_di[at], adx_out[at])
        head = np.empty((3, p - 1))
        _directional(h, lo, c, slice(1, p), head[0], head[1], head[2])
        d = 1.0 - 1.0 / p
        recurrences = [
            Recurrence(math.fsum(seed), d, from_array(moves))
            for seed, moves in zip(head, (plus_di, minus_di, adx_out), strict=True)
        ]

        def store(begin: int, end: int, ys: Sequence[FloatArray]) -> None:
            # y[0] is row p - 1 (the seed); the DIs start at row p
            plus, minus, ranges = (y[1:] for y in ys) if begin == 0 else ys
            at = slice(max(begin - 1, 0), end - 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(plus, ranges, out=plus_di[at])
                np.divide(minus, ranges, out=minus_di[at])
            plus_di[at] *= 100.0
            minus_di[at] *= 100.0

        run_recurrences(len(c) - p + 1, recurrences, store)
        adx_out[:] = np.nan
        _smooth_dx(plus_di, minus_di, adx_out, p)
    return frame_out(columns, inputs, ["adx", "plus_di", "minus_di"])


def roc(close: pd.Series, period: int = 10) -> pd.Series:
    """Rate of change in percent: ``100 * (close / close.shift(period) - 1)``.

    Matches TA-Lib ``ROC``. Where the earlier close is 0 the result is NaN (TA-Lib returns 0).

    Args:
        close: the prices.
        period: look-back in rows, >= 1.

    Returns:
        Series named ``roc_<period>``; the first ``period`` values are NaN.
    """
    p = check_period("period", period)
    inputs = prepare(("close", close))
    x = inputs.valid(0)
    out = lead_nan(inputs.rows, inputs.start + p)
    if len(x) > p:
        tail = out[inputs.start + p :]
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(x[p:], x[:-p], out=tail)
        tail -= 1.0
        tail *= 100.0
        zero = x[:-p] == 0.0
        if bool(zero.any()):
            tail[zero] = np.nan
    return series_out(out, inputs, f"roc_{p}")
