"""The scanner's per-symbol numbers: table columns and score inputs, vectorised over a matrix."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeterm.analysis.scanner import columns as w
from tradeterm.analysis.scanner.convert import CandleMatrix, FloatArray
from tradeterm.analysis.scanner.kernels import (
    IntArray,
    column_back,
    seeded_at,
    seeded_full,
    starts,
    trailing,
    window_sum,
)

TextArray = npt.NDArray[np.str_]


@dataclass(frozen=True, slots=True)
class FeatureInfo:
    """One score input: how it is labelled, printed and defined, and when it is undefined."""

    label: str
    fmt: str  # format for str.format with the value, e.g. "{:.1f}"
    definition: str
    undefined: str  # why the value can be NaN with enough history
    history: int  # candles needed for a value


SIGMA = "σ"  # one typical one-minute move: close * sigma1
_SIGMA_HISTORY = w.VOLATILITY_RETURNS + 1

FEATURES: dict[str, FeatureInfo] = {
    "sigma1": FeatureInfo(
        "one-minute volatility",
        "{:.3%}",
        f"sample standard deviation of the last {w.VOLATILITY_RETURNS} one-minute log "
        f"returns; the unit {SIGMA} below is one such move (close * sigma1)",
        "a close at or below zero",
        _SIGMA_HISTORY,
    ),
    "rsi": FeatureInfo(
        f"RSI({w.RSI_PERIOD})",
        "{:.1f}",
        "the rsi column",
        "the price never moved",
        w.RSI_PERIOD + 1,
    ),
    "macd_hist": FeatureInfo(
        f"MACD({w.MACD_FAST},{w.MACD_SLOW},{w.MACD_SIGNAL}) histogram",
        "{:+.2f}" + SIGMA,
        "MACD line minus its signal line (TA-Lib MACD), divided by close * sigma1",
        "no price movement",
        max(w.MACD_SLOW + w.MACD_SIGNAL - 1, _SIGMA_HISTORY),
    ),
    "ema_gap": FeatureInfo(
        f"EMA{w.EMA_FAST} vs EMA{w.EMA_SLOW}",
        "{:+.2f}" + SIGMA,
        f"(EMA{w.EMA_FAST} / EMA{w.EMA_SLOW} - 1) / sigma1",
        "no price movement",
        max(w.EMA_SLOW, _SIGMA_HISTORY),
    ),
    "price_vs_ema": FeatureInfo(
        f"close vs EMA{w.EMA_SLOW}",
        "{:+.2f}" + SIGMA,
        f"(close / EMA{w.EMA_SLOW} - 1) / sigma1",
        "no price movement",
        max(w.EMA_SLOW, _SIGMA_HISTORY),
    ),
    "percent_b": FeatureInfo(
        f"Bollinger %B({w.BOLLINGER_PERIOD},{w.BOLLINGER_STD:g})",
        "{:.2f}",
        "(close - lower band) / (upper band - lower band): 0 at the lower band, 1 at the upper",
        "the window is flat",
        w.BOLLINGER_PERIOD,
    ),
    "vol_z": FeatureInfo(
        f"volume z-score({w.VOL_Z_PERIOD})",
        "{:+.2f}",
        "the vol_z column",
        "equal volumes",
        w.VOL_Z_PERIOD,
    ),
    "support_gap": FeatureInfo(
        f"distance to the {w.SUPPORT_WINDOW}-candle low",
        "{:.2f}" + SIGMA,
        f"(close - lowest low of the {w.SUPPORT_WINDOW} candles before the newest) / "
        "(close * sigma1); negative below that low",
        "no price movement",
        max(w.SUPPORT_WINDOW + 1, _SIGMA_HISTORY),
    ),
    "move": FeatureInfo(
        f"{w.MOVE_WINDOW}-minute move",
        "{:+.2f}" + SIGMA,
        f"ln(close / close {w.MOVE_WINDOW} candles back) / (sigma1 * sqrt({w.MOVE_WINDOW}))",
        "no price movement",
        max(w.MOVE_WINDOW + 1, _SIGMA_HISTORY),
    ),
    "volume_ratio": FeatureInfo(
        f"volume, last {w.VOLUME_RECENT} vs previous {w.VOLUME_BASE} candles",
        "{:.2f}x",
        f"mean volume of the newest {w.VOLUME_RECENT} candles / mean of the "
        f"{w.VOLUME_BASE} before them",
        "no volume at all",
        w.VOLUME_RECENT + w.VOLUME_BASE,
    ),
    "timeframes_up": FeatureInfo(
        "timeframes up (1m, 5m, 15m)",
        "{:.0f} of 3",
        "how many of the 1m, 5m and 15m series close above their close "
        f"{w.TIMEFRAME_BARS} bars earlier; the 5m and 15m closes are every 5th and 15th "
        "one-minute close counted back from the newest",
        "never (defined with enough history)",
        w.TIMEFRAME_BARS * max(w.TIMEFRAMES) + 1,
    ),
    "acceleration": FeatureInfo(
        "upward acceleration",
        "{:+.2f}" + SIGMA,
        f"(return of the newest {w.ACCELERATION_WINDOW} candles - the return of the "
        f"{w.ACCELERATION_WINDOW} before, counted as 0 if it fell) / "
        f"(sigma1 * sqrt({w.ACCELERATION_WINDOW}))",
        "no price movement",
        max(2 * w.ACCELERATION_WINDOW + 1, _SIGMA_HISTORY),
    ),
}


@dataclass(frozen=True, slots=True)
class Computed:
    """Everything :func:`compute` derives from a matrix (arrays of one value per symbol)."""

    columns: dict[str, FloatArray]
    trend: TextArray
    features: dict[str, FloatArray]
    chg_24h_candles: IntArray


def _ratio_change(new: FloatArray, old: FloatArray) -> FloatArray:
    """``100 * (new / old - 1)``, NaN where ``old`` is 0 or missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (new / old - 1.0) * 100.0
    change[~(old != 0.0)] = np.nan
    return change


def _ema_at(
    close: FloatArray, first: IntArray, period: int, columns: tuple[int, ...]
) -> FloatArray:
    """TA-Lib EMA(period) at ``columns``: seeded with the mean of each row's first ``period``."""
    k = 2.0 / (period + 1)
    seed = window_sum(close, first, period) / period
    return seeded_at(close, seed, first + period - 1, 1.0 - k, k, columns)


def _rsi_last(close: FloatArray, first: IntArray) -> FloatArray:
    """TA-Lib RSI(14) of the last column: Wilder sums of gains and losses from the seed on."""
    p = w.RSI_PERIOD
    length = close.shape[1]
    if length < 2:
        return np.full(close.shape[0], np.nan)
    changes = np.diff(close, axis=1)  # column j is the change into close column j + 1
    gains = np.maximum(changes, 0.0)
    losses = np.minimum(changes, 0.0)
    seed_col = first + p - 1  # in change columns: the close column first + p
    last = (length - 2,)
    d = 1.0 - 1.0 / p
    gain = seeded_at(gains, window_sum(gains, first, p), seed_col, d, 1.0, last)[:, 0]
    loss = seeded_at(losses, window_sum(losses, first, p), seed_col, d, 1.0, last)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * gain / (gain - loss)


def _macd_hist_last(close: FloatArray, first: IntArray) -> FloatArray:
    """TA-Lib MACD(12, 26, 9) histogram of the last column."""
    fast, slow, signal = w.MACD_FAST, w.MACD_SLOW, w.MACD_SIGNAL
    length = close.shape[1]
    line_col = first + slow - 1  # both EMAs start here, as in TA-Lib
    kf, ks, kg = 2.0 / (fast + 1), 2.0 / (slow + 1), 2.0 / (signal + 1)
    fast_seed = window_sum(close, first + slow - fast, fast) / fast
    slow_seed = window_sum(close, first, slow) / slow
    line = seeded_full(close, fast_seed, line_col, 1.0 - kf, kf)
    line -= seeded_full(close, slow_seed, line_col, 1.0 - ks, ks)
    signal_seed = window_sum(line, line_col, signal) / signal
    last = (length - 1,)
    signal_last = seeded_at(line, signal_seed, line_col + signal - 1, 1.0 - kg, kg, last)[:, 0]
    return line[:, -1] - signal_last


def _sigma1(close: FloatArray) -> FloatArray:
    window = trailing(close, w.VOLATILITY_RETURNS + 1)
    if window is None:
        return np.full(close.shape[0], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.log1p(np.diff(window, axis=1) / window[:, :-1])
        sigma: FloatArray = np.std(returns, axis=1, ddof=1)
    sigma[~np.isfinite(sigma)] = np.nan
    return sigma


def _percent_b(close: FloatArray) -> FloatArray:
    window = trailing(close, w.BOLLINGER_PERIOD)
    if window is None:
        return np.full(close.shape[0], np.nan)
    mean: FloatArray = window.mean(axis=1)
    half: FloatArray = np.sqrt(np.mean(np.square(window - mean[:, None]), axis=1))
    half *= w.BOLLINGER_STD
    upper, lower = mean + half, mean - half
    with np.errstate(divide="ignore", invalid="ignore"):
        percent_b: FloatArray = (close[:, -1] - lower) / (upper - lower)
    return percent_b


def _volume_z(volume: FloatArray) -> FloatArray:
    window = trailing(volume, w.VOL_Z_PERIOD)
    if window is None:
        return np.full(volume.shape[0], np.nan)
    mean: FloatArray = window.mean(axis=1)
    std: FloatArray = np.sqrt(np.mean(np.square(window - mean[:, None]), axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z: FloatArray = (volume[:, -1] - mean) / std
    z[std == 0.0] = np.nan
    return z


def _log_return(close: FloatArray, back: int, skip: int = 0) -> FloatArray:
    """``ln(close[T - skip] / close[T - skip - back])`` per row."""
    new, old = column_back(close, skip), column_back(close, skip + back)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log1p((new - old) / old)


def _per_sigma(value: FloatArray, sigma: FloatArray, root: float = 1.0) -> FloatArray:
    """``value / (sigma * root)``: 0/0 (no movement at all) is NaN; x/0 is +-inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return value / (sigma * root)


def _trend_state(gap: FloatArray, slope: FloatArray) -> TextArray:
    up = (gap > w.TREND_DEADBAND) & (slope > 0.0)
    down = (gap < -w.TREND_DEADBAND) & (slope < 0.0)
    known = np.isfinite(gap) & np.isfinite(slope)
    state = np.where(up, "up", np.where(down, "down", "flat"))
    return np.where(known, state, "")


def _mean_window(values: FloatArray, width: int, skip: int) -> FloatArray:
    window = trailing(values, width, skip)
    if window is None:
        return np.full(values.shape[0], np.nan)
    mean: FloatArray = window.mean(axis=1)
    return mean


def _day_columns(matrix: CandleMatrix) -> tuple[dict[str, FloatArray], IntArray]:
    """last, chg_1h, chg_24h and vol_24h over the whole matrix, and the 24h span in candles."""
    close, counts = matrix.close, matrix.counts
    rows, length = close.shape
    first = starts(counts, length)
    last = close[:, -1].copy()
    oldest_open = matrix.open[np.arange(rows), np.clip(first, 0, length - 1)]
    reference = np.where(counts > w.CHANGE_24H, column_back(close, w.CHANGE_24H), oldest_open)
    width = min(length, w.CHANGE_24H)
    quote = close[:, length - width :] * matrix.volume[:, length - width :]
    in_window = np.arange(length - width, length)[None, :] >= first[:, None]
    vol_24h = np.where(in_window, quote, 0.0).sum(axis=1)
    vol_24h[counts == 0] = np.nan
    columns = {
        "last": last,
        "chg_1h": _ratio_change(last, column_back(close, w.CHANGE_1H)),
        "chg_24h": _ratio_change(last, reference),
        "vol_24h": vol_24h,
    }
    return columns, np.minimum(counts, w.CHANGE_24H)


def _trend_inputs(close: FloatArray, first: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """EMA20 / EMA50 - 1, close / EMA50 - 1, and the EMA20 change over the slope window."""
    length = close.shape[1]
    at = (length - 1 - w.TREND_SLOPE, length - 1) if length > w.TREND_SLOPE else (length - 1,)
    fast = _ema_at(close, first, w.EMA_FAST, at)
    slow = _ema_at(close, first, w.EMA_SLOW, (length - 1,))[:, 0]
    fast_before = fast[:, 0] if len(at) == 2 else np.full(close.shape[0], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = fast[:, -1] / slow - 1.0
        price_gap = close[:, -1] / slow - 1.0
    return gap, price_gap, fast[:, -1] - fast_before


def _timeframes_up(close: FloatArray) -> FloatArray:
    """How many of the 1m, 5m and 15m series rose over their last ``TIMEFRAME_BARS`` bars."""
    ups = [_log_return(close, w.TIMEFRAME_BARS * tf) > 0.0 for tf in w.TIMEFRAMES]
    oldest_needed = column_back(close, w.TIMEFRAME_BARS * max(w.TIMEFRAMES))
    return np.where(np.isnan(oldest_needed), np.nan, np.sum(ups, axis=0, dtype=np.float64))


def compute(matrix: CandleMatrix) -> Computed:
    """All columns except spread and scores, the trend state and every score input.

    The 24h columns use the whole matrix; everything else uses its newest
    ``INDICATOR_HISTORY`` columns, so a value does not depend on the matrix length.
    """
    columns, span = _day_columns(matrix)
    width = min(matrix.length, w.INDICATOR_HISTORY)
    close = matrix.close[:, -width:]
    volume = matrix.volume[:, -width:]
    first = starts(np.minimum(matrix.counts, width), width)
    last = columns["last"]
    sigma = _sigma1(close)
    rsi = _rsi_last(close, first)
    vol_z = _volume_z(volume)
    columns["volatility"] = sigma * (100.0 * math.sqrt(w.MINUTES_PER_DAY))
    columns["rsi"] = rsi
    columns["vol_z"] = vol_z
    gap, price_gap, slope = _trend_inputs(close, first)
    support = trailing(matrix.low[:, -width:], w.SUPPORT_WINDOW, skip=1)
    lowest = support.min(axis=1) if support is not None else np.full(len(last), np.nan)
    recent_move = _log_return(close, w.ACCELERATION_WINDOW)
    earlier_move = _log_return(close, w.ACCELERATION_WINDOW, skip=w.ACCELERATION_WINDOW)
    with np.errstate(divide="ignore", invalid="ignore"):
        volume_ratio = _mean_window(volume, w.VOLUME_RECENT, 0) / _mean_window(
            volume, w.VOLUME_BASE, w.VOLUME_RECENT
        )
        features = {
            "sigma1": sigma,
            "rsi": rsi,
            "macd_hist": _per_sigma(_macd_hist_last(close, first), sigma * last),
            "ema_gap": _per_sigma(gap, sigma),
            "price_vs_ema": _per_sigma(price_gap, sigma),
            "percent_b": _percent_b(close),
            "vol_z": vol_z,
            "support_gap": _per_sigma((last - lowest) / last, sigma),
            "move": _per_sigma(_log_return(close, w.MOVE_WINDOW), sigma, math.sqrt(w.MOVE_WINDOW)),
            "volume_ratio": volume_ratio,
            "timeframes_up": _timeframes_up(close),
            "acceleration": _per_sigma(
                recent_move - np.maximum(earlier_move, 0.0),
                sigma,
                math.sqrt(w.ACCELERATION_WINDOW),
            ),
        }
    return Computed(columns, _trend_state(gap, slope), features, span)
