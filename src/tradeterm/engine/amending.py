"""The checks an amend must pass before it is journaled: what may change on which order,
the market's tick and lot, the fill so far, the funds a bigger order needs, the account's
trading state."""

from __future__ import annotations

from decimal import Decimal

from tradeterm.domain.enums import OrderStatus, TradingState
from tradeterm.domain.errors import OrderRejected
from tradeterm.domain.market import Market
from tradeterm.domain.orders import Order
from tradeterm.engine.accounting import hold_asset, hold_needed
from tradeterm.engine.accounts import AccountState


def check_amend(
    account: AccountState,
    order: Order,
    market: Market,
    price: Decimal | None,
    qty: Decimal,
    stop_price: Decimal | None,
) -> None:
    """Raise OrderRejected naming every rule the amend breaks (nothing is sent then)."""
    client_id = order.client_id
    held = order.status is OrderStatus.EMULATED
    kind = order.type.value.replace("_", "-")
    if price is not None and not order.type.has_limit_price:
        raise OrderRejected(f"a {kind} order has no limit price to change")
    if stop_price is not None and not (held and order.stop_price is not None):
        raise OrderRejected(
            f"only a stop the engine still holds can move its trigger; {client_id} is "
            f"a {kind} order, {order.status.value}"
        )
    if not order.type.has_limit_price and not held:
        raise OrderRejected(
            f"a {kind} order cannot be amended (only orders with a limit price can); "
            "cancel it and place a new one"
        )
    problems = []
    for name, value in (("price", price), ("stop price", stop_price)):
        if value is not None and (problem := market.price_error(value)):
            problems.append(problem.replace("price", name, 1))
    if (problem := market.qty_error(qty)) is not None:
        problems.append(problem)
    elif qty <= order.filled:  # (a quantity that is no number cannot be compared)
        problems.append(f"new quantity {qty} must exceed what already filled ({order.filled})")
    elif account.trading_state is not TradingState.ACTIVE and qty > order.qty:
        state = account.trading_state.value.upper()
        problems.append(
            f"account {account.name} is {state}: an amend may lower the quantity, not raise it"
        )
    if not problems:
        new_price = order.price if price is None else price
        extra = hold_needed(order, qty - order.filled, new_price) - order.reserved
        asset = hold_asset(order, market)
        balance = account.balances.get(asset)
        free = balance.free if balance is not None else Decimal(0)
        if extra > free:
            problems.append(f"insufficient {asset}: need {extra} more, free {free}")
    if problems:
        raise OrderRejected("; ".join(problems))
