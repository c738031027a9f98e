"""The scanner's row-wise kernels against a plain loop and the indicator library's EMA."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tradeterm.analysis import indicators as ti
from tradeterm.analysis.scanner.kernels import (
    decay_rows,
    seeded_at,
    seeded_full,
    starts,
    window_sum,
)


def _loop(z: np.ndarray, d: float) -> np.ndarray:
    y = np.empty_like(z)
    for r in range(z.shape[0]):
        acc = 0.0
        for t in range(z.shape[1]):
            acc = d * acc + float(z[r, t])
            y[r, t] = acc
    return y


@pytest.mark.parametrize("length", [1, 7, 8, 9, 63, 64, 65, 500, 1441])
@pytest.mark.parametrize("d", [0.5, 1.0 - 1.0 / 14, 1.0 - 2.0 / 51])
def test_decay_rows_equals_the_sequential_recurrence(length: int, d: float) -> None:
    rng = np.random.default_rng(length)
    z = rng.normal(100.0, 10.0, (5, length))
    got = decay_rows(z, d)
    want = _loop(z, d)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0.0)


def _padded(rng: np.random.Generator, counts: list[int], length: int) -> np.ndarray:
    """Rows of a random walk around 50,000, right-aligned, NaN-padded on the left."""
    values = np.full((len(counts), length), np.nan)
    for row, count in enumerate(counts):
        walk = 50_000.0 + np.cumsum(rng.normal(0.0, 25.0, count))
        values[row, length - count :] = walk
    return values


@pytest.mark.parametrize("period", [1, 2, 20, 50])
def test_seeded_recurrences_give_talib_seeded_emas(period: int) -> None:
    rng = np.random.default_rng(period)
    length = 300
    counts = [300, 299, 250, 120, period + 1, period, max(period - 1, 0), 1, 0]
    x = _padded(rng, counts, length)
    first = starts(np.asarray(counts, dtype=np.int64), length)
    k = 2.0 / (period + 1)
    seed = window_sum(x, first, period) / period
    full = seeded_full(x, seed, first + period - 1, 1.0 - k, k)
    columns = (length - 11, length - 1)
    at = seeded_at(x, seed, first + period - 1, 1.0 - k, k, columns)
    for row, count in enumerate(counts):
        want = np.full(length, np.nan)
        if count:
            want[length - count :] = ti.ema(pd.Series(x[row, length - count :]), period)
        np.testing.assert_allclose(full[row], want, rtol=1e-12, atol=0.0, equal_nan=True)
        np.testing.assert_allclose(
            at[row], want[list(columns)], rtol=1e-12, atol=0.0, equal_nan=True
        )


def test_a_nan_inside_one_row_stays_in_that_row() -> None:
    rng = np.random.default_rng(3)
    x = _padded(rng, [200, 200, 150], 200)
    clean = seeded_full(x, x[:, 60], np.full(3, 60), 0.9, 0.1)
    x[1, 120] = np.nan
    dirty = seeded_full(x, x[:, 60], np.full(3, 60), 0.9, 0.1)
    np.testing.assert_array_equal(dirty[[0, 2]], clean[[0, 2]])
    assert np.isnan(dirty[1, 120:]).all()
    assert not np.isnan(dirty[1, 60:120]).any()


def test_window_sum_is_nan_past_the_last_column() -> None:
    values = np.arange(12.0).reshape(2, 6)
    sums = window_sum(values, np.array([1, 4]), 3)
    assert sums[0] == 1.0 + 2.0 + 3.0
    assert math.isnan(sums[1])
