"""The rules an order's own numbers and shape must follow, each adding its problems in words.

``risk.plan_order`` runs them: the numbers' ranges, which prices an order type takes, what
an account that is REDUCING lets through, and where a bracket's take-profit and stop-loss
may lie.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side, TimeInForce
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import MAX_PRICE, MAX_VALUE, ZERO, range_error
from tradeterm.engine.accounts import AccountState

if TYPE_CHECKING:
    from tradeterm.engine.risk import OrderPlan

_NEEDS_STOP = {
    OrderType.STOP_MARKET,
    OrderType.STOP_LIMIT,
    OrderType.TAKE_PROFIT_MARKET,
    OrderType.TAKE_PROFIT_LIMIT,
}


def out_of_range(cmd: PlaceOrder, market: Market, problems: list[str]) -> bool:
    """Add a problem for each of ``cmd``'s numbers that is NaN, infinite or beyond its limit
    (``MAX_PRICE``, ``MAX_VALUE``, the market's quantity limit); True when there was one."""
    found = [] if cmd.qty is None else [market.qty_range_error(cmd.qty)]
    fields = (
        ("order value", cmd.quote_qty, MAX_VALUE, market.quote),
        ("price", cmd.price, MAX_PRICE, ""),
        ("stop price", cmd.stop_price, MAX_PRICE, ""),
        ("trail", cmd.trail, MAX_PRICE, ""),
        ("take-profit", cmd.take_profit, MAX_PRICE, ""),
        ("stop-loss", cmd.stop_loss, MAX_PRICE, ""),
    )
    found += [
        range_error(name, value, limit, unit)
        for name, value, limit, unit in fields
        if value is not None
    ]
    problems.extend(problem for problem in found if problem is not None)
    return any(found)


def check_shape(cmd: PlaceOrder, problems: list[str]) -> None:
    """The prices and options ``cmd``'s order type needs, and those it takes none of."""
    kind = cmd.type
    if kind.has_limit_price and cmd.price is None:
        problems.append(f"a {kind.value.replace('_', '-')} order needs a limit price (@ PRICE)")
    if not kind.has_limit_price and cmd.price is not None:
        problems.append(f"a {kind.value.replace('_', '-')} order takes no limit price")
    if kind in _NEEDS_STOP and cmd.stop_price is None:
        problems.append(
            f"a {kind.value.replace('_', '-')} order needs a trigger price (stop PRICE)"
        )
    if kind not in _NEEDS_STOP and cmd.stop_price is not None:
        problems.append(f"a {kind.value.replace('_', '-')} order takes no trigger price")
    if kind is OrderType.TRAILING_STOP and (cmd.trail is None or cmd.trail <= 0):
        problems.append("a trailing stop needs a trail distance above zero (trail AMOUNT)")
    if cmd.post_only and (kind is not OrderType.LIMIT or cmd.tif is not TimeInForce.GTC):
        problems.append("post-only applies to GTC limit orders only")
    if cmd.tif is not TimeInForce.GTC and kind not in (OrderType.LIMIT, OrderType.MARKET):
        problems.append(f"{cmd.tif.value.upper()} applies to limit and market orders only")


def check_reducing(
    cmd: PlaceOrder, qty: Decimal, account: AccountState, market: Market, problems: list[str]
) -> None:
    """REDUCING lets through only an order that shrinks the position (on spot: a sell of
    at most what is held, less what open sells already offer)."""
    held = account.positions[cmd.symbol].qty if cmd.symbol in account.positions else ZERO
    sells = [o for o in account.open_orders() if o.symbol == cmd.symbol and o.side is Side.SELL]
    offered = sum((o.remaining for o in sells), ZERO)
    room = held - offered if cmd.side is Side.SELL else -held
    if room <= 0 or qty > room:
        most = f"{max(room, ZERO):f} {market.base}" if cmd.side is Side.SELL else "nothing"
        problems.append(
            f"account {account.name} is REDUCING: only orders that shrink a position pass; "
            f"a {cmd.side.value} on {cmd.symbol} may be at most {most} (:resume to trade)"
        )


def check_bracket(plan: OrderPlan, cmd: PlaceOrder, market: Market) -> None:
    """A bracket's take-profit must lie beyond the entry and its stop-loss on the other side."""
    tp, sl = cmd.take_profit, cmd.stop_loss
    if tp is None and sl is None:
        return
    if tp is None or sl is None:
        plan.problems.append(
            "a bracket needs both a take-profit (tp PRICE) and a stop-loss (sl PRICE)"
        )
        return
    if cmd.type not in (OrderType.MARKET, OrderType.LIMIT):
        plan.problems.append("brackets go on market or limit entries only")
        return
    for name, value in (("take-profit", tp), ("stop-loss", sl)):
        if (problem := market.price_error(value)) is not None:
            plan.problems.append(problem.replace("price", name, 1))
    entry = cmd.price or plan.avg_price or plan.mid
    if entry is None:
        return
    if cmd.side is Side.BUY and not sl < entry < tp:
        plan.problems.append(f"a long bracket needs stop-loss < entry {entry} < take-profit")
    if cmd.side is Side.SELL and not tp < entry < sl:
        plan.problems.append(f"a short bracket needs take-profit < entry {entry} < stop-loss")
