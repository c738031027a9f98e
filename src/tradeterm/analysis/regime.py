"""The market regime classifier: trending up, trending down, ranging or volatile, per symbol.

It reads the scanner's candle matrix (one-minute candles, one row per symbol) and decides,
for the newest candle of every row at once, with numpy and no loop over symbols:

1. **volatile** when the market moves much more than it did lately: the ATR (as a percent
   of the close) is at or above the ``ATR_VOLATILE_PERCENTILE`` percentile of its own last
   ``ATR_RANK_WINDOW`` values, *and* the realised volatility of the last ``RV_SHORT``
   one-minute log returns is at least ``RV_VOLATILE_RATIO`` times that of the last
   ``RV_LONG``;
2. otherwise **trending_up** when ADX is at or above ``ADX_TRENDING`` and +DI > -DI, and
   **trending_down** when ADX is at or above it and -DI > +DI;
3. otherwise **ranging**.

A row with fewer than ``REGIME_HISTORY`` candles, or whose inputs are undefined (a price
that never moved), gets ``""``. ADX, +DI, -DI and ATR are TA-Lib's (Wilder) definitions, as
``tradeterm.analysis.indicators`` computes them; a DX that is 0/0 makes the ADX undefined
here (the indicator library holds the previous value instead). The thresholds are the
module constants below and are documented in docs/regimes.md; the names are in
``analysis.regime_names``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradeterm.analysis.scanner.columns import INDICATOR_HISTORY
from tradeterm.analysis.scanner.convert import CandleMatrix, FloatArray, candles_to_matrix
from tradeterm.analysis.scanner.kernels import IntArray, seeded_at, seeded_full, starts, window_sum
from tradeterm.domain.market_data import Candle

TextArray = npt.NDArray[np.str_]

ADX_PERIOD = 14  # Wilder period of ADX, +DI and -DI
ADX_TRENDING = 25.0  # ADX at or above this is a trend (the customary Wilder threshold)
ATR_PERIOD = 14  # Wilder period of the ATR
ATR_RANK_WINDOW = 100  # the newest ATR is ranked among this many ATR values (itself included)
ATR_VOLATILE_PERCENTILE = 90.0  # percentile rank at or above which the ATR is "high"
RV_SHORT = 15  # one-minute log returns in the short realised volatility
RV_LONG = 120  # ... and in the long one
RV_VOLATILE_RATIO = 1.5  # short / long realised volatility at or above this is "high"

REGIME_HISTORY = max(2 * ADX_PERIOD, ATR_PERIOD + ATR_RANK_WINDOW, RV_LONG + 1)
"""Candles a symbol needs for a regime (121)."""


@dataclass(frozen=True, slots=True)
class RegimeInputs:
    """The classifier's inputs for the newest candle of each row (NaN: undefined)."""

    adx: FloatArray
    plus_di: FloatArray
    minus_di: FloatArray
    atr_percentile: FloatArray  # 0-100: share of the last ATR_RANK_WINDOW ATRs <= the newest
    rv_ratio: FloatArray  # realised volatility, RV_SHORT returns / RV_LONG returns


def _true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """TR of columns 1.. (column j of the result is candle j + 1)."""
    prev = close[:, :-1]
    tr: FloatArray = np.maximum(high[:, 1:], prev) - np.minimum(low[:, 1:], prev)
    return tr


def _wilder_sum(z: FloatArray, first: IntArray, p: int) -> FloatArray:
    """TA-Lib's Wilder sums: the plain sum of the first ``p - 1`` moves, then
    ``s[t] = s[t-1] - s[t-1] / p + z[t]`` (columns are moves, 0 is candle 1)."""
    seed = window_sum(z, first, p - 1)
    return seeded_full(z, seed, first + p - 2, 1.0 - 1.0 / p, 1.0)


def _adx(
    high: FloatArray, low: FloatArray, close: FloatArray, first: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    p = ADX_PERIOD
    up = high[:, 1:] - high[:, :-1]
    down = low[:, :-1] - low[:, 1:]
    plus_dm = np.where((up > down) & (up > 0.0), up, 0.0)
    minus_dm = np.where((down > up) & (down > 0.0), down, 0.0)
    ranges = _wilder_sum(_true_range(high, low, close), first, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        plus_di = 100.0 * _wilder_sum(plus_dm, first, p) / ranges
        minus_di = 100.0 * _wilder_sum(minus_dm, first, p) / ranges
        dx = 100.0 * np.abs(plus_di - minus_di) / (plus_di + minus_di)
    columns = np.arange(dx.shape[1])[None, :]
    dx[columns < (first + p - 1)[:, None]] = np.nan  # the DIs start one move after the seed
    dx_first = first + p - 1
    seed = window_sum(dx, dx_first, p) / p
    last = (dx.shape[1] - 1,)
    adx = seeded_at(np.nan_to_num(dx), seed, dx_first + p - 1, 1.0 - 1.0 / p, 1.0 / p, last)
    undefined_dx = (np.isnan(dx) & (columns >= dx_first[:, None])).any(axis=1)
    adx_last = adx[:, 0]
    adx_last[undefined_dx] = np.nan
    return adx_last, plus_di[:, -1], minus_di[:, -1]


def _atr_percentile(
    high: FloatArray, low: FloatArray, close: FloatArray, first: IntArray
) -> FloatArray:
    p = ATR_PERIOD
    tr = _true_range(high, low, close)
    atr = seeded_full(tr, window_sum(tr, first, p) / p, first + p - 1, 1.0 - 1.0 / p, 1.0 / p)
    with np.errstate(divide="ignore", invalid="ignore"):
        natr = atr / close[:, 1:]
    rows = close.shape[0]
    if natr.shape[1] < ATR_RANK_WINDOW:
        return np.full(rows, np.nan)
    window = natr[:, -ATR_RANK_WINDOW:]
    rank: FloatArray = 100.0 * np.mean(window <= window[:, -1:], axis=1)
    rank[np.isnan(window).any(axis=1)] = np.nan
    return rank


def _rv_ratio(close: FloatArray) -> FloatArray:
    rows = close.shape[0]
    if close.shape[1] < RV_LONG + 1:
        return np.full(rows, np.nan)
    window = close[:, -(RV_LONG + 1) :]
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.log(window[:, 1:] / window[:, :-1])
        short = np.std(returns[:, -RV_SHORT:], axis=1, ddof=1)
        long = np.std(returns, axis=1, ddof=1)
        ratio: FloatArray = short / long
    ratio[~np.isfinite(ratio)] = np.nan
    return ratio


def regime_inputs(matrix: CandleMatrix) -> RegimeInputs:
    """ADX, +DI, -DI, ATR percentile and the realised volatility ratio of each row's newest
    candle, over its newest ``INDICATOR_HISTORY`` candles (as the scanner's indicators)."""
    width = min(matrix.length, INDICATOR_HISTORY)
    high, low, close = (a[:, -width:] for a in (matrix.high, matrix.low, matrix.close))
    first = starts(np.minimum(matrix.counts, width), width)
    rows = len(matrix.symbols)
    if width < 2:
        nan = np.full(rows, np.nan)
        return RegimeInputs(nan, nan, nan, nan, nan)
    with np.errstate(all="ignore"):
        adx, plus_di, minus_di = _adx(high, low, close, first)
        percentile = _atr_percentile(high, low, close, first)
        ratio = _rv_ratio(close)
    return RegimeInputs(adx, plus_di, minus_di, percentile, ratio)


def label(inputs: RegimeInputs, counts: IntArray) -> TextArray:
    """The regime of each row from its inputs (``""`` when too short or undefined)."""
    volatile = (inputs.atr_percentile >= ATR_VOLATILE_PERCENTILE) & (
        inputs.rv_ratio >= RV_VOLATILE_RATIO
    )
    trending = inputs.adx >= ADX_TRENDING
    up = trending & (inputs.plus_di > inputs.minus_di)
    down = trending & (inputs.minus_di > inputs.plus_di)
    directional = np.where(up, "trending_up", np.where(down, "trending_down", "ranging"))
    state = np.where(volatile, "volatile", directional)
    known = (
        np.isfinite(inputs.adx)
        & np.isfinite(inputs.plus_di)
        & np.isfinite(inputs.minus_di)
        & np.isfinite(inputs.atr_percentile)
        & np.isfinite(inputs.rv_ratio)
        & (counts >= REGIME_HISTORY)
    )
    result: TextArray = np.where(known, state, "").astype(np.str_)
    return result


Model = Callable[[CandleMatrix], TextArray]
_MODEL: list[Model] = []  # the one model that labels instead of the rules, if any


def set_model(model: Model | None) -> None:
    """Label with ``model`` instead of the rules (None: the rules; see ``regime_gmm``)."""
    _MODEL[:] = [] if model is None else [model]


def classify(matrix: CandleMatrix) -> TextArray:
    """The regime of every row of ``matrix`` at its newest candle (``""``: not known), by
    the rules, or by the model ``regime_gmm.use_model`` chose."""
    if _MODEL:
        return _MODEL[0](matrix)
    return label(regime_inputs(matrix), matrix.counts)


def classify_candles(candles: Sequence[Candle]) -> str:
    """The regime at the newest of one symbol's one-minute candles (``""``: not known)."""
    if len(candles) < REGIME_HISTORY:
        return ""
    matrix = candles_to_matrix({"_": candles}, min(len(candles), INDICATOR_HISTORY))
    return str(classify(matrix)[0])
