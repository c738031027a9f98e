"""Indicators on real recorded candles against TA-Lib and independent reference code.

Values are compared after the warm-up with a relative tolerance of 1e-9. An absolute floor is
used only where a value can sit at or near zero, and each one says why it is needed and how
big the rounding it covers can be. Warm-up NaN counts are asserted exactly.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradeterm.analysis import indicators as ti

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "candles"
EPS = np.finfo(np.float64).eps
RTOL = 1e-9

FEATHERS = {
    "eth_btc_5m": "bittrex_2018-01_freqtrade/ETH_BTC-5m.feather",
    "xlm_btc_5m": "bittrex_2018-01_freqtrade/XLM_BTC-5m.feather",  # prices ~4e-5
    "ada_btc_5m_gaps": "bittrex_2018-01_freqtrade/ADA_BTC-5m.feather",
    "xrp_eth_1m": "binance_spot_2019-10_freqtrade/XRP_ETH-1m.feather",
    "xrp_usdt_1h": "binance_usdm_2021-11_freqtrade/XRP_USDT_USDT-1h-futures.feather",
}
BTC_CSV = "nautilus_btc-perp-20211231-20220201_1m.csv"


def _path(relative: str) -> Path:
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"shared candle data not found at {path} (see shared/data/PROVENANCE.md)")
    return path


def load(name: str) -> pd.DataFrame:
    """Candles indexed by their open time (UTC)."""
    if name == "btc_perp_1m":
        frame = pd.read_csv(_path(BTC_CSV))
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("timestamp")), name="date")
        return frame.tz_localize("UTC")
    pytest.importorskip("pyarrow")
    return pd.read_feather(_path(FEATHERS[name])).set_index("date")


@pytest.fixture(scope="module", params=["btc_perp_1m", *FEATHERS])
def candles(request: pytest.FixtureRequest) -> pd.DataFrame:
    return load(request.param)


@pytest.fixture(scope="module")
def btc() -> pd.DataFrame:
    return load("btc_perp_1m")


@pytest.fixture(scope="module")
def talib() -> Any:
    """TA-Lib, the reference for the indicators it has (the other tests run without it)."""
    return pytest.importorskip("talib")


def arrays_order() -> tuple[str, ...]:
    return ("high", "low", "close", "volume")


def arrays(frame: pd.DataFrame) -> tuple[np.ndarray, ...]:
    return tuple(frame[name].to_numpy() for name in arrays_order())


def assert_close(
    ours: pd.Series,
    reference: np.ndarray,
    *,
    warmup: int,
    atol: float | np.ndarray = 0.0,
    rtol: float = RTOL,
    undefined: np.ndarray | None = None,
    sample: np.ndarray | None = None,
) -> None:
    """Exactly ``warmup`` leading NaNs, values within tolerance, NaN exactly where undefined.

    ``undefined`` marks rows (of the whole series) where the indicator is documented to be
    NaN; there the reference is ignored. Every other row after the warm-up must be a number.
    ``sample`` limits the comparison to some rows (the reference is only computed there).
    """
    values = ours.to_numpy()
    assert values.dtype == np.float64
    reference = np.asarray(reference, dtype=np.float64)
    assert values.shape == reference.shape
    assert np.isnan(values[:warmup]).all(), "warm-up rows must be NaN"
    expect_nan = np.zeros(len(values), dtype=bool) if undefined is None else undefined.copy()
    expect_nan[:warmup] = True
    got_nan = np.isnan(values)
    checked = np.ones(len(values), dtype=bool) if sample is None else sample.copy()
    checked[:warmup] = True
    mismatch = np.flatnonzero((got_nan != expect_nan) & checked)
    assert not mismatch.size, f"NaN where not expected (or missing) at rows {mismatch[:5]}"
    rows = ~expect_nan & checked
    assert not np.isnan(reference[rows]).any(), "the reference has NaN where ours has values"
    floor = atol[rows] if isinstance(atol, np.ndarray) else atol
    bound = rtol * np.abs(reference[rows]) + floor
    excess = np.abs(values[rows] - reference[rows]) - bound
    if excess.size:
        worst = int(np.argmax(excess))
        row = int(np.flatnonzero(rows)[worst])
        assert excess[worst] <= 0, f"row {row}: ours {values[row]!r} vs {reference[row]!r}"


def test_every_dataset_is_used_as_is(candles: pd.DataFrame) -> None:
    assert candles.index.is_monotonic_increasing
    assert not candles[["high", "low", "close", "volume"]].isna().any().any()


@pytest.mark.parametrize("period", [1, 2, 14, 20, 50])
def test_sma_matches_talib(candles: pd.DataFrame, period: int, talib: Any) -> None:
    _, _, close, _ = arrays(candles)
    series = candles["close"]
    result = ti.sma(series, period)
    assert result.index is series.index
    assert result.name == f"sma_{period}"
    assert_close(result, talib.SMA(close, period) if period > 1 else close, warmup=period - 1)


@pytest.mark.parametrize("period", [2, 10, 20, 200])
def test_ema_matches_talib(candles: pd.DataFrame, period: int, talib: Any) -> None:
    close = candles["close"].to_numpy()
    if len(close) < period:
        pytest.skip("series shorter than the period")
    assert_close(ti.ema(candles["close"], period), talib.EMA(close, period), warmup=period - 1)


@pytest.mark.parametrize("period", [2, 9, 20, 70])
def test_wma_matches_talib(candles: pd.DataFrame, period: int, talib: Any) -> None:
    close = candles["close"].to_numpy()
    assert_close(ti.wma(candles["close"], period), talib.WMA(close, period), warmup=period - 1)


@pytest.mark.parametrize("period", [2, 14, 30])
def test_rsi_matches_talib(candles: pd.DataFrame, period: int, talib: Any) -> None:
    close = candles["close"].to_numpy()
    result = ti.rsi(candles["close"], period)
    assert result.name == f"rsi_{period}"
    assert_close(result, talib.RSI(close, period), warmup=period)


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (5, 35, 5), (3, 10, 1)])
def test_macd_matches_talib(
    candles: pd.DataFrame, fast: int, slow: int, signal: int, talib: Any
) -> None:
    close = candles["close"].to_numpy()
    result = ti.macd(candles["close"], fast, slow, signal)
    assert list(result.columns) == ["macd", "signal", "hist"]
    assert result.index.equals(candles.index)
    # The MACD values are differences of two EMAs at the price level and cross zero; both
    # sides round the EMAs to about one ulp of the price, amplified at most ~1/k (< 20 here)
    # by the recurrence, so near zero the floor is 256 ulps of the largest price.
    atol = 256 * EPS * float(np.abs(close).max())
    for column, reference in zip(
        result.columns, talib.MACD(close, fast, slow, signal), strict=True
    ):
        assert_close(result[column], reference, warmup=slow - 1 + signal - 1, atol=atol)


@pytest.mark.parametrize(("period", "width"), [(20, 2.0), (10, 1.5), (2, 3.0)])
def test_bollinger_bands_match_talib(
    candles: pd.DataFrame, period: int, width: float, talib: Any
) -> None:
    close = candles["close"].to_numpy()
    result = ti.bollinger(candles["close"], period, width)
    assert list(result.columns) == ["middle", "upper", "lower", "percent_b", "width"]
    upper, middle, lower = talib.BBANDS(close, period, width, width, 0)
    for column, reference in (("middle", middle), ("upper", upper), ("lower", lower)):
        assert_close(result[column], reference, warmup=period - 1)


@pytest.mark.parametrize("period", [1, 14, 30])
def test_atr_matches_talib(candles: pd.DataFrame, period: int, talib: Any) -> None:
    high, low, close, _ = arrays(candles)
    result = ti.atr(candles["high"], candles["low"], candles["close"], period)
    assert result.name == f"atr_{period}"
    assert_close(result, talib.ATR(high, low, close, period), warmup=period)


@pytest.mark.parametrize(("k", "d"), [(14, 3), (5, 1), (1, 4), (30, 10)])
def test_stochastic_matches_talib_stochf(candles: pd.DataFrame, k: int, d: int, talib: Any) -> None:
    high, low, close, _ = arrays(candles)
    result = ti.stochastic(candles["high"], candles["low"], candles["close"], k, d)
    fast_k, fast_d = talib.STOCHF(high, low, close, k, d, 0)
    # A zero range (highest high == lowest low, e.g. one flat candle when k = 1) makes %K
    # 0/0: NaN for us, 0 for TA-Lib; %D is NaN wherever its window holds such a row.
    flat = (pd.Series(high).rolling(k).max() == pd.Series(low).rolling(k).min()).to_numpy()
    flat_d = pd.Series(flat).rolling(d, min_periods=1).max().to_numpy().astype(bool)
    warmup = k - 1 + d - 1
    assert (fast_k[warmup:][flat[warmup:]] == 0.0).all()
    assert_close(result["k"], fast_k, warmup=warmup, undefined=flat)
    # TA-Lib averages %K with a running sum that it never resets; its rounding accumulates
    # (8e-14 seen where the exact %D is 0, on 45k rows). The floor covers that drift.
    assert_close(result["d"], fast_d, warmup=warmup, atol=1e-10, undefined=flat_d)


@pytest.mark.parametrize("period", [2, 14, 25])
def test_adx_and_directional_indicators_match_talib(
    candles: pd.DataFrame, period: int, talib: Any
) -> None:
    high, low, close, _ = arrays(candles)
    result = ti.adx(candles["high"], candles["low"], candles["close"], period)
    assert list(result.columns) == ["adx", "plus_di", "minus_di"]
    assert_close(result["adx"], talib.ADX(high, low, close, period), warmup=2 * period - 1)
    assert_close(result["plus_di"], talib.PLUS_DI(high, low, close, period), warmup=period)
    assert_close(result["minus_di"], talib.MINUS_DI(high, low, close, period), warmup=period)


def test_obv_matches_talib_and_the_exact_running_total(candles: pd.DataFrame, talib: Any) -> None:
    _, _, close, volume = arrays(candles)
    result = ti.obv(candles["close"], candles["volume"])
    assert result.name == "obv"
    # OBV is a running total that crosses zero. TA-Lib adds sequentially in float, so its
    # own rounding grows with the row count; 1e-12 of the volume traded so far covers it
    # (the sequential-sum bound is rows * eps = 1e-11 of it for 45k rows).
    traded = np.cumsum(volume)
    assert_close(result, talib.OBV(close, volume), warmup=0, atol=1e-12 * traded)
    running = ExactSum()
    expected = []
    for row, (price, size) in enumerate(zip(close.tolist(), volume.tolist(), strict=True)):
        if row == 0 or price > close[row - 1]:
            running.add(size)
        elif price < close[row - 1]:
            running.add(-size)
        expected.append(float(running))
    # Ours restarts its sum every 1024 rows: error within 1100 * eps of the volume so far.
    assert_close(result, np.array(expected), warmup=0, rtol=0.0, atol=1100 * EPS * traded)


@pytest.mark.parametrize("period", [1, 10, 30])
def test_roc_matches_talib(candles: pd.DataFrame, period: int, talib: Any) -> None:
    close = candles["close"].to_numpy()
    result = ti.roc(candles["close"], period)
    # Both compute (close / previous - 1) * 100; values near 0 carry ~100 eps of rounding.
    assert_close(result, talib.ROC(close, period), warmup=period, atol=1e-12)


# Indicators TA-Lib does not have: references written differently, with exact sums.


class ExactSum:
    """Running sum kept exactly as a list of non-overlapping floats (Shewchuk's partials)."""

    def __init__(self) -> None:
        self.partials: list[float] = []

    def add(self, value: float) -> None:
        kept = []
        for partial in self.partials:
            large, small = (partial, value) if abs(value) < abs(partial) else (value, partial)
            high = large + small
            low = small - (high - large)
            if low:
                kept.append(low)
            value = high
        kept.append(value)
        self.partials = kept

    def __float__(self) -> float:
        return math.fsum(self.partials)


def two_product(a: float, b: float) -> tuple[float, float]:
    """``a * b`` as an exact sum of two floats (Dekker's product with Veltkamp splitting)."""

    def split(x: float) -> tuple[float, float]:
        scaled = 134217729.0 * x  # 2**27 + 1
        high = scaled - (scaled - x)
        return high, x - high

    product = a * b
    (a_high, a_low), (b_high, b_low) = split(a), split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def sampled(rows: int, warmup: int, count: int = 1500) -> np.ndarray:
    """About ``count`` rows spread over the series after the warm-up, always with the last."""
    mask = np.zeros(rows, dtype=bool)
    mask[warmup :: max(1, (rows - warmup) // count)] = True
    mask[-1] = True
    mask[:warmup] = False
    return mask


def _window_stats(values: list[float], period: int, row: int) -> tuple[float, float]:
    """Mean and population variance of values[row - period + 1 .. row], exactly rounded."""
    window = [Fraction(value) for value in values[row - period + 1 : row + 1]]
    mean = sum(window, Fraction(0)) / period
    return float(mean), float(sum(((value - mean) ** 2 for value in window), Fraction(0)) / period)


def _fsum_stats(values: list[float], period: int, row: int) -> tuple[float, float]:
    """Mean and population variance by a corrected two-pass sum with math.fsum."""
    window = values[row - period + 1 : row + 1]
    mean = math.fsum(window) / period
    deviations = [value - mean for value in window]
    correction = math.fsum(deviations)
    variance = (math.fsum(d * d for d in deviations) - correction * correction / period) / period
    return mean + correction / period, max(variance, 0.0)


def test_bollinger_every_column_against_exact_window_sums(btc: pd.DataFrame) -> None:
    period, width = 20, 2.0
    close = btc["close"].tolist()
    result = ti.bollinger(btc["close"], period, width)
    expected = {name: [math.nan] * (period - 1) for name in result.columns}
    for row in range(period - 1, len(close)):
        mean, variance = _fsum_stats(close, period, row)
        sigma = math.sqrt(variance)
        upper, lower = mean + width * sigma, mean - width * sigma
        expected["middle"].append(mean)
        expected["upper"].append(upper)
        expected["lower"].append(lower)
        expected["percent_b"].append(
            (close[row] - lower) / (upper - lower) if upper > lower else math.nan
        )
        expected["width"].append((upper - lower) / mean)
    for column in ("middle", "upper", "lower", "width"):
        assert_close(result[column], np.array(expected[column]), warmup=period - 1)
    # %B is (close - lower) / band width: near 0 it inherits the absolute rounding of lower
    # (an ulp or two of the price) divided by the band width.
    band = result["upper"] - result["lower"]
    floor = (16 * EPS * btc["close"] / band).fillna(0.0).to_numpy()
    reference = np.array(expected["percent_b"])
    flat = np.isnan(reference)
    flat[: period - 1] = False
    assert_close(result["percent_b"], reference, warmup=period - 1, atol=floor, undefined=flat)


def test_bollinger_sigma_is_exact_on_a_quiet_low_priced_pair() -> None:
    frame = load("xlm_btc_5m")
    close = frame["close"].tolist()
    result = ti.bollinger(frame["close"], 20, 1.0)
    sigma = (result["upper"] - result["middle"]).to_numpy()
    for row in range(19, len(close), 7):
        _, variance = _window_stats(close, 20, row)
        # upper - middle loses the low bits of middle: half an ulp of the price at most
        tolerance = RTOL * math.sqrt(variance) + EPS * close[row]
        assert abs(sigma[row] - math.sqrt(variance)) <= tolerance, row


@pytest.mark.parametrize("period", [1, 5, 20, 55])
def test_donchian_against_plain_loops(candles: pd.DataFrame, period: int) -> None:
    high, low = candles["high"].tolist(), candles["low"].tolist()
    result = ti.donchian(candles["high"], candles["low"], period)
    assert list(result.columns) == ["upper", "lower", "middle"]
    sample = sampled(len(high), period - 1)
    upper, lower, middle = (np.full(len(high), np.nan) for _ in range(3))
    for row in np.flatnonzero(sample).tolist():
        upper[row] = max(high[row - period + 1 : row + 1])
        lower[row] = min(low[row - period + 1 : row + 1])
        middle[row] = (upper[row] + lower[row]) / 2
    for column, expected in (("upper", upper), ("lower", lower), ("middle", middle)):
        assert_close(result[column], expected, warmup=period - 1, rtol=0.0, sample=sample)


def test_vwap_restarts_each_utc_day(candles: pd.DataFrame) -> None:
    high, low, close, volume = (
        candles[name].tolist() for name in ("high", "low", "close", "volume")
    )
    result = ti.vwap(candles["high"], candles["low"], candles["close"], candles["volume"])
    days = candles.index.tz_convert("UTC").date
    expected = []
    for row in range(len(close)):
        if row == 0 or days[row] != days[row - 1]:
            price_volume, traded = ExactSum(), ExactSum()
        typical = (high[row] + low[row] + close[row]) / 3.0
        for part in two_product(typical, volume[row]):
            price_volume.add(part)
        traded.add(volume[row])
        expected.append(float(price_volume) / float(traded))
    assert result.name == "vwap"
    assert_close(result, np.array(expected), warmup=0)


def test_vwap_without_timestamps_runs_over_the_whole_series(btc: pd.DataFrame) -> None:
    plain = btc.reset_index(drop=True)
    result = ti.vwap(plain["high"], plain["low"], plain["close"], plain["volume"])
    typical = (plain["high"] + plain["low"] + plain["close"]) / 3.0
    price_volume, traded = ExactSum(), ExactSum()
    expected = []
    for tp, size in zip(typical.tolist(), plain["volume"].tolist(), strict=True):
        for part in two_product(tp, size):
            price_volume.add(part)
        traded.add(size)
        expected.append(float(price_volume) / float(traded))
    assert_close(result, np.array(expected), warmup=0)


@pytest.mark.parametrize("period", [2, 20, 96])
def test_volume_zscore_against_fsum_windows(candles: pd.DataFrame, period: int) -> None:
    volume = candles["volume"].tolist()
    result = ti.volume_zscore(candles["volume"], period)
    assert result.name == f"volume_zscore_{period}"
    sample = sampled(len(volume), period - 1)
    expected = np.full(len(volume), np.nan)
    floor = np.zeros(len(volume))
    undefined = np.zeros(len(volume), dtype=bool)
    for row in np.flatnonzero(sample).tolist():
        mean, variance = _fsum_stats(volume, period, row)
        if len(set(volume[row - period + 1 : row + 1])) == 1:
            undefined[row] = True  # a constant window: z is 0/0
            continue
        sigma = math.sqrt(variance)
        expected[row] = (volume[row] - mean) / sigma
        # near z = 0 the numerator is a difference of two volumes: an ulp or two of them
        floor[row] = 8 * EPS * max(volume[row], abs(mean)) / sigma
    assert_close(
        result, expected, warmup=period - 1, atol=floor, undefined=undefined, sample=sample
    )


@pytest.mark.parametrize("period", [2, 20, 60])
def test_realized_volatility_against_plain_log_returns(candles: pd.DataFrame, period: int) -> None:
    close = candles["close"].tolist()
    result = ti.realized_volatility(candles["close"], period)
    returns = [math.nan] + [math.log(close[i] / close[i - 1]) for i in range(1, len(close))]
    sample = sampled(len(close), period)
    expected = np.full(len(close), np.nan)
    for row in np.flatnonzero(sample).tolist():
        window = returns[row - period + 1 : row + 1]
        mean = math.fsum(window) / period
        expected[row] = math.sqrt(math.fsum((r - mean) ** 2 for r in window) / (period - 1))
    assert result.name == f"realized_volatility_{period}"
    # log(a / b) rounds the ratio first: an absolute error of ~eps per return, i.e. a
    # relative error of eps / |r| in each return and up to ~1e-11 in sigma for 1e-5 moves.
    assert_close(result, expected, warmup=period, atol=4 * EPS, sample=sample)
    yearly = ti.realized_volatility(candles["close"], period, periods_per_year=525_600)
    np.testing.assert_allclose(yearly, result * math.sqrt(525_600), rtol=1e-15)


def test_from_candles_collects_every_indicator(btc: pd.DataFrame) -> None:
    table = ti.from_candles(btc)
    assert table.index.equals(btc.index)
    assert len(table.columns) == 26
    high, low, close = btc["high"], btc["low"], btc["close"]
    for column, alone in (
        ("rsi", ti.rsi(close)),
        ("bb_percent_b", ti.bollinger(close)["percent_b"]),
        ("stoch_d", ti.stochastic(high, low, close)["d"]),
        ("macd_signal", ti.macd(close)["signal"]),
        ("vwap", ti.vwap(high, low, close, btc["volume"])),
    ):
        np.testing.assert_array_equal(table[column].to_numpy(), alone.to_numpy())
