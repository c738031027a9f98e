"""Exact number helpers: parsing, rounding to steps, decimal places."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.domain.numbers import (
    ceil_to,
    dec,
    dec_cached,
    decimals_of,
    floor_to,
    is_multiple,
    trunc_to,
)

FAST = settings(max_examples=150, deadline=None)

values = st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=8)
steps = st.sampled_from(["0.00000001", "0.0001", "0.01", "0.1", "0.5", "1", "5", "25"]).map(Decimal)


@pytest.mark.parametrize(
    "garbage",
    [
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        "sNaN",
        "abc",
        "",
        "1,5",
        "1.2.3",
        float("nan"),
        float("inf"),
    ],
)
def test_dec_rejects_what_is_not_a_finite_number(garbage: object) -> None:
    with pytest.raises(ValueError, match="number"):
        dec(garbage)  # type: ignore[arg-type]


def test_dec_rejects_non_finite_decimals() -> None:
    with pytest.raises(ValueError):
        dec(Decimal("NaN"))
    with pytest.raises(ValueError):
        dec(Decimal("-Infinity"))


def test_dec_keeps_the_digits_it_was_given() -> None:
    # floats go through repr, so 0.1 is one tenth and not the binary approximation
    assert dec(0.1) == Decimal("0.1")
    assert dec(0.1) != Decimal.from_float(0.1)
    assert str(dec("0.0100")) == "0.0100"
    assert dec(42) == 42
    d = Decimal("3.14")
    assert dec(d) is d


@given(st.integers(-(10**12), 10**12), st.integers(0, 8), st.integers(0, 3))
@FAST
def test_dec_cached_equals_a_fresh_parse_and_keeps_the_text(
    units: int, places: int, trailing_zeros: int
) -> None:
    digits = f"{abs(units):0{places + 1}d}"
    whole = digits[: len(digits) - places]
    fraction = digits[len(digits) - places :] + "0" * trailing_zeros
    text = ("-" if units < 0 else "") + whole + ("." + fraction if fraction else "")
    first = dec_cached(text)
    again = dec_cached(text)
    assert first == Decimal(text)
    assert again == first
    # feeds' checksums are computed over the strings as received: keep every digit
    assert first.as_tuple() == Decimal(text).as_tuple()


def test_dec_cached_distinguishes_spellings_of_one_value() -> None:
    assert str(dec_cached("1.50")) == "1.50"
    assert str(dec_cached("1.5")) == "1.5"
    assert dec_cached("1.50") == dec_cached("1.5")


@given(values, steps)
@FAST
def test_floor_ceil_trunc_land_on_the_neighbouring_multiples(value: Decimal, step: Decimal) -> None:
    v, s = Fraction(value), Fraction(step)
    down, up, cut = floor_to(value, step), ceil_to(value, step), trunc_to(value, step)
    for rounded in (down, up, cut):
        assert is_multiple(rounded, step)
        assert (Fraction(rounded) / s).denominator == 1
    assert Fraction(down) <= v < Fraction(down) + s
    assert Fraction(up) - s < v <= Fraction(up)
    # towards zero: never grows in magnitude, and is within one step
    assert abs(Fraction(cut)) <= abs(v) < abs(Fraction(cut)) + s
    assert cut == (down if value >= 0 else up)
    if is_multiple(value, step):
        assert down == up == cut == value


def test_rounding_examples_from_the_exchange_rules() -> None:
    assert floor_to(Decimal("100.37"), Decimal("0.1")) == Decimal("100.3")
    assert ceil_to(Decimal("100.31"), Decimal("0.1")) == Decimal("100.4")
    assert trunc_to(Decimal("-0.129"), Decimal("0.01")) == Decimal("-0.12")
    assert floor_to(Decimal("-0.129"), Decimal("0.01")) == Decimal("-0.13")


@given(st.integers(-12, 6), st.sampled_from([1, 2, 5, 25]))
@FAST
def test_decimals_of_is_the_fewest_places_that_show_the_step(exponent: int, digit: int) -> None:
    step = Decimal(digit).scaleb(exponent)
    places = decimals_of(step)
    assert places >= 0
    assert (Fraction(step) * 10**places).denominator == 1
    if places > 0:
        assert (Fraction(step) * 10 ** (places - 1)).denominator != 1


@pytest.mark.parametrize(
    ("step", "places"),
    [("0.01", 2), ("0.10", 1), ("5", 0), ("1E+1", 0), ("0.00000001", 8), ("0.0025", 4)],
)
def test_decimals_of_examples(step: str, places: int) -> None:
    assert decimals_of(Decimal(step)) == places
