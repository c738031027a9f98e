"""The C kernels and the numpy code give the same indicators; TRADETERM_KERNELS picks the path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradeterm.analysis import indicator_arrays as ia
from tradeterm.analysis import indicators as ti
from tradeterm.analysis import native

EPS = float(np.finfo(np.float64).eps)

needs_kernels = pytest.mark.skipif(
    not native.built(), reason="C kernels not built: python setup.py build_ext --inplace"
)

Frame = pd.DataFrame | pd.Series
Compute = Callable[[pd.DataFrame], Frame]

SUITE: dict[str, Compute] = {
    "ema(20)": lambda c: ti.ema(c["close"], 20),
    "ema(1)": lambda c: ti.ema(c["close"], 1),
    "rsi(14)": lambda c: ti.rsi(c["close"], 14),
    "rsi(1)": lambda c: ti.rsi(c["close"], 1),
    "macd(12,26,9)": lambda c: ti.macd(c["close"]),
    "macd(3,5,1)": lambda c: ti.macd(c["close"], 3, 5, 1),
    "bollinger(20,2)": lambda c: ti.bollinger(c["close"], 20, 2.0),
    "bollinger(2,1)": lambda c: ti.bollinger(c["close"], 2, 1.0),
    "bollinger(100,3)": lambda c: ti.bollinger(c["close"], 100, 3.0),
    "atr(14)": lambda c: ti.atr(c["high"], c["low"], c["close"], 14),
    "atr(1)": lambda c: ti.atr(c["high"], c["low"], c["close"], 1),
}


def candles(rows: int, *, seed: int = 7, lead_nan: int = 0, flat: int = 0) -> pd.DataFrame:
    """A random walk around 50,000 (``flat`` unchanged closes first, ``lead_nan`` NaN rows)."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 1e-3, rows)
    steps[:flat] = 0.0
    close = 50_000.0 * np.exp(np.cumsum(steps))
    spread = close * rng.uniform(0.0, 2e-3, (2, rows))
    frame = pd.DataFrame({"high": close + spread[0], "low": close - spread[1], "close": close})
    frame.iloc[:lead_nan] = np.nan
    return frame


def on_both_paths(
    monkeypatch: pytest.MonkeyPatch, compute: Callable[[], Frame]
) -> tuple[Frame, Frame]:
    """``compute()`` with the C kernels, then with ``TRADETERM_KERNELS=numpy``."""
    monkeypatch.delenv(native.SWITCH, raising=False)
    assert native.kernels() is not None
    with_c = compute()
    monkeypatch.setenv(native.SWITCH, "numpy")
    assert native.kernels() is None
    with_numpy = compute()
    return with_c, with_numpy


def assert_same(with_c: Frame, with_numpy: Frame) -> None:
    """Same shape, index and NaN rows; values equal to rounding (far inside 1e-9)."""
    c_frame, numpy_frame = pd.DataFrame(with_c), pd.DataFrame(with_numpy)
    assert list(c_frame.columns) == list(numpy_frame.columns)
    assert c_frame.index.equals(numpy_frame.index)
    for column in c_frame.columns:
        ours, theirs = c_frame[column].to_numpy(), numpy_frame[column].to_numpy()
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=str(column))
        # 1e-12 of the value, or a few ulps of the price level for differences of prices
        floor: float | np.ndarray = 1e-10
        if column == "percent_b":  # (close - lower) / band: an ulp of the price over the band
            band = (numpy_frame["upper"] - numpy_frame["lower"]).to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                floor = np.nan_to_num(16 * EPS * numpy_frame["middle"].abs().to_numpy() / band)
        bound = 1e-12 * np.abs(theirs) + floor
        with np.errstate(invalid="ignore"):
            excess = np.abs(ours - theirs) - bound
        excess[np.isnan(theirs)] = 0.0
        worst = int(np.argmax(excess)) if len(excess) else 0
        assert not len(excess) or excess[worst] <= 0, (
            f"{column} row {worst}: {ours[worst]!r} (C) vs {theirs[worst]!r} (numpy)"
        )


def test_the_switch_turns_the_kernels_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.SWITCH, "numpy")
    assert native.kernels() is None
    monkeypatch.setenv(native.SWITCH, "c")
    assert (native.kernels() is not None) == native.built()


@needs_kernels
@pytest.mark.parametrize("name", list(SUITE))
def test_every_indicator_is_the_same_on_both_paths(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # longer than two numpy chunks (2 ** 15 rows), with leading NaNs and a flat start: the
    # RSI and %B are NaN there on both paths
    frame = candles(70_001, lead_nan=5, flat=40)
    assert_same(*on_both_paths(monkeypatch, lambda: SUITE[name](frame)))


@needs_kernels
@pytest.mark.parametrize("rows", [0, 1, 2, 5, 14, 15, 20, 26, 33, 34, 35, 99, 100, 101])
def test_short_series_are_the_same_on_both_paths(
    monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    frame = candles(rows, seed=rows)
    for compute in SUITE.values():
        assert_same(*on_both_paths(monkeypatch, lambda compute=compute: compute(frame)))


@needs_kernels
def test_strided_columns_are_read_correctly(monkeypatch: pytest.MonkeyPatch) -> None:
    wide = candles(4_000).to_numpy()[::2]  # every other row of a 2-D block
    names = ("high", "low", "close")
    strided = {name: pd.Series(wide[:, i], copy=False) for i, name in enumerate(names)}
    assert not strided["close"].to_numpy().flags.c_contiguous
    contiguous = pd.DataFrame({name: wide[:, i].copy() for i, name in enumerate(names)})
    frame: Any = strided  # the indicators take each column as its own Series
    for compute in SUITE.values():
        with_c, with_numpy = on_both_paths(monkeypatch, lambda compute=compute: compute(frame))
        assert_same(with_c, with_numpy)
        assert_same(with_c, compute(contiguous))


@needs_kernels
def test_the_array_functions_use_the_same_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    close = candles(40_000)["close"].to_numpy()
    for compute in (
        lambda: ia.ema(close, 20),
        lambda: ia.rsi(close, 14),
        lambda: np.column_stack(ia.macd(close)),
        lambda: np.column_stack(ia.bollinger(close, 20, 2.0)),
    ):
        with_c, with_numpy = on_both_paths(monkeypatch, compute)
        assert_same(pd.DataFrame(with_c), pd.DataFrame(with_numpy))


def test_numpy_path_matches_talib(monkeypatch: pytest.MonkeyPatch) -> None:
    talib = pytest.importorskip("talib")
    monkeypatch.setenv(native.SWITCH, "numpy")
    frame = candles(100_000, seed=11)
    h, lo, c = (frame[name].to_numpy() for name in ("high", "low", "close"))
    np.testing.assert_allclose(ti.rsi(frame["close"], 14), talib.RSI(c, 14), rtol=1e-9)
    np.testing.assert_allclose(ti.ema(frame["close"], 20), talib.EMA(c, 20), rtol=1e-9)
    atr = ti.atr(frame["high"], frame["low"], frame["close"], 14)
    np.testing.assert_allclose(atr, talib.ATR(h, lo, c, 14), rtol=1e-9)
    floor = 256 * np.finfo(float).eps * c.max()  # MACD and bands: differences of prices
    for ours, theirs in zip(
        ti.macd(frame["close"]).T.to_numpy(), talib.MACD(c, 12, 26, 9), strict=True
    ):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=floor)
    bands = ti.bollinger(frame["close"], 20, 2.0)[["upper", "middle", "lower"]]
    for ours, theirs in zip(bands.T.to_numpy(), talib.BBANDS(c, 20, 2.0, 2.0, 0), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=floor)


@needs_kernels
def test_the_kernels_refuse_wrong_buffers() -> None:
    kernels = native.kernels()
    assert kernels is not None
    out = np.empty(10)
    with pytest.raises(TypeError, match="float64"):
        kernels.recurrence(np.arange(10), 0.0, 0.5, 0.5, out)  # int64
    with pytest.raises(TypeError, match="tail"):
        kernels.recurrence(np.ones(20)[::2], 0.0, 0.5, 0.5, out)  # strided
    with pytest.raises(TypeError, match="out"):
        kernels.recurrence(np.ones(10), 0.0, 0.5, 0.5, np.ones(10)[::-1].copy().tobytes())
    with pytest.raises(ValueError, match="shorter"):
        kernels.recurrence(np.ones(5), 0.0, 0.5, 0.5, out)
    with pytest.raises(ValueError, match="period"):
        kernels.atr(np.ones(5), np.ones(5), np.ones(5), 1, 0.0, out)
