"""Moving averages: SMA, EMA, WMA and MACD, with TA-Lib's warm-up and seeding."""

from __future__ import annotations

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.analysis.indicator_arrays import ema_into, macd_into
from tradeterm.analysis.indicators._validate import (
    FloatArray,
    IndicatorInputError,
    check_period,
    frame_out,
    lead_nan,
    lead_nan_columns,
    prepare,
    series_out,
)
from tradeterm.analysis.windows import map_windows, window_dot, window_sum


def sma(close: pd.Series, period: int) -> pd.Series:
    """Simple moving average: the mean of the last ``period`` values.

    Matches TA-Lib ``SMA(close, timeperiod=period)``. Each window is summed on its own (a
    pairwise sum), so the result does not drift on long series.

    Args:
        close: the values to average (any numeric Series).
        period: window length in rows, >= 1.

    Returns:
        Series named ``sma_<period>`` on ``close``'s index; the first ``period - 1`` values
        (after any leading NaNs of the input) are NaN.
    """
    p = check_period("period", period)
    inputs = prepare(("close", close))
    out = lead_nan(inputs.rows, inputs.start + p - 1)
    tail = out[inputs.start + p - 1 :]

    def store(begin: int, end: int, sums: FloatArray) -> None:
        np.divide(sums, p, out=tail[begin:end])

    map_windows(inputs.valid(0), p, lambda piece: window_sum(piece, p), store)
    return series_out(out, inputs, f"sma_{p}")


def ema(close: pd.Series, period: int) -> pd.Series:
    """Exponential moving average, seeded with the SMA of the first ``period`` values.

    Matches TA-Lib ``EMA(close, timeperiod=period)`` in its default compatibility mode: the
    first value, at row ``period - 1``, is the plain mean of the first ``period`` values; after
    that ``ema[t] = ema[t-1] + k * (close[t] - ema[t-1])`` with ``k = 2 / (period + 1)``.
    (pandas' ``ewm(span=period, adjust=False)`` differs: it starts from the first value.)

    Args:
        close: the values to average.
        period: the span, >= 1 (1 returns the input).

    Returns:
        Series named ``ema_<period>``; the first ``period - 1`` values are NaN.
    """
    p = check_period("period", period)
    inputs = prepare(("close", close))
    x = inputs.valid(0)
    first = inputs.start + p - 1
    out = lead_nan(inputs.rows, first)
    if len(x) >= p:
        ema_into(x, p, out[first:])
    return series_out(out, inputs, f"ema_{p}")


def wma(close: pd.Series, period: int) -> pd.Series:
    """Linearly weighted moving average: weights 1, 2, ..., ``period``, newest heaviest.

    ``wma[t] = sum((i + 1) * close[t - period + 1 + i]) / (period * (period + 1) / 2)``, as
    TA-Lib ``WMA(close, timeperiod=period)``. Each window is one dot product (no running
    sums), so there is no drift; the cost grows with ``period``.

    Args:
        close: the values to average.
        period: window length in rows, >= 1.

    Returns:
        Series named ``wma_<period>``; the first ``period - 1`` values are NaN.
    """
    p = check_period("period", period)
    inputs = prepare(("close", close))
    out = lead_nan(inputs.rows, inputs.start + p - 1)
    tail = out[inputs.start + p - 1 :]
    weights = tuple(float(i) for i in range(1, p + 1))
    divider = p * (p + 1) / 2.0

    def store(begin: int, end: int, sums: FloatArray) -> None:
        np.divide(sums, divider, out=tail[begin:end])

    map_windows(inputs.valid(0), p, lambda piece: window_dot(piece, weights), store)
    return series_out(out, inputs, f"wma_{p}")


def macd(close: pd.Series, fast: int = 12, slow: int = 26, signal: int = 9) -> pd.DataFrame:
    """MACD line, signal line and histogram, exactly as TA-Lib ``MACD``.

    - ``macd`` = EMA(fast) - EMA(slow). Following TA-Lib, both EMAs start at row
      ``slow - 1``: the slow one is seeded with the mean of rows ``0 .. slow-1``, the fast one
      with the mean of the ``fast`` rows ending there (``slow-fast .. slow-1``), so the line
      differs slightly from ``ema(close, fast) - ema(close, slow)`` in its first few hundred
      rows and converges to it.
    - ``signal`` = EMA(signal) of the MACD line, seeded with the mean of its first ``signal``
      values.
    - ``hist`` = ``macd - signal``.

    All three columns start at row ``(slow - 1) + (signal - 1)`` (33 for the defaults), like
    TA-Lib's three outputs.

    Args:
        close: the prices.
        fast: span of the fast EMA, >= 1.
        slow: span of the slow EMA, > ``fast``.
        signal: span of the signal EMA, >= 1.

    Returns:
        DataFrame with columns ``macd``, ``signal``, ``hist`` on ``close``'s index.

    Raises:
        IndicatorInputError: ``fast >= slow``, or a bad period or input.
    """
    f = check_period("fast", fast)
    s = check_period("slow", slow)
    g = check_period("signal", signal)
    if f >= s:
        raise IndicatorInputError(f"fast must be shorter than slow, got fast={f}, slow={s}")
    inputs = prepare(("close", close))
    x = inputs.valid(0)
    line_start = inputs.start + s - 1
    first = line_start + g - 1
    columns = lead_nan_columns(3, inputs.rows, first)
    if len(x) >= s + g - 1:
        line, signal_line, hist = columns[0][line_start:], columns[1][first:], columns[2][first:]
        macd_into(x, f, s, g, line, signal_line, hist)
    return frame_out(columns, inputs, ["macd", "signal", "hist"])
