"""The optional Gaussian mixture regime model (``regime_model = "gmm"``; needs scikit-learn).

Over the same inputs as the rules (``analysis.regime``): the ADX signed by the direction of
its DIs (+ when +DI > -DI), the ATR percentile and the realised volatility ratio. For a
matrix of candles it takes those three features at each row's newest candle and at
``HISTORY_POINTS`` earlier candles (every ``HISTORY_STEP``), scales them (z-scores), fits a
``GaussianMixture`` of four components (full covariances, ``random_state=0``: the same
candles always give the same labels) on every defined point of every row, and labels each
row's newest point with its component. The components get the four names by their means:

- **volatile**: the highest mean of scaled ATR percentile plus scaled volatility ratio;
- of the other three, **trending_up** has the highest mean signed ADX, **trending_down**
  the lowest, and **ranging** the one between.

The names are relative to the candles the mixture saw (four components always get the four
names). With fewer than ``MIN_POINTS`` defined points it labels by the rules. Without
scikit-learn ``use_model("gmm")`` keeps the rules and says so.
"""

from __future__ import annotations

import importlib.util
import logging

import numpy as np

from tradeterm.analysis.regime import (
    REGIME_HISTORY,
    TextArray,
    label,
    regime_inputs,
    set_model,
)
from tradeterm.analysis.regime_names import REGIMES
from tradeterm.analysis.scanner.convert import CandleMatrix, FloatArray

log = logging.getLogger("tradeterm.analysis.regime")

COMPONENTS = 4
HISTORY_POINTS = 40  # earlier candles whose features the mixture also fits
HISTORY_STEP = 5  # ... one every this many candles
MIN_POINTS = 40  # fewer defined points than this: the rules label
RANDOM_STATE = 0


def gmm_available() -> bool:
    """Whether scikit-learn can be imported (checked without importing it)."""
    return importlib.util.find_spec("sklearn") is not None


def use_model(name: str) -> str:
    """Make ``classify`` use ``"rules"`` or ``"gmm"``; returns a message when ``gmm`` was
    asked for but scikit-learn is missing (the rules stay), else ``""``."""
    if name == "gmm":
        if not gmm_available():
            set_model(None)
            return (
                'regime_model = "gmm" needs scikit-learn (pip install scikit-learn); '
                "regimes use the rules"
            )
        set_model(classify_gmm)
        return ""
    set_model(None)
    return ""


def _earlier(matrix: CandleMatrix, back: int) -> CandleMatrix:
    """``matrix`` as it was ``back`` candles ago (its newest ``back`` columns dropped)."""
    end = matrix.length - back
    return CandleMatrix(
        symbols=matrix.symbols,
        open=matrix.open[:, :end],
        high=matrix.high[:, :end],
        low=matrix.low[:, :end],
        close=matrix.close[:, :end],
        volume=matrix.volume[:, :end],
        counts=np.maximum(matrix.counts - back, 0),
        last_ts_ms=matrix.last_ts_ms - back * 60_000,
    )


def _features(matrix: CandleMatrix) -> FloatArray:
    """Rows of (signed ADX, ATR percentile, volatility ratio); NaN where undefined."""
    inputs = regime_inputs(matrix)
    sign = np.sign(inputs.plus_di - inputs.minus_di)
    columns = (inputs.adx * sign, inputs.atr_percentile, inputs.rv_ratio)
    points: FloatArray = np.column_stack(columns)
    points[matrix.counts < REGIME_HISTORY] = np.nan
    return points


def component_names(means: FloatArray) -> list[str]:
    """The regime name of each component from its mean (scaled features), as documented."""
    volatility = means[:, 1] + means[:, 2]
    volatile = int(np.argmax(volatility))
    others = sorted((i for i in range(len(means)) if i != volatile), key=lambda i: means[i, 0])
    names = [""] * len(means)
    names[volatile] = "volatile"
    names[others[-1]] = "trending_up"
    names[others[0]] = "trending_down"
    for i in others[1:-1]:
        names[i] = "ranging"
    return names


def classify_gmm(matrix: CandleMatrix) -> TextArray:
    """The regime of every row at its newest candle by the mixture (``""``: not known)."""
    from sklearn.mixture import GaussianMixture

    rules = label(regime_inputs(matrix), matrix.counts)
    newest = _features(matrix)
    history = [newest]
    for k in range(1, HISTORY_POINTS + 1):
        back = k * HISTORY_STEP
        if matrix.length - back < REGIME_HISTORY:
            break
        history.append(_features(_earlier(matrix, back)))
    points = np.vstack(history)
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) < MIN_POINTS:
        return rules
    mean, std = points.mean(axis=0), points.std(axis=0)
    std[std == 0] = 1.0
    model = GaussianMixture(COMPONENTS, covariance_type="full", random_state=RANDOM_STATE)
    model.fit((points - mean) / std)
    names = np.array(component_names(model.means_), dtype=np.str_)
    known = np.isfinite(newest).all(axis=1)
    result: TextArray = np.full(len(matrix.symbols), "", dtype=f"<U{max(map(len, REGIMES))}")
    if known.any():
        result[known] = names[model.predict((newest[known] - mean) / std)]
    return result
