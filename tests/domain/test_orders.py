"""The order state machine (transition table) and the Order's derived figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.orders import TRANSITIONS, InvalidTransition, Order, can_transition

S = OrderStatus
FINAL = {s for s in OrderStatus if s.is_final}


def order(status: OrderStatus = S.SUBMITTED) -> Order:
    return Order(
        client_id="c-1",
        account="paper",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=Decimal("3"),
        price=Decimal("100"),
        status=status,
    )


def test_every_status_has_a_row() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


def test_final_states_are_exactly_filled_canceled_rejected_expired_denied() -> None:
    assert {S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED, S.DENIED} == FINAL


@pytest.mark.parametrize("final", sorted(FINAL))
def test_final_states_have_no_exits(final: OrderStatus) -> None:
    assert TRANSITIONS[final] == frozenset()
    for new in OrderStatus:
        assert not can_transition(final, new)
        o = order(final)
        with pytest.raises(InvalidTransition, match=f"{final}"):
            o.transition(new)
        assert o.status is final


def test_nothing_goes_back_to_submitted_or_into_denied() -> None:
    # an order is born SUBMITTED (sent), EMULATED (held by the engine) or DENIED (never left)
    for status in OrderStatus:
        assert not can_transition(status, S.SUBMITTED)
        assert not can_transition(status, S.DENIED)
    assert not any(can_transition(s, S.EMULATED) for s in (S.OPEN, S.TRIGGERED, S.SUBMITTED))


def test_every_open_state_can_still_end_and_every_final_state_is_reachable() -> None:
    reachable = {S.SUBMITTED, S.EMULATED, S.DENIED}
    frontier = [S.SUBMITTED, S.EMULATED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(OrderStatus)
    for status in set(OrderStatus) - FINAL:
        assert TRANSITIONS[status] & FINAL, f"{status} can never finish"


def test_only_an_order_the_venue_has_not_accepted_can_be_rejected() -> None:
    # PENDING_CANCEL: the user cancelled while the new order was still travelling
    # TRIGGERED: the order a stop became is on its way to the venue
    rejectable = [s for s in OrderStatus if can_transition(s, S.REJECTED)]
    assert rejectable == [S.SUBMITTED, S.TRIGGERED, S.PENDING_CANCEL]


@pytest.mark.parametrize("current", list(OrderStatus))
@pytest.mark.parametrize("new", list(OrderStatus))
def test_transition_follows_the_table(current: OrderStatus, new: OrderStatus) -> None:
    o = order(current)
    if new in TRANSITIONS[current]:
        o.transition(new)
        assert o.status is new
    else:
        with pytest.raises(InvalidTransition) as info:
            o.transition(new)
        assert o.status is current
        assert "c-1" in str(info.value)
        assert isinstance(info.value, ValueError)


def test_a_typical_life_partial_fills_then_filled() -> None:
    o = order()
    for status in (S.OPEN, S.PARTIALLY_FILLED, S.PARTIALLY_FILLED, S.FILLED):
        o.transition(status)
    assert not o.is_open
    with pytest.raises(InvalidTransition):
        o.transition(S.CANCELED)


def test_remaining_and_average_price() -> None:
    o = order()
    assert o.remaining == Decimal("3")
    assert o.avg_price is None
    assert o.is_open
    # two fills: 1 @ 100 and 0.5 @ 97
    o.filled = Decimal("1") + Decimal("0.5")
    o.cost = Decimal("1") * 100 + Decimal("0.5") * 97
    assert o.remaining == Decimal("3") - Decimal("1.5")
    assert o.avg_price == (Decimal("100") + Decimal("48.5")) / Decimal("1.5")
