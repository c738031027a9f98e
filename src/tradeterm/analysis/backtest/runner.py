"""One vectorised backtest: candles, a strategy and its parameters in, a report out."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel

from tradeterm.analysis.backtest.report import Report, build_report
from tradeterm.analysis.backtest.signals import strategy
from tradeterm.analysis.backtest.vector import FILLS, Fill, Simulation, simulate
from tradeterm.domain.errors import ConfigError


def check_fee(fee: float) -> float:
    """A fee rate from 0 up to (not including) 0.1, i.e. 10 %."""
    if not (math.isfinite(fee) and 0.0 <= fee < 0.1):
        raise ConfigError(f"fee {fee!r} is not allowed: give a rate from 0 to 0.1, e.g. 0.001")
    return fee


def simulate_candles(
    candles: pd.DataFrame, name: str, params: BaseModel, fee: float, fill: Fill
) -> Simulation:
    """The trades of strategy ``name`` on ``candles`` (see :mod:`.vector` for the fills)."""
    if fill not in FILLS:
        raise ConfigError(f"fill {fill!r} is not allowed: choose {' or '.join(FILLS)}")
    vectorised = strategy(name)
    if vectorised.trades is not None:
        if fill != "close":
            raise ConfigError(f"{name} fills at the close of the candle: --fill close only")
        return vectorised.trades(candles, params, fee)
    assert vectorised.signals is not None
    close = candles["close"].to_numpy(dtype=np.float64)
    signal = vectorised.signals(close, params)
    return simulate(candles["open"].to_numpy(dtype=np.float64), close, signal, fee, fill)


def run_vectorised(
    candles: pd.DataFrame,
    name: str,
    params: BaseModel,
    *,
    fee: float = 0.001,
    cash: float = 10_000.0,
    fill: Fill = "close",
) -> Report:
    """Backtest strategy ``name`` with ``params`` on ``candles`` and report it."""
    sim = simulate_candles(candles, name, params, check_fee(fee), fill)
    return build_report(
        strategy=name,
        params=params.model_dump(mode="json"),
        candles=candles,
        sim=sim,
        fill=fill,
        cash=cash,
    )
