"""The array functions the chart draws with are the indicators' own arithmetic: on real
candles they give the pandas API's values bit for bit, warm-up included, and short input
gives all-NaN arrays of the same length."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.analysis.test_indicators import load
from tradeterm.analysis import indicator_arrays as ia
from tradeterm.analysis import indicators as ti


@pytest.fixture(scope="module")
def close() -> pd.Series:
    return load("btc_perp_1m")["close"].astype(float).iloc[:5000]


def same(array: np.ndarray, series: pd.Series) -> None:
    np.testing.assert_array_equal(array, series.to_numpy(dtype=np.float64))


def test_ema_rsi_bollinger_and_macd_match_the_pandas_api_exactly(close: pd.Series) -> None:
    x = close.to_numpy(dtype=np.float64)
    same(ia.ema(x, 20), ti.ema(close, 20))
    same(ia.ema(x, 50), ti.ema(close, 50))
    same(ia.rsi(x, 14), ti.rsi(close, 14))
    bands = ti.bollinger(close, 20, 2.0)
    for values, name in zip(ia.bollinger(x, 20, 2.0), bands.columns, strict=True):
        same(values, bands[name])
    frame = ti.macd(close, 12, 26, 9)
    for values, name in zip(ia.macd(x, 12, 26, 9), ("macd", "signal", "hist"), strict=True):
        same(values, frame[name])
    assert np.isnan(ia.rsi(x, 14)[:14]).all() and not np.isnan(ia.rsi(x, 14)[14:]).any()


@pytest.mark.parametrize("rows", [0, 1, 19, 33])
def test_too_short_input_gives_nan_of_the_same_length(rows: int) -> None:
    x = np.linspace(100.0, 101.0, rows)
    results = [ia.ema(x, 34), ia.rsi(x, 33), *ia.bollinger(x, 34), *ia.macd(x, 12, 26, 9)]
    for values in results:
        assert len(values) == rows and np.isnan(values).all()
