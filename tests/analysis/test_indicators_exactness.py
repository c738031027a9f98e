"""No drift: indicator values on long series against exact arithmetic, and the kernels' edges."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.analysis import indicators as ti
from tradeterm.analysis.recurrence import CHUNK, Term, combined_filter, decay_filter
from tradeterm.analysis.windows import (
    cumulative_sum_inplace,
    rolling_extreme,
    window_dot,
    window_mean_var,
    window_sum,
)

ROWS = 1_000_000


@pytest.fixture(scope="module")
def walk() -> pd.Series:
    """A million closes: a seeded random walk from 50,000 in steps of about 1."""
    rng = np.random.default_rng(20240101)
    return pd.Series(50_000.0 + np.cumsum(rng.normal(0.0, 1.0, ROWS)))


def positions(period: int, count: int = 300) -> list[int]:
    picks = np.linspace(period - 1, ROWS - 1, count).astype(int)
    return sorted({*picks.tolist(), period - 1, ROWS - 1})


def exact_moments(values: np.ndarray, row: int, period: int) -> tuple[Fraction, Fraction]:
    window = [Fraction(value) for value in values[row - period + 1 : row + 1].tolist()]
    mean = sum(window, Fraction(0)) / period
    return mean, sum(((value - mean) ** 2 for value in window), Fraction(0)) / period


def test_sma_and_bollinger_sigma_do_not_drift_over_a_million_rows(walk: pd.Series) -> None:
    period = 20
    values = walk.to_numpy()
    sma = ti.sma(walk, period).to_numpy()
    bands = ti.bollinger(walk, period, 2.0)
    sigma = ((bands["upper"] - bands["middle"]) / 2.0).to_numpy()
    _, variance = window_mean_var(values, period)
    for row in positions(period):
        mean, var = exact_moments(values, row, period)
        assert abs(sma[row] - float(mean)) <= 1e-10 * abs(float(mean)), row
        exact_sigma = math.sqrt(float(var))
        # the kernel's variance itself: far inside the 1e-10 asked for
        assert abs(variance[row - period + 1] - float(var)) <= 1e-12 * float(var), row
        # sigma read back from the bands also carries the rounding of upper and middle,
        # about an ulp of 50,000 (7e-12), i.e. ~3e-12 of a sigma of ~2.5
        assert abs(sigma[row] - exact_sigma) <= 1e-10 * exact_sigma, row


def test_volume_zscore_does_not_drift_either(walk: pd.Series) -> None:
    period = 50
    volume = (walk - 49_000.0).abs() + 1.0
    values = volume.to_numpy()
    z = ti.volume_zscore(volume, period).to_numpy()
    for row in positions(period, 100):
        mean, var = exact_moments(values, row, period)
        expected = float((Fraction(values[row]) - mean) / Fraction(math.sqrt(float(var))))
        assert abs(z[row] - expected) <= 1e-10 * abs(expected) + 1e-12 * values[row], row


def test_recursive_indicators_match_talib_over_a_million_rows(walk: pd.Series) -> None:
    talib = pytest.importorskip("talib")
    close = walk.to_numpy()
    high, low = close + 0.75, close - 0.5
    for ours, theirs in (
        (ti.ema(walk, 20), talib.EMA(close, 20)),
        (ti.ema(walk, 500), talib.EMA(close, 500)),
        (ti.rsi(walk, 14), talib.RSI(close, 14)),
        (ti.atr(pd.Series(high), pd.Series(low), walk, 14), talib.ATR(high, low, close, 14)),
    ):
        np.testing.assert_allclose(ours.to_numpy(), theirs, rtol=1e-12, equal_nan=True)
    macd = ti.macd(walk)
    line, signal, _ = talib.MACD(close)
    floor = 256 * np.finfo(float).eps * close.max()  # differences at the price level
    np.testing.assert_allclose(macd["macd"], line, rtol=1e-9, atol=floor, equal_nan=True)
    np.testing.assert_allclose(macd["signal"], signal, rtol=1e-9, atol=floor, equal_nan=True)


def sequential(z: np.ndarray, d: float) -> np.ndarray:
    out = np.empty(len(z))
    acc = 0.0
    for i, value in enumerate(z.tolist()):
        acc = d * acc + value
        out[i] = acc
    return out


@pytest.mark.parametrize("d", [0.0, 0.5, 1.0 - 2.0 / 21.0, 0.999])
def test_blocked_recurrence_equals_the_loop_across_chunks(d: float) -> None:
    rng = np.random.default_rng(7)
    rows = 3 * CHUNK + 1001  # several chunks and a ragged last block
    z = rng.uniform(1.0, 2.0, rows)
    y = z.copy()
    decay_filter(y, d)
    np.testing.assert_allclose(y, sequential(z, d), rtol=1e-13)
    signed = rng.normal(0.0, 1.0, rows)
    y = signed.copy()
    decay_filter(y, d)
    scale = 1.0 / (1.0 - d)  # bound on |y| for inputs of size ~1
    np.testing.assert_allclose(y, sequential(signed, d), rtol=0, atol=1e-13 * scale * 5)


def seeded_loop(seed: float, values: np.ndarray, d: float, scale: float) -> np.ndarray:
    out = [seed]
    for value in values.tolist():
        out.append(d * out[-1] + scale * value)
    return np.array(out)


@pytest.mark.parametrize("rows", [1, 7, 63, 64, 65, 1000, 2 * CHUNK + 13])
def test_combined_filter_is_the_weighted_sum_of_the_loops(rows: int) -> None:
    rng = np.random.default_rng(rows)
    values = 50_000.0 + np.cumsum(rng.normal(0.0, 1.0, rows - 1))
    terms = [Term(50_001.0, 1.0 - 2.0 / 13, 2.0 / 13, 1.0), Term(49_999.0, 0.9, 0.1, -1.0)]
    out = np.full(rows + 2, np.nan)
    combined_filter(values, terms, out[1 : rows + 1])
    expected = sum(t.weight * seeded_loop(t.seed, values, t.d, t.scale) for t in terms)
    assert np.isnan(out[0]) and np.isnan(out[-1])  # nothing written outside its rows
    # the two loops each round at the price level; their difference keeps that error
    np.testing.assert_allclose(out[1:-1], expected, rtol=0, atol=64 * 2.0**-52 * 50_000)


def test_macd_line_converges_to_the_difference_of_plain_emas(walk: pd.Series) -> None:
    head = walk.iloc[:3000]
    line = ti.macd(head)["macd"]
    plain = ti.ema(head, 12) - ti.ema(head, 26)
    assert abs(line.iloc[40] - plain.iloc[40]) > 1e-6  # TA-Lib's late fast seed differs...
    assert abs(line.iloc[-1] - plain.iloc[-1]) < 1e-9  # ...and is forgotten


def test_adx_holds_over_rows_without_directional_movement() -> None:
    high = pd.Series([10.0, 11.0, 11.0, 12.0, 12.0, 11.5, 13.0])
    low = pd.Series([9.0, 10.0, 10.0, 11.0, 11.0, 10.0, 12.0])
    close = (high + low) / 2
    result = ti.adx(high, low, close, 1)  # no smoothing: DX of the row itself
    # rows 2 and 4 repeat the previous candle: no +DM, no -DM, DX undefined -> ADX holds
    assert result["plus_di"].iloc[2] == 0.0 and result["minus_di"].iloc[2] == 0.0
    expected = [math.nan] + [100.0] * 6
    assert list(result["adx"]) == pytest.approx(expected, nan_ok=True)
    assert result["minus_di"].iloc[5] > 0.0  # row 5 is a down move: DX 100 again


def test_cumulative_sum_restarts_without_losing_anything() -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(0.0, 1.0, 2 * CHUNK + 777) * 10.0 ** rng.integers(-3, 4, 2 * CHUNK + 777)
    running = values.copy()
    cumulative_sum_inplace(running)
    partials: list[float] = []  # Shewchuk's exact running sum, rounded once per row
    exact = np.empty(len(values))
    for row, number in enumerate(values.tolist()):
        kept, carry = [], number
        for partial in partials:
            large, small = (partial, carry) if abs(carry) < abs(partial) else (carry, partial)
            high = large + small
            low = small - (high - large)
            if low:
                kept.append(low)
            carry = high
        partials = [*kept, carry]
        exact[row] = math.fsum(partials)
    # each result is a sum of at most 1024 terms plus a compensated carry
    bound = 1100 * np.finfo(float).eps * np.cumsum(np.abs(values))
    assert (np.abs(running - exact) <= bound).all()


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    noise=st.lists(finite, min_size=0, max_size=300),
    level=st.sampled_from([0.0, 1.0, 5e4, -3e7, 1e-6]),
    scale=st.sampled_from([1.0, 1e-3, 1e-9]),
    period=st.integers(1, 80),
)
def test_window_kernels_against_exact_sums(
    noise: list[float], level: float, scale: float, period: int
) -> None:
    values = np.array(noise) * scale + level
    outputs = max(len(values) - period + 1, 0)
    sums = window_sum(values, period)
    means, variances = window_mean_var(values, period)
    weights = tuple(float(i) for i in range(1, period + 1))
    dots = window_dot(values, weights)
    highs = rolling_extreme(values, period, maximum=True)
    lows = rolling_extreme(values, period, maximum=False)
    for result in (sums, means, variances, dots, highs, lows):
        assert result.shape == (outputs,)
    eps = np.finfo(float).eps
    for t in range(outputs):
        window = values[t : t + period].tolist()
        magnitude = math.fsum(abs(v) for v in window)
        assert abs(sums[t] - math.fsum(window)) <= 8 * eps * magnitude
        assert highs[t] == max(window) and lows[t] == min(window)
        dot = math.fsum(w * v for w, v in zip(weights, window, strict=True))
        assert abs(dots[t] - dot) <= 4 * period * eps * math.fsum(
            w * abs(v) for w, v in zip(weights, window, strict=True)
        )
        exact = [Fraction(v) for v in window]
        mean = sum(exact, Fraction(0)) / period
        var = float(sum(((v - mean) ** 2 for v in exact), Fraction(0)) / period)
        assert abs(means[t] - float(mean)) <= 8 * eps * magnitude / period
        # deviations from a value inside the window: the error scales with the window's own
        # range, never with the level (the naive E[x^2] - E[x]^2 is off by ~eps * level^2)
        spread = (max(window) - min(window)) ** 2
        assert abs(variances[t] - var) <= 8 * period * eps * spread
