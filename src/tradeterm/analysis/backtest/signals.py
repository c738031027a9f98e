"""Strategies that declare their signals as array functions of closed candles.

Each entry of :data:`VECTORISED` names a parameter model (pydantic, with ranges) and a signal
function: closes in, one int8 per candle out (+1 enter long, -1 exit, 0 nothing), computed only
from that candle and earlier ones. :mod:`.vector` turns the signals into trades. The score
strategies (``trend``, ``mean_reversion``, ``momentum``) exit on a stop-loss and take-profit
from their entry price, so they make their trades in one pass of their own (:mod:`.scored`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tradeterm.analysis.backtest.scored import MeanReversionParams, ScoreParams, simulate_scored
from tradeterm.analysis.backtest.vector import Simulation
from tradeterm.analysis.windows import map_windows, window_sum
from tradeterm.domain.errors import ConfigError

FloatArray = npt.NDArray[np.float64]
Signal = npt.NDArray[np.int8]


class SmaCrossParams(BaseModel):
    """Parameters of ``sma_cross``: long while the fast SMA is above the slow one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fast: int = Field(10, ge=1, le=100_000)
    """Candles in the fast simple moving average."""
    slow: int = Field(30, ge=2, le=100_000)
    """Candles in the slow simple moving average; more than ``fast``."""

    @model_validator(mode="after")
    def _fast_below_slow(self) -> SmaCrossParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be less than slow ({self.slow})")
        return self


def sma(close: FloatArray, period: int) -> FloatArray:
    """Simple moving average (TA-Lib's SMA; the first ``period - 1`` values NaN), each window
    summed on its own like ``tradeterm.analysis.indicators.sma``, so it does not drift."""
    out = np.full(len(close), np.nan)
    tail = out[period - 1 :]

    def store(begin: int, end: int, sums: FloatArray) -> None:
        np.divide(sums, period, out=tail[begin:end])

    map_windows(close, period, lambda piece: window_sum(piece, period), store)
    return out


def crossings(fast: FloatArray, slow: FloatArray) -> Signal:
    """+1 where ``fast`` crosses above ``slow`` (above now, at or below on the candle before),
    -1 where it crosses below (below now, at or above before), else 0; NaN never crosses."""
    signal = np.zeros(len(fast), dtype=np.int8)
    above, below = fast > slow, fast < slow
    at_or_below, at_or_above = fast <= slow, fast >= slow
    signal[1:][above[1:] & at_or_below[:-1]] = 1
    signal[1:][below[1:] & at_or_above[:-1]] = -1
    return signal


def sma_cross(close: FloatArray, params: SmaCrossParams) -> Signal:
    """Buy all when the fast SMA crosses above the slow one, sell all when it crosses below."""
    return crossings(sma(close, params.fast), sma(close, params.slow))


@dataclass(frozen=True)
class Vectorised:
    """A strategy the vectorised engine can run: from signals on the closes, or (``trades``)
    from its own pass over the candles when its exits depend on its entry price."""

    params: type[BaseModel]
    signals: Callable[[FloatArray, BaseModel], Signal] | None = None
    trades: Callable[[pd.DataFrame, BaseModel, float], Simulation] | None = None


def _sma_cross(close: FloatArray, params: BaseModel) -> Signal:
    assert isinstance(params, SmaCrossParams)
    return sma_cross(close, params)


def _scored(family: str) -> Callable[[pd.DataFrame, BaseModel, float], Simulation]:
    def trades(candles: pd.DataFrame, params: BaseModel, fee: float) -> Simulation:
        assert isinstance(params, ScoreParams)
        return simulate_scored(candles, family, params, fee)

    return trades


VECTORISED: dict[str, Vectorised] = {
    "sma_cross": Vectorised(SmaCrossParams, _sma_cross),
    "trend": Vectorised(ScoreParams, trades=_scored("trend")),
    "momentum": Vectorised(ScoreParams, trades=_scored("momentum")),
    "mean_reversion": Vectorised(MeanReversionParams, trades=_scored("meanrev")),
}


def strategy(name: str) -> Vectorised:
    """The vectorised strategy called ``name``; a ConfigError lists the known ones."""
    try:
        return VECTORISED[name]
    except KeyError:
        known = ", ".join(sorted(VECTORISED))
        raise ConfigError(f"unknown strategy {name!r}: the vectorised ones are {known}") from None


def parse_params(name: str, given: Mapping[str, str]) -> BaseModel:
    """``--param k=v`` values checked against the strategy's model; a ConfigError says which
    parameter was wrong and what is allowed."""
    model = strategy(name).params
    unknown = sorted(set(given) - set(model.model_fields))
    if unknown:
        allowed = ", ".join(model.model_fields)
        raise ConfigError(
            f"{name} has no parameter {', '.join(unknown)}; its parameters are {allowed}"
        )
    try:
        return model.model_validate(dict(given))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            value = f"={given[where]}" if where in given else ""
            label = f"--param {where}{value}: " if where else ""
            problems.append(label + str(error["msg"]).removeprefix("Value error, "))
        raise ConfigError(f"{name}: " + "; ".join(problems)) from None
