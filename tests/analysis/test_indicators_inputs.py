"""Indicator input rules: clear errors for bad input, documented results for edge cases."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradeterm.analysis import indicators as ti
from tradeterm.analysis.indicators import IndicatorInputError
from tradeterm.domain.errors import TradetermError

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "candles"
ADA = DATA / "bittrex_2018-01_freqtrade" / "ADA_BTC-5m.feather"


def frame(rows: int = 60, *, seed: int = 3, index: pd.Index | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, rows))
    if index is None:
        index = pd.date_range("2024-03-01 22:00", periods=rows, freq="5min", tz="UTC")
    return pd.DataFrame(
        {
            "open": close,
            "high": close + rng.uniform(0.1, 1.0, rows),
            "low": close - rng.uniform(0.1, 1.0, rows),
            "close": close,
            "volume": rng.uniform(1.0, 5.0, rows),
        },
        index=index,
    )


CANDLES = frame()
H, L, C, V = (CANDLES[name] for name in ("high", "low", "close", "volume"))

# name -> (call on candles, rows of warm-up with default parameters)
CALLS = {
    "sma": (lambda f: ti.sma(f["close"], 20), 19),
    "ema": (lambda f: ti.ema(f["close"], 20), 19),
    "wma": (lambda f: ti.wma(f["close"], 20), 19),
    "rsi": (lambda f: ti.rsi(f["close"]), 14),
    "macd": (lambda f: ti.macd(f["close"]), 33),
    "bollinger": (lambda f: ti.bollinger(f["close"]), 19),
    "atr": (lambda f: ti.atr(f["high"], f["low"], f["close"]), 14),
    "stochastic": (lambda f: ti.stochastic(f["high"], f["low"], f["close"]), 15),
    "adx": (lambda f: ti.adx(f["high"], f["low"], f["close"])["adx"], 27),
    "plus_di": (lambda f: ti.adx(f["high"], f["low"], f["close"])["plus_di"], 14),
    "obv": (lambda f: ti.obv(f["close"], f["volume"]), 0),
    "vwap": (lambda f: ti.vwap(f["high"], f["low"], f["close"], f["volume"]), 0),
    "donchian": (lambda f: ti.donchian(f["high"], f["low"]), 19),
    "roc": (lambda f: ti.roc(f["close"]), 10),
    "volume_zscore": (lambda f: ti.volume_zscore(f["volume"]), 19),
    "realized_volatility": (lambda f: ti.realized_volatility(f["close"]), 20),
}


def leading_nans(result: pd.Series | pd.DataFrame) -> list[int]:
    columns = result.to_frame() if isinstance(result, pd.Series) else result
    counts = []
    for name in columns.columns:
        values = columns[name].to_numpy()
        counts.append(
            int(np.argmin(np.isnan(values))) if not np.isnan(values).all() else len(values)
        )
    return counts


@pytest.mark.parametrize("name", CALLS)
def test_warmup_length_alignment_and_dtype(name: str) -> None:
    call, warmup = CALLS[name]
    result = call(CANDLES)
    assert result.index.equals(CANDLES.index)
    assert len(result) == len(CANDLES)
    assert leading_nans(result) == [warmup] * (1 if result.ndim == 1 else result.shape[1])
    values = result.to_numpy()
    assert values.dtype == np.float64
    assert not np.isnan(values[warmup:]).any()


@pytest.mark.parametrize("name", CALLS)
def test_fewer_rows_than_the_warmup_give_all_nan(name: str) -> None:
    call, warmup = CALLS[name]
    for rows in {0, 1, max(warmup, 1)}:
        short = CANDLES.iloc[:rows]
        result = call(short)
        assert len(result) == rows
        assert result.index.equals(short.index)
        if rows <= warmup:
            assert np.isnan(result.to_numpy()).all()


@pytest.mark.parametrize("name", CALLS)
def test_leading_nans_shift_the_start(name: str) -> None:
    call, _ = CALLS[name]
    padded = CANDLES.copy()
    padded.iloc[:5, :] = np.nan  # no data yet in the first five rows
    result = call(padded).to_numpy()
    trimmed = call(CANDLES.iloc[5:]).to_numpy()
    assert np.isnan(result[:5]).all()
    np.testing.assert_array_equal(result[5:], trimmed)


@pytest.mark.parametrize("name", CALLS)
def test_a_nan_after_the_start_is_an_error_naming_the_row(name: str) -> None:
    call, _ = CALLS[name]
    holed = CANDLES.copy()
    holed.iloc[37, :] = np.nan
    with pytest.raises(IndicatorInputError, match=r"NaN at position 37 \(index 2024-03-02 01:05"):
        call(holed)


def test_a_gap_in_real_candles_reindexed_to_a_grid_raises() -> None:
    if not ADA.exists():
        pytest.skip(f"shared candle data not found at {ADA}")
    pytest.importorskip("pyarrow")
    ada = pd.read_feather(ADA).set_index("date")
    # the rows themselves are consecutive candles: indicators take them as they are
    assert ti.rsi(ada["close"]).notna().sum() == len(ada) - 14
    # on a regular 5-minute grid the 40 missing candles become NaN rows: refused, with the row
    grid = ada.asfreq("5min")
    assert len(grid) == 5760
    first_gap = int(np.flatnonzero(grid["close"].isna().to_numpy())[0])
    with pytest.raises(IndicatorInputError, match=f"NaN at position {first_gap} "):
        ti.rsi(grid["close"])
    with pytest.raises(IndicatorInputError, match="drop or fill the missing candles"):
        ti.atr(grid["high"], grid["low"], grid["close"])
    filled = grid.ffill()
    assert ti.atr(filled["high"], filled["low"], filled["close"]).notna().sum() == 5760 - 14


def test_infinite_values_are_refused() -> None:
    bad = C.copy()
    bad.iloc[3] = math.inf
    with pytest.raises(IndicatorInputError, match="infinite value at position 3"):
        ti.ema(bad, 5)


@pytest.mark.parametrize("period", [0, -3, 2.0, 14.5, "14", True, None])
def test_bad_periods(period: object) -> None:
    with pytest.raises(IndicatorInputError, match="period must be"):
        ti.sma(C, period)  # type: ignore[arg-type]


def test_period_minimums_and_other_parameters() -> None:
    with pytest.raises(IndicatorInputError, match="period must be >= 2, got 1"):
        ti.bollinger(C, 1)
    with pytest.raises(IndicatorInputError, match="period must be >= 2"):
        ti.realized_volatility(C, 1)
    with pytest.raises(IndicatorInputError, match="period must be >= 2"):
        ti.volume_zscore(V, 1)
    with pytest.raises(IndicatorInputError, match="std must be a finite number > 0"):
        ti.bollinger(C, 20, 0.0)
    with pytest.raises(IndicatorInputError, match="std must be a number"):
        ti.bollinger(C, 20, "2")  # type: ignore[arg-type]
    with pytest.raises(IndicatorInputError, match="fast must be shorter than slow"):
        ti.macd(C, 26, 12)
    with pytest.raises(IndicatorInputError, match="signal must be"):
        ti.macd(C, 12, 26, 0)
    with pytest.raises(IndicatorInputError, match="k must be"):
        ti.stochastic(H, L, C, k=0)
    with pytest.raises(IndicatorInputError, match="periods_per_year must be a finite number"):
        ti.realized_volatility(C, periods_per_year=-1)
    assert ti.sma(C, np.int64(3)).notna().sum() == len(C) - 2


def test_errors_are_value_errors_in_the_project_tree() -> None:
    with pytest.raises(ValueError, match="period") as caught:
        ti.rsi(C, 0)
    assert isinstance(caught.value, TradetermError)


def test_a_dataframe_instead_of_a_column() -> None:
    with pytest.raises(
        IndicatorInputError, match=r"got DataFrame; pass one column, e.g. candles\['close'\]"
    ):
        ti.rsi(CANDLES)  # type: ignore[arg-type]
    with pytest.raises(IndicatorInputError, match="close must be a pandas Series, got ndarray"):
        ti.rsi(C.to_numpy())  # type: ignore[arg-type]


def test_decimal_and_other_dtypes_are_refused_with_the_fix() -> None:
    decimals = C.map(lambda value: Decimal(repr(value)))
    with pytest.raises(IndicatorInputError, match=r"Decimal values.*close.astype\(float\)"):
        ti.rsi(decimals)
    with pytest.raises(IndicatorInputError, match="dtype bool"):
        ti.sma(C > 100, 3)
    with pytest.raises(IndicatorInputError, match="dtype object"):
        ti.sma(C.astype(str).astype(object), 3)
    converted = ti.rsi(decimals.astype(float))
    np.testing.assert_array_equal(converted.to_numpy(), ti.rsi(C).to_numpy())


def test_integer_and_nullable_dtypes_are_converted() -> None:
    ints = (C * 100).round().astype("int64")
    np.testing.assert_array_equal(
        ti.ema(ints, 5).to_numpy(), ti.ema(ints.astype(float), 5).to_numpy()
    )
    nullable = C.astype("Float64")
    nullable.iloc[:2] = pd.NA
    expected = ti.sma(C.iloc[2:], 4).to_numpy()
    np.testing.assert_array_equal(ti.sma(nullable, 4).to_numpy()[2:], expected)


def test_inputs_of_different_length_or_index() -> None:
    with pytest.raises(IndicatorInputError, match="low has 59 rows but high has 60"):
        ti.atr(H, L.iloc[:-1], C)
    shifted = L.copy()
    shifted.index = shifted.index + pd.Timedelta("5min")
    with pytest.raises(IndicatorInputError, match="low and high have different indexes"):
        ti.atr(H, shifted, C)
    with pytest.raises(IndicatorInputError, match="volume and close have different indexes"):
        ti.obv(C, V.reset_index(drop=True))


def test_high_below_low_usually_means_swapped_arguments() -> None:
    with pytest.raises(
        IndicatorInputError, match=r"high is below low at position 0.*argument order"
    ):
        ti.atr(L, H, C)


def test_timestamps_must_strictly_increase() -> None:
    shuffled = CANDLES.iloc[[0, 1, 3, 2, 4, 5]]
    with pytest.raises(IndicatorInputError, match=r"strictly increasing; row 3 \(.*sort_index"):
        ti.sma(shuffled["close"], 2)
    doubled = CANDLES.iloc[[0, 1, 1, 2]]
    with pytest.raises(IndicatorInputError, match="row 2"):
        ti.ema(doubled["close"], 2)
    unordered_ints = CANDLES.reset_index(drop=True).iloc[::-1]
    assert ti.sma(unordered_ints["close"], 2).notna().sum() == len(CANDLES) - 1


def test_negative_volume_and_non_positive_prices() -> None:
    negative = V.copy()
    negative.iloc[7] = -1.0
    with pytest.raises(IndicatorInputError, match="volume is negative at position 7"):
        ti.obv(C, negative)
    with pytest.raises(IndicatorInputError, match="volume is negative"):
        ti.vwap(H, L, C, negative)
    zero = C.copy()
    zero.iloc[9] = 0.0
    with pytest.raises(IndicatorInputError, match=r"close must be > 0 \(log returns\), got 0.0"):
        ti.realized_volatility(zero)


def test_from_candles_names_missing_columns() -> None:
    renamed = CANDLES.rename(columns={"close": "Close", "volume": "vol"})
    with pytest.raises(IndicatorInputError, match=r"lack the column\(s\) \['close', 'volume'\]"):
        ti.from_candles(renamed)
    with pytest.raises(IndicatorInputError, match="must be a pandas DataFrame"):
        ti.from_candles(C)  # type: ignore[arg-type]


# Undefined values are NaN (TA-Lib would say 0); the rest stays defined.


def flat_then_moving(rows: int = 40, flat: int = 20) -> pd.Series:
    values = np.full(rows, 50.0)
    values[flat:] += np.cumsum(np.resize([1.0, -0.5, 2.0, -1.0], rows - flat))
    return pd.Series(values)


def test_rsi_is_nan_until_the_price_first_moves() -> None:
    result = ti.rsi(flat_then_moving(), 5).to_numpy()
    assert np.isnan(result[:20]).all()
    assert result[20] == 100.0  # the first change is a gain: no loss at all yet
    assert not np.isnan(result[20:]).any()


def test_stochastic_zero_range_is_nan() -> None:
    price = flat_then_moving()
    result = ti.stochastic(price + 1.0, price - 1.0, price, k=3, d=2)
    assert result["k"].iloc[3:20].eq(50.0).all()  # a range, close in the middle
    flat = pd.Series(np.full(12, 7.0))
    zero = ti.stochastic(flat, flat, flat, k=3, d=2)
    assert np.isnan(zero.to_numpy()).all()
    spike = pd.Series([7.0] * 6 + [8.0] + [7.0] * 5)
    result = ti.stochastic(spike, spike, spike, k=2, d=2)
    assert list(np.isnan(result["k"].to_numpy())) == [True] * 6 + [False, False] + [True] * 4
    assert result["k"].iloc[6] == 100.0 and result["k"].iloc[7] == 0.0


def test_bollinger_flat_window() -> None:
    result = ti.bollinger(flat_then_moving(), 5)
    flat_rows = result.iloc[4:20]
    assert (flat_rows["upper"] == 50.0).all() and (flat_rows["lower"] == 50.0).all()
    assert flat_rows["percent_b"].isna().all()
    assert (flat_rows["width"] == 0.0).all()
    assert result["percent_b"].iloc[20:].notna().all()
    zero = ti.bollinger(pd.Series([-1.0, 1.0, -1.0, 1.0]), 2)
    assert zero["width"].iloc[1:].isna().all() and zero["middle"].iloc[1] == 0.0


def test_volume_zscore_of_a_constant_window_is_nan() -> None:
    volume = pd.Series([5.0] * 6 + [8.0, 5.0])
    result = ti.volume_zscore(volume, 3).to_numpy()
    assert np.isnan(result[:6]).all()
    assert result[6] == pytest.approx(math.sqrt(2.0))  # (8 - 6) / sqrt(2)


def test_adx_starts_after_the_first_directional_move() -> None:
    price = flat_then_moving(80, 30)
    result = ti.adx(price + 1.0, price - 1.0, price, 5)
    # ranges exist from the start (TR > 0) but no directional movement before row 30
    assert (result["plus_di"].iloc[5:30] == 0.0).all()
    assert result["adx"].iloc[: 30 + 5 - 1].isna().all()
    assert result["adx"].iloc[30 + 5 - 1 :].notna().all()
    flat = pd.Series(np.full(30, 3.0))
    nothing = ti.adx(flat, flat, flat, 5)
    assert np.isnan(nothing.to_numpy()).all()


def test_roc_from_zero_is_nan() -> None:
    result = ti.roc(pd.Series([0.0, 1.0, 2.0, 4.0]), 1).to_numpy()
    assert np.isnan(result[:2]).all()
    assert list(result[2:]) == [100.0, 100.0]


def test_vwap_sessions_follow_utc_days_and_skip_empty_starts() -> None:
    berlin = pd.date_range("2024-03-01 23:30", periods=8, freq="15min", tz="Europe/Berlin")
    candles = frame(8, index=berlin)
    candles.iloc[3, candles.columns.get_loc("volume")] = 0.0  # 00:15 Berlin: no trades
    result = ti.vwap(candles["high"], candles["low"], candles["close"], candles["volume"])
    utc_days = berlin.tz_convert("UTC").date
    typical = (candles["high"] + candles["low"] + candles["close"]) / 3.0
    for row in range(8):
        same = [i for i in range(row + 1) if utc_days[i] == utc_days[row]]
        weights = candles["volume"].iloc[same]
        expected = (typical.iloc[same] * weights).sum() / weights.sum()
        assert result.iloc[row] == pytest.approx(expected, rel=1e-12)
    naive = ti.vwap(*(candles[n].tz_localize(None) for n in ("high", "low", "close", "volume")))
    assert naive.isna().sum() == 0
    empty_start = candles.copy()
    empty_start.iloc[0, empty_start.columns.get_loc("volume")] = 0.0
    started = ti.vwap(*(empty_start[n] for n in ("high", "low", "close", "volume")))
    assert np.isnan(started.iloc[0]) and started.iloc[1:].notna().all()
