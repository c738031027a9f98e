"""Fuzzing the scanner filter and the alert conditions with any text and numbers of any size:
a compiled filter (that evaluates without error) or a FilterError / AlertError that points
inside the text, never another exception."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.analysis.alerts import AlertBook, AlertError, parse_alert
from tradeterm.analysis.filter import FilterError, compile_filter
from tradeterm.domain.enums import Side
from tradeterm.domain.events import TradePrinted
from tradeterm.domain.market_data import Trade
from tradeterm.domain.numbers import MAX_PRICE

FUZZ = settings(max_examples=250, deadline=None)
SYMBOLS = ["BTC/USDT", "ETH/USDT"]
ROW: dict[str, object] = {
    "symbol": "BTC/USDT", "last": 67000.5, "chg_1h": -0.4, "chg_24h": 2.5, "vol_24h": 1.2e9,
    "spread_bps": 0.2, "volatility": float("nan"), "rsi": 55.0, "vol_z": 1.1, "trend": "up",
    "trend_score": 70, "meanrev_score": 20, "momentum_score": 50,
}  # fmt: skip

#: Number-like words: digits of any length and script, points, commas, signs, exponents,
#: suffixes, and anything else.
number_text = st.one_of(
    st.from_regex(
        r"[+-]?[0-9]{1,600}(\.[0-9]{0,600})?([eE][+-]?[0-9]{1,12})?[%kmbKMB]?", fullmatch=True
    ),
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=30),
    st.builds(lambda n: "9" * n, st.integers(300, 5000)),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
)  # fmt: skip
filter_text = st.one_of(
    st.builds(lambda col, op, num: f"{col} {op} {num}",
              st.sampled_from(["rsi", "vol", "chg", "last", "spread", "symbol", "trend"]),
              st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "~", "="]), number_text),
    st.text(max_size=300),
    st.text(st.sampled_from(list("rsi<>=!()&|~\"' .0123456789eE+-%kmandortnot")), max_size=120),
)  # fmt: skip


@FUZZ
@given(text=filter_text)
def test_any_filter_text_compiles_or_points_at_the_mistake(text: str) -> None:
    try:
        rule = compile_filter(text)
    except FilterError as exc:
        assert 0 <= exc.position <= len(text), (exc.position, text)
        assert str(exc)
        assert exc.caret(text).splitlines()[-1].endswith("^")
        return
    assert isinstance(rule.matches(ROW), bool)


@FUZZ
@given(number=number_text)
def test_filter_numbers_are_finite_or_refused(number: str) -> None:
    text = f"rsi < {number}"
    try:
        rule = compile_filter(text)
    except FilterError as exc:
        assert 6 <= exc.position <= len(text), (exc.position, text)  # at or after the number
        return
    right = getattr(rule.tree, "right", None)
    value = getattr(right, "value", 0.0)
    assert not isinstance(value, float) or math.isfinite(value)


def test_a_number_too_large_for_a_float_is_refused_where_it_stands() -> None:
    with pytest.raises(FilterError, match=r"number '1e999' at 6 is too large") as caught:
        compile_filter("rsi < 1e999")
    assert caught.value.position == 6
    with pytest.raises(FilterError, match=r"number '99999999999999999999…' at 6 is too large"):
        compile_filter("rsi < " + "9" * 400)


@FUZZ
@given(op=st.sampled_from([">", ">=", "<", "<="]), number=number_text)
def test_alert_conditions_parse_or_say_what_is_allowed(op: str, number: str) -> None:
    text = f"BTC/USDT {op} {number}"
    try:
        symbol, condition = parse_alert(text, SYMBOLS, "ETH/USDT")
    except AlertError as exc:
        assert "Forms:" in str(exc) or "needs a condition" in str(exc)
        return
    assert symbol == "BTC/USDT"
    fired: list[object] = []
    book = AlertBook(None, None, fired.append, lambda: 0)
    alert = book.add(symbol, condition)
    for price in ("0.1", "67000.5", "1e15"):
        trade = Trade(symbol, Decimal(price), Decimal("0.1"), Side.BUY, 0, "t")
        book.on_trade(TradePrinted(trade))
    assert len(fired) <= 1 + alert.repeat * 2


def test_an_alert_price_beyond_the_limit_is_refused() -> None:
    with pytest.raises(AlertError, match=f"alert price too large: at most {MAX_PRICE:,f}"):
        parse_alert("BTC/USDT > " + "9" * 500, SYMBOLS, "ETH/USDT")
    assert parse_alert("BTC/USDT > 1000000000000000", SYMBOLS, "ETH/USDT")[1] == (
        "> 1000000000000000"
    )
