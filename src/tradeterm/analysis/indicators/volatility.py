"""Volatility and range indicators: Bollinger Bands, ATR, Donchian channels, realised volatility."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.analysis.indicator_arrays import bollinger_into
from tradeterm.analysis.indicators._validate import (
    FloatArray,
    check_high_low,
    check_period,
    check_positive,
    check_positive_values,
    frame_out,
    lead_nan,
    lead_nan_columns,
    prepare,
    series_out,
)
from tradeterm.analysis.native import kernels
from tradeterm.analysis.recurrence import CHUNK, Recurrence, from_array, run_recurrences
from tradeterm.analysis.windows import (
    WindowMoments,
    map_windows,
    rolling_extreme,
    true_range,
)


def bollinger(close: pd.Series, period: int = 20, std: float = 2.0) -> pd.DataFrame:
    """Bollinger Bands around an SMA, with %B and bandwidth.

    - ``middle`` = SMA(period); ``upper``/``lower`` = ``middle +/- std * sigma`` where
      ``sigma`` is the population standard deviation (ddof=0) of the same window: TA-Lib
      ``BBANDS(close, timeperiod=period, nbdevup=std, nbdevdn=std, matype=SMA)``.
    - ``percent_b`` = ``(close - lower) / (upper - lower)``: 0 at the lower band, 1 at the
      upper. NaN where the band has zero width (a flat window).
    - ``width`` = ``(upper - lower) / middle`` (a ratio, not percent). NaN where middle is 0.

    Sigma is computed from deviations against a value inside each window, not from running
    sums of squares, so it neither cancels against the price level nor drifts on long series
    (pandas' rolling std keeps running sums: 1.5e-6 relative off after a million rows).

    Args:
        close: the prices.
        period: window length in rows, >= 2.
        std: band distance in standard deviations, > 0.

    Returns:
        DataFrame with columns ``middle``, ``upper``, ``lower``, ``percent_b``, ``width``; the
        first ``period - 1`` rows are NaN.
    """
    p = check_period("period", period, minimum=2)
    factor = check_positive("std", std)
    inputs = prepare(("close", close))
    x = inputs.valid(0)
    first = inputs.start + p - 1
    columns = lead_nan_columns(5, inputs.rows, first)
    if len(x) >= p:
        bollinger_into(x, p, factor, [row[first:] for row in columns])
    return frame_out(columns, inputs, ["middle", "upper", "lower", "percent_b", "width"])


def atr(high: pd.Series, low: pd.Series, close: pd.Series, period: int = 14) -> pd.Series:
    """Average true range with Wilder smoothing, as TA-Lib ``ATR``.

    The true range of row ``t >= 1`` is ``max(high, prev close) - min(low, prev close)``. The
    first ATR, at row ``period``, is the mean of the true ranges of rows ``1 .. period``; then
    ``atr[t] = (atr[t-1] * (period - 1) + tr[t]) / period``.

    Args:
        high: candle highs.
        low: candle lows.
        close: candle closes.
        period: the Wilder period, >= 1.

    Returns:
        Series named ``atr_<period>``; the first ``period`` values are NaN.
    """
    p = check_period("period", period)
    inputs = prepare(("high", high), ("low", low), ("close", close))
    check_high_low(inputs)
    h, lo, c = inputs.valid(0), inputs.valid(1), inputs.valid(2)
    first = inputs.start + p
    out = lead_nan(inputs.rows, first)
    if len(c) > p:
        head = np.empty(p)
        true_range(h[1 : p + 1], lo[1 : p + 1], c[:p], head)
        ranges = out[first:]  # the true ranges after the first ATR, then smoothed in place
        native = kernels()
        if native is not None:
            contiguous = (np.ascontiguousarray(values) for values in (h, lo, c))
            native.atr(*contiguous, p, math.fsum(head) / p, ranges)
            return series_out(out, inputs, f"atr_{p}")
        for begin in range(p + 1, len(c), CHUNK):
            at = slice(begin, min(len(c), begin + CHUNK))
            true_range(
                h[at], lo[at], c[at.start - 1 : at.stop - 1], ranges[at.start - p : at.stop - p]
            )
        tail = from_array(ranges[1:], 1.0 / p)
        recurrence = Recurrence(math.fsum(head) / p, 1.0 - 1.0 / p, tail, out=ranges)
        run_recurrences(len(ranges), [recurrence])
    return series_out(out, inputs, f"atr_{p}")


def donchian(high: pd.Series, low: pd.Series, period: int = 20) -> pd.DataFrame:
    """Donchian channel: highest high, lowest low and their midpoint over ``period`` rows.

    The window includes the current row (like TA-Lib ``MAX``/``MIN``); for a breakout rule
    that compares today's close with the channel of the previous rows, use ``.shift(1)``.

    Args:
        high: candle highs.
        low: candle lows.
        period: window length in rows, >= 1.

    Returns:
        DataFrame with columns ``upper``, ``lower``, ``middle = (upper + lower) / 2``; the first
        ``period - 1`` rows are NaN.
    """
    p = check_period("period", period)
    inputs = prepare(("high", high), ("low", low))
    check_high_low(inputs)
    first = inputs.start + p - 1
    columns = lead_nan_columns(3, inputs.rows, first)
    if inputs.rows > first:
        upper, lower, middle = (row[first:] for row in columns)
        lows = inputs.valid(1)

        def store(begin: int, end: int, highest: FloatArray) -> None:
            at = slice(begin, end)
            upper[at] = highest
            lower[at] = rolling_extreme(lows[begin : end + p - 1], p, maximum=False)
            np.add(highest, lower[at], out=middle[at])
            middle[at] *= 0.5

        map_windows(
            inputs.valid(0), p, lambda piece: rolling_extreme(piece, p, maximum=True), store
        )
    return frame_out(columns, inputs, ["upper", "lower", "middle"])


def realized_volatility(
    close: pd.Series, period: int = 20, *, periods_per_year: float | None = None
) -> pd.Series:
    """Realised volatility: the sample standard deviation of log returns over ``period`` rows.

    ``r[t] = ln(close[t] / close[t-1])`` (computed as ``log1p`` of the relative change, exact
    for small moves); the result at row ``t`` is the standard deviation with ddof=1 of
    ``r[t-period+1 .. t]``. It is per candle, not annualised, unless ``periods_per_year`` is
    given, in which case it is multiplied by ``sqrt(periods_per_year)`` (e.g. ``365 * 24 * 60``
    for 1-minute crypto candles, ``252`` for daily equity bars).

    Args:
        close: the prices, all > 0.
        period: number of returns per window, >= 2.
        periods_per_year: candles per year for annualising, > 0; None for per-candle.

    Returns:
        Series named ``realized_volatility_<period>``; the first ``period`` values are NaN
        (the first return needs two closes).

    Raises:
        IndicatorInputError: a close is zero or negative, or a bad period or input.
    """
    p = check_period("period", period, minimum=2)
    scale = (
        1.0 if periods_per_year is None else check_positive("periods_per_year", periods_per_year)
    )
    inputs = prepare(("close", close))
    check_positive_values(inputs, 0, "close")
    x = inputs.valid(0)
    first = inputs.start + p
    out = lead_nan(inputs.rows, first)
    if len(x) > p:
        tail = out[first:]
        factor = p / (p - 1) * scale

        moments = WindowMoments(p)

        def variance(piece: FloatArray) -> FloatArray:
            returns = np.diff(piece)
            returns /= piece[:-1]
            np.log1p(returns, out=returns)
            return moments(returns)[1]

        def store(begin: int, end: int, var: FloatArray) -> None:
            var *= factor
            np.sqrt(var, out=tail[begin:end])

        map_windows(x, p + 1, variance, store)
    return series_out(out, inputs, f"realized_volatility_{p}")
