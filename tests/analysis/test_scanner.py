"""Scanner columns and scores on real recorded candles, against the public indicator functions.

Real candles (the nautilus BTC-PERP 1m CSV cut into 500-row "symbols", the freqtrade feather
files, Kraken's REST OHLC) go through ``candles_to_matrix`` and ``scan``; each symbol's
values are compared with ``tradeterm.analysis.indicators`` run on that symbol's own candles,
to 1e-9 relative. An absolute floor of 1e-12 is used only for values that can sit near zero
(%B, z-scores, normalised gaps), where a relative bound means nothing.
"""

from __future__ import annotations

import csv
import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradeterm.analysis import indicators as ti
from tradeterm.analysis.scanner import (
    COLUMN_NAMES,
    RECIPES,
    CandleMatrix,
    ScannerError,
    ScanResult,
    candles_to_matrix,
    explain,
    scan,
)
from tradeterm.domain.market_data import Candle, Ticker

Universe = dict[str, list[Candle]]
Scanned = tuple[CandleMatrix, ScanResult]
Row = dict[str, float | str]

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "candles"
BTC_CSV = "nautilus_btc-perp-20211231-20220201_1m.csv"
KRAKEN = "kraken_rest_OHLC_XBTUSDT_1m_20251111_nautilus.json"
FEATHERS = {
    "ETH/BTC": "bittrex_2018-01_freqtrade/ETH_BTC-5m.feather",
    "XLM/BTC": "bittrex_2018-01_freqtrade/XLM_BTC-5m.feather",  # prices ~4e-5
    "ADA/BTC": "bittrex_2018-01_freqtrade/ADA_BTC-5m.feather",
    "XRP/ETH": "binance_spot_2019-10_freqtrade/XRP_ETH-1m.feather",
}
LENGTH = 500
RTOL = 1e-9
ATOL = 1e-12
# short histories around every threshold: MACD (34), EMA50 (50), sigma (61), momentum (65)
SHORT = (300, 100, 65, 64, 61, 60, 50, 49, 34, 33, 20, 19, 15, 14, 2, 1)


def _path(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared candle data not found at {path} (see shared/data/PROVENANCE.md)")
    return path


def _candle(ts_ms: int, *values: str) -> Candle:
    return Candle(ts_ms, *(Decimal(value) for value in values))


def btc_rows() -> list[Candle]:
    with _path(BTC_CSV).open(newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [_candle(i * 60_000, *row[1:6]) for i, row in enumerate(rows)]


def kraken_rows() -> list[Candle]:
    body = json.loads(_path(KRAKEN).read_text())
    rows = body["result"]["XBTUSDT"]
    return [_candle(int(r[0]) * 1000, r[1], r[2], r[3], r[4], r[6]) for r in rows]


def feather_rows(name: str) -> list[Candle]:
    frame = pd.read_feather(_path(name))
    columns = [frame[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close")]
    volume = frame["volume"].to_numpy(dtype=np.float64)
    return [
        _candle(i * 60_000, *(repr(float(c[i])) for c in columns), repr(float(volume[i])))
        for i in range(len(frame))
    ]


@pytest.fixture(scope="module")
def universe() -> Universe:
    """Real candles as symbols: six 500-row BTC cuts, short cuts, feathers, Kraken, empty."""
    btc = btc_rows()
    series: dict[str, list[Candle]] = {}
    for k in range(6):
        begin = 7_000 * k
        series[f"BTC{k}"] = btc[begin : begin + LENGTH]
    for k, count in enumerate(SHORT):
        begin = 43_000 + 100 * k
        series[f"BTC-short-{count}"] = btc[begin : begin + count]
    for symbol, name in FEATHERS.items():
        series[symbol] = feather_rows(name)[-700:]  # longer than the matrix: its tail is used
    series["XBT/USDT"] = kraken_rows()  # starts with flat, zero-volume minutes
    series["EMPTY"] = []
    return series


@pytest.fixture(scope="module")
def scanned(universe: Universe) -> Scanned:
    matrix = candles_to_matrix(universe, LENGTH)
    return matrix, scan(matrix)


def _floats(candles: list[Candle], field: str) -> pd.Series:
    return pd.Series([float(getattr(c, field)) for c in candles[-LENGTH:]], dtype=np.float64)


def _last(series: pd.Series | pd.DataFrame, column: str | None = None) -> float:
    values = series[column] if column is not None else series
    return float(values.iloc[-1]) if len(values) else math.nan


def _close(got: float, want: float, atol: float = 0.0) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    return abs(got - want) <= max(RTOL * abs(want), atol)


def test_columns_match_the_indicator_library(universe: Universe, scanned: Scanned) -> None:
    _, result = scanned
    checked = 0
    for symbol, candles in universe.items():
        close, volume = _floats(candles, "close"), _floats(candles, "volume")
        row = result.row(symbol)
        want = {
            "rsi": _last(ti.rsi(close, 14)),
            "vol_z": _last(ti.volume_zscore(volume, 20)),
            "volatility": 100.0 * _last(ti.realized_volatility(close, 60, periods_per_year=1440)),
            "last": _last(close),
        }
        for name, value in want.items():
            got = row[name]
            assert isinstance(got, float)
            assert _close(got, value, ATOL), (symbol, name, got, value)
            checked += not math.isnan(value)
    assert checked > 60


def test_score_inputs_match_the_indicator_library(universe: Universe, scanned: Scanned) -> None:
    _, result = scanned
    i_of = {symbol: i for i, symbol in enumerate(result.symbols)}
    compared = 0
    for symbol, candles in universe.items():
        if len(candles) < 61:
            continue  # the sigma-scaled inputs need 61 candles; checked in the NaN test
        close, volume = _floats(candles, "close"), _floats(candles, "volume")
        i = i_of[symbol]
        f = {name: float(values[i]) for name, values in result.features.items()}
        last, sigma = float(close.iloc[-1]), f["sigma1"]
        hist = _last(ti.macd(close, 12, 26, 9), "hist")
        assert _close(f["macd_hist"] * sigma * last, hist, ATOL), symbol
        ema20, ema50 = _last(ti.ema(close, 20)), _last(ti.ema(close, 50))
        assert _close(last / (1.0 + f["price_vs_ema"] * sigma), ema50), symbol
        assert _close(ema50 * (1.0 + f["ema_gap"] * sigma), ema20), symbol
        assert _close(f["percent_b"], _last(ti.bollinger(close, 20, 2.0), "percent_b"), ATOL)
        assert _close(f["vol_z"], _last(ti.volume_zscore(volume, 20)), ATOL)
        assert _close(f["rsi"], _last(ti.rsi(close, 14)))
        returns = np.log(close.to_numpy()[1:] / close.to_numpy()[:-1])[-60:]
        assert _close(sigma, float(np.std(returns, ddof=1)), ATOL), symbol
        compared += 1
    assert compared >= 14


def test_rsi_matches_talib_itself(universe: Universe, scanned: Scanned) -> None:
    talib = pytest.importorskip("talib")
    _, result = scanned
    for symbol in ("BTC0", "BTC3", "XLM/BTC", "BTC-short-100", "BTC-short-15"):
        close = _floats(universe[symbol], "close").to_numpy()
        want = float(talib.RSI(close, 14)[-1])
        assert _close(float(result.row(symbol)["rsi"]), want), symbol


def test_short_histories_are_nan_exactly_where_undefined(
    universe: Universe, scanned: Scanned
) -> None:
    _, result = scanned
    for symbol, candles in universe.items():
        n = min(len(candles), LENGTH)
        row = result.row(symbol)
        assert math.isnan(row["last"]) == (n == 0)
        assert math.isnan(float(row["rsi"])) == (n < 15), symbol
        assert math.isnan(float(row["vol_z"])) == (n < 20), symbol
        assert math.isnan(float(row["volatility"])) == (n < 61), symbol
        assert math.isnan(float(row["chg_1h"])) == (n < 61), symbol
        assert (row["trend"] == "") == (n < 50), symbol
        for recipe in RECIPES.values():
            assert math.isnan(float(row[recipe.column])) == (n < recipe.min_history), symbol
    assert [r.min_history for r in RECIPES.values()] == [61, 61, 65]


def test_scores_are_between_0_and_100(scanned: Scanned) -> None:
    _, result = scanned
    for recipe in RECIPES.values():
        scores = result.numbers[recipe.column]
        defined = scores[~np.isnan(scores)]
        assert len(defined) >= 14
        assert ((defined >= 0.0) & (defined <= 100.0)).all()
        assert sum(c.weight for c in recipe.components) == 100
        for values in result.components[recipe.family].values():
            assert ((values >= 0.0) & (values <= 1.0)).all()


def test_explanations_add_up_to_the_score(scanned: Scanned) -> None:
    _, result = scanned
    for symbol in result.symbols:
        for family, recipe in RECIPES.items():
            lines = explain(result, symbol, family)
            assert [e.name for e in lines] == [c.name for c in recipe.components]
            score = float(result.row(symbol)[recipe.column])
            total = sum(e.points for e in lines)
            if math.isnan(score):
                assert all(math.isnan(e.points) for e in lines)
                assert all("not scored" in e.reason for e in lines)
                continue
            assert total == score, (symbol, family)
            for line, component in zip(lines, recipe.components, strict=True):
                assert 0.0 <= line.points <= component.weight
                assert line.reason.startswith(component.info.label)
                assert line.reason.endswith(f"of {component.weight:g}")


def test_explain_accepts_the_column_name_and_refuses_unknowns(scanned: Scanned) -> None:
    _, result = scanned
    assert explain(result, "BTC0", "trend_score") == explain(result, "BTC0", "trend")
    with pytest.raises(ScannerError, match="unknown score family"):
        explain(result, "BTC0", "value")
    with pytest.raises(ScannerError, match="not in this scan"):
        explain(result, "NOPE", "trend")


def test_rows_have_the_stable_columns(scanned: Scanned) -> None:
    matrix, result = scanned
    rows = result.rows()
    assert len(rows) == len(matrix)
    for row, symbol in zip(rows, result.symbols, strict=True):
        assert tuple(row) == COLUMN_NAMES
        assert _same(row, result.row(symbol))
        assert row["symbol"] == symbol
        assert row["trend"] in ("up", "down", "flat", "")
        assert row["regime"] in ("trending_up", "trending_down", "ranging", "volatile", "")
        texts = ("trend", "regime")
        assert all(isinstance(row[name], float) for name in COLUMN_NAMES[1:] if name not in texts)


def _same(a: Row, b: Row) -> bool:
    """Equal rows, NaN matching NaN."""
    return a.keys() == b.keys() and all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in a)


def test_24h_columns_use_1440_candles_or_all_there_are() -> None:
    btc = btc_rows()
    series = {"long": btc[:2000], "short": btc[5000:5900]}
    result = scan(candles_to_matrix(series, 1441))
    closes = [float(c.close) for c in btc[:2000]]
    assert _close(float(result.row("long")["chg_24h"]), 100 * (closes[-1] / closes[-1441] - 1))
    quote = math.fsum(float(c.close) * float(c.volume) for c in btc[2000 - 1440 : 2000])
    assert _close(float(result.row("long")["vol_24h"]), quote)
    assert _close(float(result.row("long")["chg_1h"]), 100 * (closes[-1] / closes[-61] - 1))
    short = btc[5000:5900]
    want = 100 * (float(short[-1].close) / float(short[0].open) - 1)
    assert _close(float(result.row("short")["chg_24h"]), want)
    assert result.chg_24h_candles.tolist() == [1440, 900]
    # the indicators see the newest 500 candles whatever the matrix length
    narrow = scan(candles_to_matrix(series, 500))
    for name in ("rsi", "vol_z", "volatility", "trend_score", "meanrev_score", "momentum_score"):
        assert result.numbers[name].tolist() == narrow.numbers[name].tolist()


def test_a_flat_history_scores_finite_values() -> None:
    flat = [_candle(i * 60_000, "100", "100", "100", "100", "5") for i in range(200)]
    silent = [_candle(i * 60_000, "7.5", "7.5", "7.5", "7.5", "0") for i in range(200)]
    result = scan(candles_to_matrix({"FLAT": flat, "SILENT": silent}, LENGTH))
    for symbol in ("FLAT", "SILENT"):
        row = result.row(symbol)
        assert row["trend"] == "flat"
        assert row["volatility"] == 0.0
        assert row["chg_1h"] == 0.0
        assert math.isnan(float(row["rsi"]))  # undefined, as in the indicator library
        for recipe in RECIPES.values():
            score = float(row[recipe.column])
            assert math.isfinite(score), (symbol, recipe.family)
            lines = explain(result, symbol, recipe.family)
            assert sum(e.points for e in lines) == score
            assert all(math.isfinite(e.points) for e in lines)
    undefined = explain(result, "FLAT", "meanrev")[1]
    assert undefined.reason == "RSI(14) undefined (the price never moved): +0 of 25"


def test_an_oversold_fall_explains_itself() -> None:
    closes = [100.0 * 0.999**i for i in range(120)]
    volumes = ["1"] * 119 + ["40"]
    falling = [
        _candle(i * 60_000, repr(c), repr(c * 1.0005), repr(c * 0.9995), repr(c), volumes[i])
        for i, c in enumerate(closes)
    ]
    result = scan(candles_to_matrix({"DOWN": falling}, LENGTH))
    row = result.row("DOWN")
    assert row["trend"] == "down"
    assert float(row["rsi"]) < 30
    lines = {e.name: e for e in explain(result, "DOWN", "meanrev")}
    assert lines["rsi_extreme"].reason == (
        f"RSI(14) {row['rsi']:.1f} <= 30.0: oversold, +25.0 of 25"
    )
    assert lines["volume_spike"].points == 20.0
    trend = {e.name: e.points for e in explain(result, "DOWN", "trend")}
    assert trend["ema_cross"] == trend["price_vs_ma"] == trend["rsi_momentum"] == 0.0


def test_bad_values_stay_in_their_own_row(universe: Universe) -> None:
    btc = universe["BTC1"]
    broken = [*btc[:200], _candle(0, "NaN", "NaN", "NaN", "NaN", "NaN"), *btc[201:]]
    negative = [_candle(c.ts_ms, "-1", "-1", "-1", "-1", "-3") for c in btc]
    zero = [_candle(c.ts_ms, "0", "0", "0", "0", "0") for c in btc]
    huge = [_candle(c.ts_ms, "1e300", "1e300", "1e300", "1e300", "1e300") for c in btc]
    series = {"BTC0": universe["BTC0"], "NAN": broken, "NEG": negative, "ZERO": zero}
    series |= {"HUGE": huge, "BTC2": universe["BTC2"]}
    with np.errstate(all="raise"):  # no floating-point warning escapes the pass
        result = scan(candles_to_matrix(series, LENGTH))
    alone = scan(candles_to_matrix({"BTC0": series["BTC0"], "BTC2": series["BTC2"]}, LENGTH))
    for symbol in ("BTC0", "BTC2"):
        assert _same(result.row(symbol), alone.row(symbol))
    for symbol in ("NAN", "NEG", "ZERO", "HUGE"):
        for recipe in RECIPES.values():
            score = float(result.row(symbol)[recipe.column])
            assert math.isnan(score) or 0.0 <= score <= 100.0


def test_rows_do_not_depend_on_their_neighbours(universe: Universe, scanned: Scanned) -> None:
    _, result = scanned
    subset = {s: universe[s] for s in ("BTC4", "BTC-short-64", "ADA/BTC", "EMPTY")}
    alone = scan(candles_to_matrix(subset, LENGTH))
    for symbol in subset:
        assert _same(alone.row(symbol), result.row(symbol))


def test_spreads_come_from_books_then_tickers(universe: Universe) -> None:
    series = {s: universe[s] for s in ("BTC0", "BTC1", "BTC2")}
    ticker = Ticker("BTC1", Decimal("99"), Decimal("99.9"), Decimal("100.1"), *[Decimal(1)] * 5, 0)
    result = scan(
        candles_to_matrix(series, LENGTH),
        spreads={"BTC0": 1.5, "BTC1": None},
        tickers={"BTC1": ticker},
    )
    assert result.row("BTC0")["spread_bps"] == 1.5
    assert _close(float(result.row("BTC1")["spread_bps"]), 20.0)
    assert math.isnan(float(result.row("BTC2")["spread_bps"]))
