"""Sizing helpers: each size spends at most what it was given, and one lot more would
spend too much; bad inputs are refused in words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeterm.domain.errors import TradetermError
from tradeterm.engine.sizing import (
    atr_size,
    capped_kelly,
    fixed_quote,
    kelly_fraction,
    percent_of_equity,
)

D = Decimal
money = st.decimals(min_value=D("1"), max_value=D("1000000"), places=2)
prices = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
lots = st.sampled_from([D("0.00001"), D("0.001"), D("0.1"), D("1")])
percents = st.decimals(min_value=D("0.1"), max_value=D("100"), places=1)


@given(money, prices, lots)
def test_fixed_quote_spends_at_most_the_amount(amount: D, price: D, lot: D) -> None:
    qty = fixed_quote(amount, price, lot)
    assert qty % lot == 0
    assert qty * price <= amount < (qty + lot) * price


@given(money, percents, prices, lots)
def test_percent_of_equity(equity: D, pct: D, price: D, lot: D) -> None:
    qty = percent_of_equity(equity, pct, price, lot)
    budget = equity * pct / 100
    assert qty * price <= budget < (qty + lot) * price


@given(money, percents, prices, lots, st.sampled_from([D("1"), D("1.5"), D("3")]))
def test_atr_size_loses_at_most_the_risk_at_the_stop(
    equity: D, pct: D, atr: D, lot: D, multiple: D
) -> None:
    qty = atr_size(equity, pct, atr, lot, multiple)
    risk = equity * pct / 100
    stop = atr * multiple
    assert qty * stop <= risk < (qty + lot) * stop


def test_atr_size_by_hand() -> None:
    # 10,000 equity risking 1% = 100; stop 2 ATR of 25 = 50 away: 2 units
    assert atr_size(D("10000"), D("1"), D("25"), D("0.001")) == D("2")


def test_kelly_by_hand_half_and_cap() -> None:
    assert kelly_fraction(D("0.6"), D("1")) == D("0.2")  # 0.6 - 0.4 / 1
    assert kelly_fraction(D("0.3"), D("1")) == 0  # no edge: no bet
    # half Kelly: 10% of 10,000 at 100 = 10 units; a 5% cap makes it 5
    assert capped_kelly(D("10000"), D("0.6"), D("1"), D("100"), D("1")) == D("10")
    capped = capped_kelly(D("10000"), D("0.6"), D("1"), D("100"), D("1"), cap_percent=D("5"))
    assert capped == D("5")


@given(
    st.decimals(min_value=D("0"), max_value=D("1"), places=3),
    st.decimals(min_value=D("0.1"), max_value=D("10"), places=2),
)
def test_capped_kelly_never_exceeds_the_cap(p: D, b: D) -> None:
    qty = capped_kelly(D("10000"), p, b, D("50"), D("0.01"), cap_percent=D("7"))
    assert 0 <= qty * 50 <= D("700")


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: fixed_quote(D("0"), D("10"), D("1")), "amount must be a number above zero"),
        (lambda: fixed_quote(D("10"), D("NaN"), D("1")), "price must be a number above zero"),
        (lambda: percent_of_equity(D("10"), D("150"), D("1"), D("1")), "at most 100, got 150"),
        (lambda: kelly_fraction(D("1.2"), D("1")), "win rate must be between 0 and 1"),
        (lambda: atr_size(D("10"), D("1"), D("-1"), D("1")), "ATR must be a number above zero"),
        (
            lambda: capped_kelly(D("1"), D("0.5"), D("1"), D("1"), D("1"), scale=D("2")),
            "Kelly scale must be above 0 and at most 1",
        ),
    ],
)
def test_bad_inputs_are_refused_in_words(call: object, words: str) -> None:
    with pytest.raises(TradetermError, match=words):
        call()  # type: ignore[operator]
