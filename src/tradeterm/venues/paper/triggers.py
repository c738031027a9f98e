"""Stop and take-profit triggers on the last trade price.

A stop triggers when the last trade is at or through its price against the
position it protects: a buy stop when ``last >= stop``, a sell stop when
``last <= stop``. A take-profit is the opposite: a sell take-profit when
``last >= trigger``, a buy take-profit when ``last <= trigger``.
"""

from __future__ import annotations

from decimal import Decimal

from tradeterm.domain.enums import OrderType, Side
from tradeterm.venues.paper.model import BUY, PaperOrder

STOPS = frozenset({OrderType.STOP_MARKET, OrderType.STOP_LIMIT})
TAKE_PROFITS = frozenset({OrderType.TAKE_PROFIT_MARKET, OrderType.TAKE_PROFIT_LIMIT})


def triggers_on_rise(order_type: OrderType, side: Side) -> bool:
    """True for orders that trigger when the price rises to them (buy stop, sell take-profit)."""
    return (order_type in STOPS) == (side is BUY)


def is_triggered(order: PaperOrder, last: Decimal) -> bool:
    """Whether a trade at ``last`` triggers ``order`` (which has a trigger price)."""
    stop = order.stop_price
    assert stop is not None
    return last >= stop if triggers_on_rise(order.type, order.side) else last <= stop


def pop_triggered(waiting: list[PaperOrder], last: Decimal) -> list[PaperOrder]:
    """Remove and return the waiting orders a trade at ``last`` triggers, in submission order."""
    fired = [order for order in waiting if is_triggered(order, last)]
    if fired:
        waiting[:] = [order for order in waiting if order not in fired]
        fired.sort(key=lambda order: order.seq)
    return fired
