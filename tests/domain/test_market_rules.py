"""Market rules: tick, lot, min/max quantity and min notional, with messages that explain."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.domain.market import Market

D = Decimal


def btc(max_qty: str | None = None) -> Market:
    return Market(
        venue="sim",
        symbol="BTC/USDT",
        base="BTC",
        quote="USDT",
        tick_size=D("0.1"),
        lot_size=D("0.00001"),
        min_qty=D("0.0001"),
        min_notional=D("5"),
        maker_fee=D("0.0008"),
        taker_fee=D("0.001"),
        max_qty=None if max_qty is None else D(max_qty),
    )


FAST = settings(max_examples=100, deadline=None)


def test_places_follow_the_steps() -> None:
    market = btc()
    assert market.price_places == 1
    assert market.qty_places == 5


@given(st.integers(1, 10**9))
@FAST
def test_any_whole_number_of_ticks_is_a_valid_price(ticks: int) -> None:
    market = btc()
    assert market.price_error(ticks * market.tick_size) is None


@given(st.integers(0, 10**9), st.integers(1, 9))
@FAST
def test_a_price_between_ticks_is_refused_naming_price_and_tick(ticks: int, tenth: int) -> None:
    market = btc()
    price = ticks * market.tick_size + market.tick_size * tenth / 10
    message = market.price_error(price)
    assert message is not None
    assert str(price) in message
    assert "tick" in message
    assert str(market.tick_size) in message


@pytest.mark.parametrize("price", ["0", "-0.1", "-100"])
def test_price_must_be_positive(price: str) -> None:
    message = btc().price_error(D(price))
    assert message is not None
    assert "above zero" in message
    assert price in message


def test_quantity_rules_name_the_value_and_the_rule() -> None:
    market = btc(max_qty="10")
    assert market.qty_error(D("0.0001")) is None
    assert market.qty_error(D("10")) is None

    off_lot = market.qty_error(D("0.000015"))
    assert off_lot is not None
    assert "0.000015" in off_lot
    assert "lot" in off_lot
    assert "0.00001" in off_lot
    assert "BTC" in off_lot

    small = market.qty_error(D("0.00009"))
    assert small is not None
    assert "0.00009" in small
    assert "minimum" in small
    assert "0.0001" in small

    big = market.qty_error(D("10.00001"))
    assert big is not None
    assert "10.00001" in big
    assert "maximum" in big

    for bad in ("0", "-1"):
        message = market.qty_error(D(bad))
        assert message is not None
        assert "above zero" in message


def test_no_max_quantity_means_no_upper_limit() -> None:
    assert btc().qty_error(D("1000000")) is None


@given(st.integers(1, 2_000), st.integers(1, 2_000_000))
@FAST
def test_notional_error_exactly_when_value_is_below_min_notional(lots: int, ticks: int) -> None:
    market = btc()
    qty, price = lots * market.lot_size, ticks * market.tick_size
    message = market.notional_error(qty, price)
    if qty * price >= market.min_notional:
        assert message is None
    else:
        assert message is not None
        assert "min notional" in message
        assert "5 USDT" in message


def test_notional_message_shows_the_order_value() -> None:
    message = btc().notional_error(D("0.0001"), D("30000.0"))  # worth 3 USDT
    assert message is not None
    assert "3.0 USDT" in message
    assert "below min notional 5 USDT" in message
    assert btc().notional_error(D("0.0001"), D("50000.0")) is None  # exactly 5 is enough


def test_notional_message_never_shows_a_value_that_is_not_below_the_minimum() -> None:
    market = btc()
    qty, price = D("0.00008"), D("62499.9")  # 4.999992 USDT
    message = market.notional_error(qty, price)
    assert message is not None
    shown = D(message.split("order value ")[1].split(" ")[0])
    assert shown < market.min_notional, message
