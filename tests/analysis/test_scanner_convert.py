"""Decimal candles to float matrices: alignment, exactness, and the incremental builder."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from tradeterm.analysis.scanner import (
    CandleMatrix,
    MatrixBuilder,
    ScannerError,
    candles_to_matrix,
    ticker_spread_bps,
)
from tradeterm.domain.market_data import Candle, Ticker

FIELDS = ("open", "high", "low", "close", "volume")


def _walk(symbol_seed: int, count: int, start_ms: int = 0) -> list[Candle]:
    rng = np.random.default_rng(symbol_seed)
    price = 100 + symbol_seed
    candles = []
    for i in range(count):
        step = Decimal(int(rng.integers(-50, 51))) / 100
        close = max(Decimal("0.01"), price + step)
        high, low = max(price, close) + Decimal("0.03"), min(price, close) - Decimal("0.02")
        volume = Decimal(int(rng.integers(0, 10**9))) / 10**6
        candles.append(Candle(start_ms + 60_000 * i, price, high, low, close, volume))
        price = close
    return candles


def _same(a: CandleMatrix, b: CandleMatrix) -> None:
    assert a.symbols == b.symbols
    for name in (*FIELDS, "counts", "last_ts_ms"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_rows_are_right_aligned_and_nan_padded() -> None:
    series = {"A": _walk(1, 5), "B": _walk(2, 2), "C": [], "D": _walk(4, 9)}
    matrix = candles_to_matrix(series, 6)
    assert matrix.symbols == ("A", "B", "C", "D")
    assert matrix.length == 6 and len(matrix) == 4
    assert matrix.counts.tolist() == [5, 2, 0, 6]
    assert matrix.last_ts_ms.tolist() == [4 * 60_000, 60_000, -1, 8 * 60_000]
    for row, symbol in enumerate(series):
        tail = series[symbol][-6:]
        pad = 6 - len(tail)
        for name in FIELDS:
            values = getattr(matrix, name)[row]
            assert np.isnan(values[:pad]).all()
            assert values[pad:].tolist() == [float(getattr(c, name)) for c in tail]


def test_values_are_correctly_rounded() -> None:
    awkward = ["0.1", "1e-8", "123456789.123456789", "3.14159265358979323846", "2E+5", "-0"]
    candles = [Candle(i, *(Decimal(v),) * 5) for i, v in enumerate(awkward)]
    matrix = candles_to_matrix({"X": candles}, len(awkward))
    for column, text in enumerate(awkward):
        exact = float(Fraction(Decimal(text)))  # Fraction -> float rounds to nearest
        assert matrix.close[0, column] == exact


def test_unconvertible_values_become_nan() -> None:
    candles = _walk(3, 4)
    candles[1] = replace(candles[1], close=Decimal("sNaN"), volume=Decimal("Infinity"))
    matrix = candles_to_matrix({"X": candles}, 4)
    assert math.isnan(matrix.close[0, 1])
    assert matrix.volume[0, 1] == math.inf
    assert matrix.close[0, 2] == float(candles[2].close)


def test_empty_inputs_and_bad_lengths() -> None:
    matrix = candles_to_matrix({}, 10)
    assert matrix.close.shape == (0, 10) and matrix.counts.shape == (0,)
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(ScannerError, match="length must be"):
            candles_to_matrix({"A": _walk(1, 3)}, bad)  # type: ignore[arg-type]


def test_deques_are_read_from_their_newest_end() -> None:
    history: deque[Candle] = deque(_walk(5, 50), maxlen=40)
    matrix = candles_to_matrix({"A": history}, 30)
    assert matrix.close[0].tolist() == [float(c.close) for c in list(history)[-30:]]


def test_builder_equals_a_fresh_conversion_through_engine_updates() -> None:
    converted: list[int] = []  # candles the builder converted, per symbol and build
    book: dict[str, deque[Candle]] = {
        s: deque(_walk(i, 120), maxlen=100) for i, s in enumerate(("A", "B", "C"))
    }
    builder = MatrixBuilder()

    def check(length: int = 60) -> None:
        fresh = candles_to_matrix(book, length)
        _same(builder.build(book, length), fresh)
        converted.extend(builder.last_conversions)

    check()
    converted.clear()
    for step in range(30):  # closed candles appended, the live one replaced or mutated
        for series in book.values():
            last = series[-1]
            if step % 3 == 0:
                series.append(
                    Candle(last.ts_ms + 60_000, last.close, *(last.close,) * 3, Decimal(0))
                )
            elif step % 3 == 1:
                series[-1] = replace(last, close=last.close + 1, high=last.high + 1)
            else:
                last.add_trade(last.close - 1, Decimal("0.5"))  # in place, as the replay does
        check()
    # each build converts only the newest one or two candles per symbol
    assert max(converted) <= 2 and len(converted) == 30 * 3
    book["B"] = deque(_walk(9, 80), maxlen=100)  # reloaded history: new objects
    book["D"] = deque(_walk(10, 10), maxlen=100)  # a new symbol
    del book["A"]
    converted.clear()
    check()
    assert sorted(converted) == [1, 10, 60]  # C reused but its newest; B and D in full
    check(length=90)  # a longer window than the cached one: converted again, still equal
    check(length=30)
    book["C"].clear()
    check()


def test_spread_from_ticker() -> None:
    def ticker(bid: str | None, ask: str | None) -> Ticker:
        one = Decimal(1)
        return Ticker(
            "X",
            one,
            None if bid is None else Decimal(bid),
            None if ask is None else Decimal(ask),
            one,
            one,
            one,
            one,
            one,
            0,
        )

    assert ticker_spread_bps(ticker("99.95", "100.05")) == pytest.approx(10.0, rel=1e-15)
    assert ticker_spread_bps(ticker("100.05", "99.95")) == pytest.approx(-10.0, rel=1e-15)
    assert math.isnan(ticker_spread_bps(ticker(None, "1")))
    assert math.isnan(ticker_spread_bps(ticker("0", "0")))
    assert math.isnan(ticker_spread_bps(None))


def test_packed_series_convert_to_the_same_floats_as_their_candles() -> None:
    """The engine's packed series are converted from their integer columns: the same floats
    as converting each Decimal, also for values a float does not hold exactly, mixed
    exponents, values put aside (NaN, huge) and the newest candles kept as objects."""
    from tradeterm.engine.candle_series import CandleSeries

    awkward = _walk(9, 600)
    odd = [Decimal("NaN"), Decimal("9007199254740993"), Decimal("1.5E+30"), Decimal("-0.0")]
    values = [*odd, Decimal("67242.50"), Decimal("1E-40")] * 3
    for i, value in zip(range(5, 600, 37), values, strict=False):
        awkward[i] = replace(awkward[i], close=value, volume=value)
    lists = {"A": _walk(1, 1500), "B": _walk(2, 40), "C": [], "D": awkward}
    packed = {symbol: CandleSeries(candles) for symbol, candles in lists.items()}
    assert packed["A"].packed > 1300
    for length in (1, 30, 500, 1441):
        expected = candles_to_matrix(lists, length)
        _same(candles_to_matrix(packed, length), expected)
        _same(MatrixBuilder().build(packed, length), expected)
        tails = {symbol: series.packed_tail(length) for symbol, series in packed.items()}
        _same(MatrixBuilder().build(tails, length), expected)
