"""Positions built from fills, matched first-in first-out; balances."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.domain.account import Balance, Position
from tradeterm.domain.enums import Side

D = Decimal
BUY, SELL = Side.BUY, Side.SELL


def test_partial_sells_realize_pnl_against_the_oldest_lots_first() -> None:
    pos = Position("ETH/USDT")
    assert pos.apply(BUY, D("1"), D("100")) == 0
    assert pos.apply(BUY, D("2"), D("110")) == 0
    assert pos.qty == D("3")
    assert pos.avg_cost == (D("1") * 100 + D("2") * 110) / 3

    # selling 2 closes the whole 100 lot first, then one unit of the 110 lot
    realized = pos.apply(SELL, D("2"), D("120"))
    assert realized == D("1") * (120 - 100) + D("1") * (120 - 110)
    assert pos.qty == D("1")
    assert pos.avg_cost == D("110")  # only the newer lot is left
    assert pos.unrealized(D("130")) == D("1") * (130 - 110)
    assert pos.unrealized(None) == 0

    # a LIFO book would have realized 2 * (120 - 110) = 20 and kept the 100 lot
    assert pos.realized_pnl == 30


def test_selling_through_zero_flips_to_a_short_at_the_fill_price() -> None:
    pos = Position("ETH/USDT")
    pos.apply(BUY, D("1"), D("110"))
    realized = pos.apply(SELL, D("3"), D("90"))
    assert realized == D("1") * (90 - 110)  # only the long unit realizes
    assert pos.qty == D("-2")
    assert pos.avg_cost == D("90")
    # a short gains when the mark falls
    assert pos.unrealized(D("80")) == D("-2") * (80 - 90)
    assert pos.unrealized(D("80")) > 0

    # buying back part of the short realizes (entry - exit) per unit
    realized = pos.apply(BUY, D("0.5"), D("95"))
    assert realized == D("0.5") * (90 - 95)
    assert pos.qty == D("-1.5")
    assert pos.realized_pnl == D("1") * (90 - 110) + D("0.5") * (90 - 95)

    # and buying through zero flips back to long
    pos.apply(BUY, D("2"), D("85"))
    assert pos.qty == D("0.5")
    assert pos.avg_cost == D("85")
    assert pos.realized_pnl == D("-20") + D("-2.5") + D("1.5") * (90 - 85)


def test_flat_position_has_no_cost_and_no_lots() -> None:
    pos = Position("X/Y")
    assert pos.avg_cost is None
    pos.apply(BUY, D("2"), D("10"))
    pos.apply(SELL, D("2"), D("12"))
    assert pos.qty == 0
    assert pos.avg_cost is None
    assert not pos.lots
    assert pos.unrealized(D("100")) == 0
    assert pos.realized_pnl == D("2") * (12 - 10)


def test_quote_fees_go_into_the_cost_and_come_off_the_proceeds() -> None:
    pos = Position("X/Y")
    realized = pos.apply(BUY, D("1"), D("10"), fee_quote=D("0.01"))
    assert realized == 0
    assert pos.avg_cost == D("10.01")  # paid 10 for the unit and 0.01 fee
    realized = pos.apply(SELL, D("1"), D("11"), fee_quote=D("0.011"))
    # proceeds 11 - 0.011 = 10.989, cost 10.01 -> 0.979
    assert realized == D("0.979") == pos.realized_pnl
    assert pos.fees == D("0.021")


def test_a_base_fee_comes_off_the_quantity_held_and_is_part_of_the_cost() -> None:
    pos = Position("BTC/USDT")
    # buy 0.01 @ 60000, fee 0.1 % in BTC = 0.00001: holds 0.00999 for the 600 USDT paid
    pos.apply(BUY, D("0.01"), D("60000"), fee_base=D("0.00001"))
    assert pos.qty == D("0.00999")
    assert pos.avg_cost == D("600") / D("0.00999")
    assert pos.fees == D("0.6")  # 0.00001 BTC valued at the fill price
    assert pos.unrealized(D("60000")) == D("0.00999") * 60000 - 600 == D("-0.6")
    # sell all 0.00999 @ 61000, fee 0.1 % in USDT: 609.39 - 0.60939 = 608.78061 in
    realized = pos.apply(SELL, D("0.00999"), D("61000"), fee_quote=D("0.60939"))
    assert realized == D("608.78061") - D("600") == D("8.78061")
    assert pos.qty == 0 and not pos.lots  # nothing left over
    assert pos.fees == D("0.6") + D("0.60939")


def test_a_sell_fee_in_base_takes_more_from_the_position() -> None:
    pos = Position("X/Y")
    pos.apply(BUY, D("2"), D("10"))
    # sells 1 and pays 0.01 X as fee: gives up 1.01 of the 20 paid for 2 -> basis 10.1
    realized = pos.apply(SELL, D("1"), D("12"), fee_base=D("0.01"))
    assert pos.qty == D("0.99")
    assert realized == D("12") - D("10.1")


fills = st.lists(
    st.tuples(
        st.sampled_from(Side),
        st.integers(1, 500).map(lambda n: D(n) / 100),
        st.integers(1, 20_000).map(lambda n: D(n) / 100),
    ),
    min_size=1,
    max_size=25,
)


@given(fills, st.integers(1, 20_000).map(lambda n: D(n) / 100))
@settings(max_examples=100, deadline=None)
def test_realized_plus_unrealized_equals_cash_flow_plus_marked_inventory(
    trades: list[tuple[Side, Decimal, Decimal]], mark: Decimal
) -> None:
    pos = Position("X/Y")
    cash = D(0)
    inventory = D(0)
    realized_sum = D(0)
    for side, qty, price in trades:
        realized_sum += pos.apply(side, qty, price)
        cash += -qty * price if side is BUY else qty * price
        inventory += qty if side is BUY else -qty
        # all open lots point the same way, and they add up to the inventory
        assert pos.qty == inventory
        assert len({lot.qty > 0 for lot in pos.lots}) <= 1
        assert all(lot.qty != 0 for lot in pos.lots)
    assert realized_sum == pos.realized_pnl
    assert pos.realized_pnl + pos.unrealized(mark) == cash + inventory * mark


def test_balance_free_is_total_minus_reserved() -> None:
    bal = Balance("USDT", total=D("100"), reserved=D("30.5"))
    assert bal.free == D("69.5")
    bal.reserved += D("69.5")
    assert bal.free == 0


@given(fills, st.integers(1, 20_000).map(lambda n: D(n) / 100), st.booleans())
@settings(max_examples=100, deadline=None)
def test_with_fees_realized_plus_unrealized_is_the_cash_flow_plus_what_is_held(
    trades: list[tuple[Side, Decimal, Decimal]], mark: Decimal, base_fees: bool
) -> None:
    """Fees of 0.1 %, in the base asset (buys) or all in quote: the position holds exactly
    the base that moved, and realized + unrealized is the cash that moved (fees paid) plus
    what is held at the mark, up to the rounding of dividing a lot's cost."""
    pos = Position("X/Y")
    cash = D(0)
    held = D(0)
    for side, qty, price in trades:
        rate = D("0.001")
        if side is BUY and base_fees:
            fee = qty * rate
            pos.apply(side, qty, price, fee_base=fee)
            held += qty - fee
            cash -= qty * price
        else:
            fee = qty * price * rate
            pos.apply(side, qty, price, fee_quote=fee)
            held += qty if side is BUY else -qty
            cash += -qty * price - fee if side is BUY else qty * price - fee
        assert pos.qty == held
    assert abs(pos.realized_pnl + pos.unrealized(mark) - (cash + held * mark)) < D("1e-18")
