"""The regime classifier: its inputs agree with the indicator library on the shared candles,
its labels follow the documented thresholds, and synthetic markets get the regime they were
built to have; the scanner's regime column and the filter line use it."""

from __future__ import annotations

import itertools
import statistics
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tests.analysis.test_scanner import btc_rows
from tradeterm.analysis import indicators as ind
from tradeterm.analysis.filter import compile_filter
from tradeterm.analysis.regime import (
    REGIME_HISTORY,
    classify,
    classify_candles,
    regime_inputs,
)
from tradeterm.analysis.scanner import candles_to_matrix, scan
from tradeterm.domain.market_data import Candle

CUTS = 12  # 500-candle cuts of the shared BTC minute candles, 3,000 candles apart


@pytest.fixture(scope="module")
def cuts() -> dict[str, list[Candle]]:
    btc = btc_rows()
    return {f"BTC{k}": btc[3_000 * k : 3_000 * k + 500] for k in range(CUTS)}


def _series(candles: list[Candle], field: str) -> pd.Series:
    return pd.Series([float(getattr(c, field)) for c in candles])


def _by_hand(candles: list[Candle]) -> str:
    """The documented rule, computed with the indicator library and the statistics module."""
    high, low, close = (_series(candles, f) for f in ("high", "low", "close"))
    adx = ind.adx(high, low, close, 14).iloc[-1]
    natr = (ind.atr(high, low, close, 14) / close).iloc[-100:].tolist()
    percentile = 100 * sum(v <= natr[-1] for v in natr) / 100
    closes = close.tolist()[-121:]
    returns = [np.log(b / a) for a, b in itertools.pairwise(closes)]
    ratio = statistics.stdev(returns[-15:]) / statistics.stdev(returns)
    if percentile >= 90 and ratio >= 1.5:
        return "volatile"
    if adx["adx"] >= 25:
        return "trending_up" if adx["plus_di"] > adx["minus_di"] else "trending_down"
    return "ranging"


def test_inputs_match_the_indicator_library(cuts: dict[str, list[Candle]]) -> None:
    matrix = candles_to_matrix(cuts, 500)
    got = regime_inputs(matrix)
    for i, candles in enumerate(cuts.values()):
        high, low, close = (_series(candles, f) for f in ("high", "low", "close"))
        want = ind.adx(high, low, close, 14).iloc[-1]
        assert got.adx[i] == pytest.approx(want["adx"], rel=1e-9)
        assert got.plus_di[i] == pytest.approx(want["plus_di"], rel=1e-9)
        assert got.minus_di[i] == pytest.approx(want["minus_di"], rel=1e-9)


def test_regimes_follow_the_documented_rule(cuts: dict[str, list[Candle]]) -> None:
    got = classify(candles_to_matrix(cuts, 500)).tolist()
    want = [_by_hand(candles) for candles in cuts.values()]
    assert got == want
    assert {"ranging", "trending_up", "trending_down"} <= set(want)  # the cuts cover them


def test_the_scanner_column_and_filter_line(cuts: dict[str, list[Candle]]) -> None:
    result = scan(candles_to_matrix(cuts, 500))
    want = {symbol: _by_hand(candles) for symbol, candles in cuts.items()}
    assert {s: result.row(s)["regime"] for s in cuts} == want
    ranging = {s for s, r in want.items() if r == "ranging"}
    mask = compile_filter('regime = "ranging"').mask(result)
    assert {s for s, keep in zip(result.symbols, mask, strict=True) if keep} == ranging
    assert {s for s in cuts if compile_filter("regime = 'ranging'").matches(result.row(s))} == (
        ranging
    )


def _market(closes: np.ndarray, spread: np.ndarray) -> list[Candle]:
    """Candles from closes: each opens at the previous close, wicks ``spread`` beyond."""
    candles = []
    previous = closes[0]
    for i, (close, wick) in enumerate(zip(closes, spread, strict=True)):
        high = max(previous, close) + wick
        low = min(previous, close) - wick
        values = (previous, high, low, close, 1.0)
        candles.append(Candle(i * 60_000, *(Decimal(f"{v:.6f}") for v in values)))
        previous = close
    return candles


def _noise(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 1.0, n)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_markets_get_the_regime_they_were_built_with(seed: int) -> None:
    n = 300
    wick = np.full(n, 0.02)
    steps = np.arange(n)
    rising = 100.0 + 0.05 * steps + 0.03 * _noise(n, seed)
    falling = 100.0 - 0.05 * steps + 0.03 * _noise(n, seed)
    flat = 100.0 + 0.05 * _noise(n, seed)  # no drift: noise around one level
    calm_then_wild = 100.0 + np.cumsum(0.02 * _noise(n, seed))
    calm_then_wild[-12:] += np.cumsum(0.8 * _noise(12, seed + 100))
    wild_wick = np.where(steps >= n - 12, 0.5, 0.02)
    markets = {
        "up": _market(rising, wick),
        "down": _market(falling, wick),
        "flat": _market(flat, wick),
        "wild": _market(calm_then_wild, wild_wick),
    }
    got = dict(zip(markets, classify(candles_to_matrix(markets, n)).tolist(), strict=True))
    assert got == {
        "up": "trending_up",
        "down": "trending_down",
        "flat": "ranging",
        "wild": "volatile",
    }
    assert classify_candles(markets["flat"]) == "ranging"


def test_too_short_or_motionless_histories_have_no_regime(cuts: dict[str, list[Candle]]) -> None:
    some = next(iter(cuts.values()))
    short = some[: REGIME_HISTORY - 1]
    enough = some[:REGIME_HISTORY]
    still = [Candle(i * 60_000, *(Decimal(1),) * 4, Decimal(0)) for i in range(200)]
    got = classify(candles_to_matrix({"short": short, "enough": enough, "still": still}, 500))
    assert got[0] == "" and got[1] != "" and got[2] == ""
    assert classify_candles(short) == "" and classify_candles([]) == ""
    assert classify_candles(enough) == got[1]
