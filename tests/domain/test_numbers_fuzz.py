"""Fuzzing the exact number helpers and the market's rules with numbers of any size.

Every Decimal a user can type or a venue can send (a billion-digit exponent either way,
hundreds of digits, NaN, infinities, negative zero) must get an answer: a bool, a rounded
value, a message that names the field, a short display text. Checked against exact
fractions where the size allows it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.domain.market import Market
from tradeterm.domain.numbers import (
    MAX_STEP_DIGITS,
    brief,
    ceil_to,
    floor_to,
    fmt,
    fmt_compact,
    is_multiple,
    trunc_to,
)

D = Decimal
FUZZ = settings(max_examples=250, deadline=None)

#: Finite decimals with up to 600 digits and exponents from -10**9 to 10**9.
wild = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(c) for c in digits), exponent)),
    st.integers(0, 1),
    st.text("0123456789", min_size=1, max_size=600),
    st.one_of(st.integers(-40, 40), st.integers(-(10**9), 10**9)),
)
#: Finite decimals small enough to check against exact fractions.
moderate = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(int(c) for c in digits), exponent)),
    st.integers(0, 1),
    st.text("0123456789", min_size=1, max_size=60),
    st.integers(-80, 80),
)
special = st.sampled_from([D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), D("-0"), D(0)])
anything = st.one_of(wild, moderate, special, st.decimals(allow_nan=True, allow_infinity=True))
steps = st.sampled_from(["0.00000001", "0.00001", "0.01", "0.1", "0.5", "1", "5", "25", "0.3"])


def btc() -> Market:
    return Market("sim", "BTC/USDT", "BTC", "USDT", D("0.1"), D("0.00001"), D("0.00001"),
                  D("5"), D("0.0008"), D("0.001"))  # fmt: skip


@FUZZ
@given(value=anything, step=steps)
def test_is_multiple_answers_for_any_number(value: Decimal, step: str) -> None:
    answer = is_multiple(value, D(step))
    assert isinstance(answer, bool)
    if not value.is_finite():
        assert answer is False


@FUZZ
@given(value=moderate, step=steps)
def test_is_multiple_is_exact(value: Decimal, step: str) -> None:
    ratio = Fraction(value) / Fraction(step)
    assert is_multiple(value, D(step)) == (ratio.denominator == 1)


@FUZZ
@given(value=st.one_of(moderate, wild.filter(lambda v: abs(v.adjusted()) < 900)), step=steps)
def test_rounding_to_a_step_is_exact_and_within_one_step(value: Decimal, step: str) -> None:
    exact, size = Fraction(value), Fraction(step)
    down, up, cut = floor_to(value, D(step)), ceil_to(value, D(step)), trunc_to(value, D(step))
    for rounded in (down, up, cut):
        assert (Fraction(rounded) / size).denominator == 1
    assert Fraction(down) <= exact <= Fraction(up)
    assert exact - Fraction(down) < size and Fraction(up) - exact < size
    assert abs(Fraction(cut)) <= abs(exact) and abs(exact) - abs(Fraction(cut)) < size


@FUZZ
@given(value=anything, step=steps)
def test_rounding_refuses_in_words_or_answers(value: Decimal, step: str) -> None:
    for rounder in (floor_to, ceil_to, trunc_to):
        try:
            rounded = rounder(value, D(step))
        except ValueError as exc:
            assert not value.is_finite() or value.adjusted() - D(step).adjusted() > MAX_STEP_DIGITS
            assert str(exc)
        else:
            assert rounded.is_finite()


@FUZZ
@given(value=anything)
def test_market_rules_name_the_field_for_any_number(value: Decimal) -> None:
    market = btc()
    price, qty = market.price_error(value), market.qty_error(value)
    assert price is None or price.startswith("price"), price
    assert qty is None or qty.startswith("quantity"), qty
    for message in (price, qty):
        assert message is None or len(message) < 160, message
    if price is None:
        assert value.is_finite() and 0 < value <= D("1e15")
    if qty is None:
        assert value.is_finite() and 0 < value <= D("1e15")
    for other in (D("0.01"), D("60000.0"), value):
        notional = market.notional_error(value, other)
        assert notional is None or notional.startswith("order value")


@FUZZ
@given(value=anything, places=st.integers(0, 8))
def test_display_forms_are_short_for_any_number(value: Decimal, places: int) -> None:
    assert len(fmt(value, places)) <= 40
    assert len(fmt_compact(value)) <= 18  # -1.00e-1000000000 at the longest
    assert len(brief(value)) <= 24


def test_huge_numbers_are_shown_in_the_short_form() -> None:
    assert fmt(D("1e30"), 2) == "1.00e30"
    assert fmt(D("-2.5e15"), 2) == "-2.50e15"
    assert fmt(D("999999999999999.99"), 2) == "999,999,999,999,999.99"
    assert fmt_compact(D("1e30")) == "1.00e30"
    assert fmt_compact(D("2.5e12")) == "2.50T"
    assert brief(D("9" * 500)) == "1.00e500"
    assert brief(D("0." + "1" * 40)) == "0.11111111111111111111…"
    assert fmt(D("NaN"), 2) == "NaN"
