"""The scanner filter language: valid filters against expected masks, errors, and fuzzing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.analysis.filter import Filter, FilterError, compile_filter
from tradeterm.analysis.scanner import NUMERIC_COLUMNS, ScanResult

NAN = math.nan
SYMBOLS = ("BTC/USDT", "ETH/USDT", "WETH/USDT", "SOL/USDT", "NEW/USDT")
NUMBERS = {
    "last": [50_000.0, 3_000.0, 3_001.0, 150.0, NAN],
    "chg_1h": [1.0, -2.0, -2.5, 6.0, NAN],
    "chg_24h": [5.0, -6.0, 0.0, 12.5, NAN],
    "vol_24h": [2e9, 5e8, 1e6, 5e7, NAN],
    "spread_bps": [0.5, 1.2, 25.0, 3.0, NAN],
    "volatility": [2.0, 3.5, 9.0, 6.0, NAN],
    "rsi": [55.0, 28.0, 29.5, 71.0, NAN],
    "vol_z": [0.3, 2.5, 3.1, 1.0, NAN],
    "trend_score": [80.0, 5.0, 0.0, 65.0, NAN],
    "meanrev_score": [0.0, 70.0, 75.5, 0.0, NAN],
    "momentum_score": [40.0, 10.0, 12.0, 90.0, NAN],
}
TREND = ["up", "down", "down", "up", ""]
REGIME = ["trending_up", "ranging", "volatile", "ranging", ""]


def hand_made() -> ScanResult:
    """A hand-made scan of five symbols; NEW/USDT has no history (NaN and "")."""
    assert set(NUMBERS) == set(NUMERIC_COLUMNS)
    return ScanResult(
        symbols=SYMBOLS,
        numbers={name: np.array(values) for name, values in NUMBERS.items()},
        trend=np.array(TREND),
        regime=np.array(REGIME),
        features={},
        components={},
        counts=np.array([500, 500, 500, 500, 0]),
        chg_24h_candles=np.array([500, 500, 500, 500, 0]),
    )


@pytest.fixture(scope="module")
def result() -> ScanResult:
    return hand_made()


BTC, ETH, WETH, SOL, NEW = SYMBOLS
VALID = [
    ("rsi < 30", {ETH, WETH}),
    ("rsi < 30 and vol_z > 2 and spread_bps < 5", {ETH}),
    ("RSI<30 AND VOL_Z>2", {ETH, WETH}),
    ("rsi >= 55 or meanrev_score > 75", {BTC, SOL, WETH}),
    ("not rsi < 30", {BTC, SOL, NEW}),  # NaN < 30 is false, so its negation is true
    ("rsi != 28", {BTC, WETH, SOL}),  # NaN compares false, != included
    ("rsi == 28", {ETH}),
    ('trend == "up"', {BTC, SOL}),
    ("trend = 'UP'", {BTC, SOL}),
    ("trend != 'up'", {ETH, WETH}),  # an unknown trend compares false
    ('regime = "ranging"', {ETH, SOL}),
    ("REGIME == 'Volatile'", {WETH}),
    ('regime ~ "trending*"', {BTC}),
    ("regime != 'ranging'", {BTC, WETH}),  # an unknown regime compares false
    ('regime = "ranging" and rsi < 30', {ETH}),
    ('symbol ~ "ETH"', {ETH, WETH}),  # substring
    ("symbol ~ 'eth*'", {ETH}),  # glob, whole value, any case
    ("symbol ~ '*/USDT'", set(SYMBOLS)),
    ("symbol ~ '?TH/*'", {ETH}),
    ("symbol ~ '[bs]*'", {BTC, SOL}),
    ("symbol !~ 'ETH'", {BTC, SOL, NEW}),
    ("symbol == 'btc/usdt'", {BTC}),
    ('symbol == "a\\"b"', set()),
    ("chg > 5%", {SOL}),
    ("chg >= 5%", {BTC, SOL}),
    ("chg_1h > -2.25", {BTC, ETH, SOL}),
    ("chg_24h < -5.5%", {ETH}),
    ("vol > 100m", {BTC, ETH}),
    ("vol > 1e9", {BTC}),
    ("vol > 1.5B", {BTC}),
    ("vol >= 1000k", {BTC, ETH, WETH, SOL}),
    ("spread < 5", {BTC, ETH, SOL}),
    ("20 < rsi < 30", {ETH, WETH}),
    ("30 > rsi", {ETH, WETH}),
    ("50 <= rsi <= 60", {BTC}),
    ("chg_1h > chg_24h", {ETH}),
    ("momentum_score >= 90 or (trend == 'down' and meanrev_score > 72)", {SOL, WETH}),
    ("not (trend == 'up' or trend == 'down')", {NEW}),
    ("((rsi < 30))", {ETH, WETH}),
    ("rsi < 30 and not symbol ~ 'W'", {ETH}),
    ("last > .5", {BTC, ETH, WETH, SOL}),
    ("volatility < 5% and trend_score > 50", {BTC}),
    ("rsi > +50", {BTC, SOL}),
    ("meanrev_score == 75.5", {WETH}),
    ("rsi < 30 or rsi > 70 and momentum_score > 95", {ETH, WETH}),  # and binds tighter
    ("not not rsi < 30", {ETH, WETH}),
    ("rsi < 30 Or rsi > 70 AND momentum_score > 80", {ETH, WETH, SOL}),
    ("", set(SYMBOLS)),
    ("   ", set(SYMBOLS)),
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_valid_filters_select_the_expected_rows(
    text: str, expected: set[str], result: ScanResult
) -> None:
    compiled = compile_filter(text)
    mask = compiled.mask(result)
    assert mask.dtype == np.bool_ and mask.shape == (len(SYMBOLS),)
    assert {s for s, keep in zip(SYMBOLS, mask.tolist(), strict=True) if keep} == expected
    by_row = [compiled.matches(result.row(symbol)) for symbol in SYMBOLS]
    assert by_row == mask.tolist()


def test_columns_used_and_aliases() -> None:
    compiled = compile_filter("vol > 1m and (chg < 0 or spread < 2) and trend == 'up'")
    assert compiled.columns == {"vol_24h", "chg_24h", "spread_bps", "trend"}
    assert compile_filter("").columns == frozenset()


def test_rows_with_missing_or_odd_values_do_not_match() -> None:
    compiled = compile_filter("rsi < 30")
    assert not compiled.matches({})
    assert not compiled.matches({"rsi": None})
    assert not compiled.matches({"rsi": "20"})
    assert not compiled.matches({"rsi": True})
    assert compiled.matches({"rsi": 20})
    assert compile_filter("not rsi < 30").matches({"rsi": NAN})


INVALID = [
    ("rsii < 30", 0, "unknown column 'rsii' at 0 (did you mean rsi?); columns: symbol, last,"),
    ("chg_1 > 2", 0, "(did you mean chg_1h?)"),
    ("rsi < and", 6, "expected a number after '<' at 6, got 'and'"),
    ("(rsi < 30", 0, "unclosed '(' at 0"),
    ("rsi < 30 and (vol_z > 1", 13, "unclosed '(' at 13"),
    ("rsi < 30)", 8, "unmatched ')' at 8"),
    ("rsi", 3, "expected a comparison operator after 'rsi' at 3, got the end of the filter"),
    ("rsi 30", 4, "expected a comparison operator after 'rsi' at 4, got '30'"),
    ("rsi < 30 rsi > 3", 9, "expected 'and' or 'or' at 9, got 'rsi'"),
    ("trend < 'up'", 6, "trend is text: compare it with ==, !=, ~ or !~"),
    ('rsi == "up"', 7, "expected a number after '==' at 7 (rsi is a number)"),
    ("rsi < trend", 6, "expected a number after '<' at 6"),
    ("symbol ~ 5", 9, "expected a quoted string after '~' at 9 (symbol is text)"),
    ("trend == up", 9, "expected a quoted string after '==' at 9 (trend is text: write \"up\")"),
    ("rsi ~ 'x'", 4, "'~' at 4 matches text; rsi is a number"),
    ("30 < 40", 3, "'<' at 3 compares two values; one side must be a column"),
    ("rsi < 30 < 40", 9, "'<' at 9 compares two values"),
    ("'BTC' ~ symbol", 6, "'~' at 6 needs the column on its left"),
    ("spread < 5%", 9, "'%' at 9 does not apply to spread_bps (bps)"),
    ("vol_z > 2%", 8, "'%' at 8 does not apply to vol_z"),
    ("rsi < 30 && vol_z > 2", 9, "unexpected '&&' at 9; write 'and'"),
    ("rsi < 30 | rsi > 70", 9, "unexpected '|' at 9; write 'or'"),
    ("!rsi < 3", 0, "unexpected '!' at 0; write 'not'"),
    ('symbol ~ "ETH', 9, 'unclosed string "..." at 9'),
    ("rsi < 5x", 7, "unexpected 'x' after the number at 7"),
    ("rsi < 1e", 7, "unexpected 'e' after the number at 7"),
    ("chg > 5%%", 8, "unexpected '%' after the number at 8"),
    ("rsi < 1.2.3", 9, "unexpected '.3' after the number at 9"),
    ("rsi < 30 and", 12, "expected a comparison after 'and' at 12, got the end of the filter"),
    ("and rsi < 3", 0, "expected a comparison at 0, got 'and'"),
    ("()", 1, "expected a comparison after '(' at 1, got ')'"),
    ("rsi <= > 3", 7, "expected a number after '<=' at 7, got '>'"),
    ("rsi < 30 $", 9, "unexpected character '$' at 9"),
    ("rsi < - 5", 6, "unexpected character '-' at 6"),
    ("__import__('os').system('ls')", 0, "unknown column '__import__' at 0"),
    ("(" * 60 + "rsi < 1" + ")" * 60, 50, "too deeply nested at 50 (at most 50 levels)"),
    ("not " * 60 + "rsi < 1", 200, "too deeply nested at 200"),
]


@pytest.mark.parametrize(("text", "position", "message"), INVALID)
def test_invalid_filters_point_at_the_bad_token(text: str, position: int, message: str) -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(text)
    error = caught.value
    assert error.position == position
    assert message in str(error)
    assert f"at {position}" in str(error)


def test_caret_draws_the_position() -> None:
    text = "rsi < and"
    with pytest.raises(FilterError) as caught:
        compile_filter(text)
    assert caught.value.caret(text) == "rsi < and\n      ^"
    tabbed = "\trsi < and"
    with pytest.raises(FilterError) as caught:
        compile_filter(tabbed)
    assert caught.value.caret(tabbed) == "\trsi < and\n\t      ^"
    assert FilterError("x", 3).caret("abc") == "abc\n   ^"


def test_filter_errors_are_tradeterm_errors() -> None:
    from tradeterm.domain.errors import TradetermError

    with pytest.raises(TradetermError):
        compile_filter("rsi <")


def _check(text: str, result: ScanResult) -> None:
    """Compile ``text``; only FilterError may escape; a compiled filter must agree with itself."""
    try:
        compiled = compile_filter(text)
    except FilterError as error:
        assert 0 <= error.position <= len(text)
        assert f"at {error.position}" in str(error)
        error.caret(text)
        return
    assert isinstance(compiled, Filter)
    mask = compiled.mask(result).tolist()
    assert mask == [compiled.matches(result.row(symbol)) for symbol in SYMBOLS]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_raises_nothing_but_filter_error(text: str) -> None:
    _check(text, hand_made())


PIECES = [
    *NUMBERS,
    "symbol",
    "trend",
    "regime",
    "vol",
    "chg",
    "spread",
    "and",
    "or",
    "not",
    "(",
    ")",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "=",
    "~",
    "!~",
    "30",
    "-2.5",
    "5%",
    "1e3",
    "10m",
    ".5",
    '"up"',
    "'eth*'",
    '"[b"',
    '"',
    "&&",
    "!",
    "rsii",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14), st.sampled_from([" ", ""]))
def test_token_soup_raises_nothing_but_filter_error(pieces: list[str], glue: str) -> None:
    _check(glue.join(pieces), hand_made())
