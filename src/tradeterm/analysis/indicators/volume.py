"""Volume indicators: on-balance volume, session VWAP and the volume z-score."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.analysis.indicators._validate import (
    FloatArray,
    check_high_low,
    check_not_negative,
    check_period,
    lead_nan,
    prepare,
    series_out,
)
from tradeterm.analysis.recurrence import CHUNK
from tradeterm.analysis.windows import (
    WindowMoments,
    cumulative_sum_inplace,
    map_windows,
)


def session_cumsums(
    columns: dict[str, FloatArray], sessions: npt.NDArray[np.int64]
) -> dict[str, FloatArray]:
    """Running totals of each column that restart whenever ``sessions`` changes value.

    ``sessions`` holds one label per row, equal labels contiguous. Each session is summed on
    its own (pandas' grouped cumulative sum, compensated), never as a difference of one long
    running total, so a late session is as exact as the first.
    """
    frame = pd.DataFrame(columns, copy=False)
    totals = frame.groupby(sessions, sort=False).cumsum()
    return {name: np.asarray(totals[name].to_numpy(dtype=np.float64)) for name in columns}


def obv(close: pd.Series, volume: pd.Series) -> pd.Series:
    """On-balance volume, as TA-Lib ``OBV``.

    The first value is the first volume; after that the volume is added when the close rises,
    subtracted when it falls and ignored when it is unchanged. The running total restarts
    every 1024 rows and carries the block totals with a compensated sum, so its rounding
    error does not grow with the length of the series.

    Args:
        close: candle closes.
        volume: candle volumes, >= 0.

    Returns:
        Series named ``obv``; no warm-up (NaN only where the inputs have leading NaNs).
    """
    inputs = prepare(("close", close), ("volume", volume))
    check_not_negative(inputs, 1, "volume")
    c, v = inputs.valid(0), inputs.valid(1)
    out = lead_nan(inputs.rows, inputs.start)
    if len(c):
        signed = out[inputs.start :]
        signed[0] = v[0]
        for begin in range(1, len(c), CHUNK):
            end = min(len(c), begin + CHUNK)
            target = signed[begin:end]
            np.subtract(c[begin:end], c[begin - 1 : end - 1], out=target)
            np.sign(target, out=target)
            target *= v[begin:end]
        cumulative_sum_inplace(signed)
    return series_out(out, inputs, "obv")


def _utc_days(index: pd.DatetimeIndex) -> npt.NDArray[np.int64]:
    """The UTC calendar day of every row, as days since 1970 (a naive index is taken as UTC)."""
    utc = index.tz_convert(None) if index.tz is not None else index
    return np.asarray(utc.to_numpy()).astype("datetime64[D]").astype(np.int64)


def vwap(high: pd.Series, low: pd.Series, close: pd.Series, volume: pd.Series) -> pd.Series:
    """Volume-weighted average price of the session so far, from the typical price.

    ``vwap = sum(tp * volume) / sum(volume)`` with ``tp = (high + low + close) / 3``, summed
    from the start of the session to the current row (included).

    Sessions: with a DatetimeIndex (candle open times), a session is a UTC calendar day and
    the sums restart at the first candle of each day; a naive index is taken as UTC, an aware
    one is converted. With any other index the sums run over the whole series (anchor the
    start yourself by slicing, or pass ``series.reset_index(drop=True)`` to get a cumulative
    VWAP for timestamped data). Rows where the session has had no volume yet are NaN.

    Args:
        high: candle highs.
        low: candle lows.
        close: candle closes.
        volume: candle volumes, >= 0.

    Returns:
        Series named ``vwap``; no warm-up.
    """
    inputs = prepare(("high", high), ("low", low), ("close", close), ("volume", volume))
    check_high_low(inputs)
    check_not_negative(inputs, 3, "volume")
    h, lo, c, v = (inputs.valid(i) for i in range(4))
    out = lead_nan(inputs.rows, inputs.start)
    if len(c):
        weighted = out[inputs.start :]
        for begin in range(0, len(c), CHUNK):
            at = slice(begin, begin + CHUNK)
            target = weighted[at]
            np.add(h[at], lo[at], out=target)
            target += c[at]
            target /= 3.0
            target *= v[at]
        index = inputs.index[inputs.start :]
        if isinstance(index, pd.DatetimeIndex):
            sums = session_cumsums({"pv": weighted, "v": v}, _utc_days(index))
            price_volume, volumes = sums["pv"], sums["v"]
        else:
            price_volume, volumes = weighted, np.array(v, dtype=np.float64, copy=True)
            cumulative_sum_inplace(price_volume)
            cumulative_sum_inplace(volumes)
        with np.errstate(invalid="ignore"):
            np.divide(price_volume, volumes, out=weighted)
    return series_out(out, inputs, "vwap")


def volume_zscore(volume: pd.Series, period: int = 20) -> pd.Series:
    """How unusual each volume is: ``(volume - mean) / std`` over the last ``period`` rows.

    The window includes the current row; ``std`` is the population standard deviation
    (ddof=0), as in ``(v - v.rolling(period).mean()) / v.rolling(period).std(ddof=0)``, but
    computed without running sums (no drift). NaN where the window is constant (std = 0).

    Args:
        volume: candle volumes (any numeric Series).
        period: window length in rows, >= 2.

    Returns:
        Series named ``volume_zscore_<period>``; the first ``period - 1`` values are NaN.
    """
    p = check_period("period", period, minimum=2)
    inputs = prepare(("volume", volume))
    v = inputs.valid(0)
    first = inputs.start + p - 1
    out = lead_nan(inputs.rows, first)
    tail = out[first:]
    latest = v[p - 1 :]

    def store(begin: int, end: int, moments: tuple[FloatArray, FloatArray]) -> None:
        mean, var = moments
        target = tail[begin:end]
        np.subtract(latest[begin:end], mean, out=target)
        np.sqrt(var, out=var)
        with np.errstate(divide="ignore", invalid="ignore"):
            target /= var
        target[var == 0.0] = np.nan

    map_windows(v, p, WindowMoments(p), store)
    return series_out(out, inputs, f"volume_zscore_{p}")
