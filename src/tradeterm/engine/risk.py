"""Pre-trade checks and the order preview: what an order would do, and every rule it breaks.

``plan_order`` is the single place that turns a PlaceOrder into a quantity, a
price, a hold of funds and a list of problems in plain words. The ticket's live
preview and ``Engine.place`` both call it, so what the preview promises is
exactly what placing checks. The rules of an order's own numbers and shape (ranges,
prices per type, REDUCING, brackets) are in ``order_rules``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from tradeterm.domain.book import OrderBook
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import AccountMode, OrderType, Side, TimeInForce, TradingState
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ZERO, brief, is_multiple, trunc_to
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.order_rules import check_bracket, check_reducing, check_shape, out_of_range
from tradeterm.engine.risk_checks import RiskCheck

#: Market buys hold their estimated cost plus this margin, and may not spend more.
MARKET_BUY_MARGIN = Decimal("0.02")

_MARKET_ON_TRIGGER = {OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET, OrderType.TRAILING_STOP}


@dataclass(slots=True)
class OrderPlan:
    """What an order would do against the current book, and why it may not be placed."""

    market: Market | None
    qty: Decimal = ZERO
    price: Decimal | None = None
    problems: list[str] = field(default_factory=list)
    mid: Decimal | None = None
    fill_now: Decimal = ZERO
    fill_cost: Decimal = ZERO
    worst_price: Decimal | None = None
    avg_price: Decimal | None = None
    slippage_bps: float | None = None
    fee: Decimal = ZERO
    fee_asset: str = ""
    hold: Decimal = ZERO
    hold_asset: str = ""
    budget: Decimal | None = None
    position_after: Decimal | None = None
    base_after: Decimal | None = None
    quote_after: Decimal | None = None
    outcome: str = ""
    """What an IOC or FOK order does against the book now, in words ("" for other orders):
    "fills all 0.02000 BTC at avg 68,010.00", "would be killed: only 0.01300 BTC available at
    or better than 68,000.0", "fills 0.01300 BTC at avg ..., the rest (0.00700) is cancelled"."""
    risk_checks: list[RiskCheck] = field(default_factory=list)  # the account's per-order rules

    @property
    def ok(self) -> bool:
        return not self.problems


def walk(
    book: OrderBook, side: Side, qty: Decimal, limit: Decimal | None
) -> tuple[Decimal, Decimal, Decimal | None]:
    """(quantity, cost, worst price) a taker order would get now, level by level, within
    ``limit``. All exact: no division."""
    levels = book.asks if side is Side.BUY else book.bids
    got = cost = ZERO
    worst: Decimal | None = None
    for price, size in levels.levels_best_first():
        if limit is not None and (price > limit if side is Side.BUY else price < limit):
            break
        take = min(size, qty - got)
        got += take
        cost += take * price
        worst = price
        if got >= qty:
            break
    return got, cost, worst


def _fmt(value: Decimal, places: int) -> str:
    return f"{value:,.{places}f}"


def plan_order(
    cmd: PlaceOrder,
    account: AccountState,
    market: Market | None,
    book: OrderBook | None,
    last_price: Decimal | None = None,
    pending: Mapping[str, Decimal] | None = None,
    *,
    check_funds: bool = True,
) -> OrderPlan:
    """Check ``cmd`` for ``account``; never raises for a user's mistake (see ``problems``).

    ``pending`` is funds held by orders not yet acknowledged, per asset: they
    are not free, though the account's balances do not show them yet.
    """
    if market is None:
        return OrderPlan(None, problems=[f"unknown symbol {cmd.symbol}"])
    plan = OrderPlan(market)
    problems = plan.problems
    kind = cmd.type
    if account.mode is AccountMode.LIVE and not account.armed:
        problems.append(
            f"account {account.name} is LIVE and DISARMED: nothing was sent; "
            f"type :arm and then {account.name} to arm it"
        )
    if account.reconciling:
        problems.append(
            f"account {account.name} is being reconciled with its exchange: nothing was sent; "
            "leave the reconciliation screen (esc) to trade"
        )
    if account.trading_state is TradingState.HALTED:
        problems.append(
            f"account {account.name} is HALTED: no new orders, cancels only (:resume to trade)"
        )
    if out_of_range(cmd, market, problems):
        return plan  # no arithmetic on numbers that are no numbers, or astronomically large
    check_shape(cmd, problems)
    bid = book.best_bid() if book else None
    ask = book.best_ask() if book else None
    plan.mid = book.mid() if book else None
    touch = ask if cmd.side is Side.BUY else bid
    reference = cmd.price or cmd.stop_price or touch or plan.mid or last_price
    # quantity
    sized = True
    if cmd.quote_qty is not None:
        if reference is None:
            problems.append(
                f"no price to size {cmd.quote_qty} {market.quote} from: the book is empty"
            )
            return plan
        if cmd.quote_qty <= 0:
            problems.append(f"order value must be above zero, got {brief(cmd.quote_qty)}")
            return plan
        sized = market.price_error(reference) is None  # else that price's problem is listed
        if sized:
            plan.qty = trunc_to(cmd.quote_qty / reference, market.lot_size)
    elif cmd.qty is not None:
        plan.qty = cmd.qty
    else:
        problems.append("a quantity is needed: base units (0.5) or quote value ($500)")
        return plan
    qty = plan.qty
    if sized and (problem := market.qty_error(qty)) is not None:
        problems.append(problem)
    for name, value in (("price", cmd.price), ("stop price", cmd.stop_price)):
        if value is not None and (problem := market.price_error(value)) is not None:
            problems.append(problem.replace("price", name, 1))
    if cmd.trail is not None and cmd.trail > 0 and not is_multiple(cmd.trail, market.tick_size):
        problems.append(f"trail {brief(cmd.trail)} is not a multiple of tick {market.tick_size}")
    if reference is not None and qty > 0 and (problem := market.notional_error(qty, reference)):
        problems.append(problem)
    plan.price = cmd.price
    if account.trading_state is TradingState.REDUCING:
        check_reducing(cmd, qty, account, market, problems)
    # what would trade now (market, marketable limit)
    if book is not None and qty > 0 and kind in (OrderType.MARKET, OrderType.LIMIT):
        limit = cmd.price if kind is OrderType.LIMIT else None
        got, cost, worst = walk(book, cmd.side, qty, limit)
        plan.fill_now, plan.fill_cost, plan.worst_price = got, cost, worst
        if got:
            plan.avg_price = cost / got
            if plan.mid:
                plan.slippage_bps = (
                    float((plan.avg_price - plan.mid) / plan.mid)
                    * 10_000.0
                    * (1 if cmd.side is Side.BUY else -1)
                )
        if kind is OrderType.MARKET and got == 0:
            side = "asks" if cmd.side is Side.BUY else "bids"
            problems.append(f"the book has no {side}: a market order cannot fill now")
        if cmd.tif is not TimeInForce.GTC:
            plan.outcome = _immediate(plan, cmd, market)
    if cmd.post_only and cmd.price is not None:
        if cmd.side is Side.BUY and ask is not None and cmd.price >= ask:
            problems.append(f"post-only would cross: best ask {_fmt(ask, market.price_places)}")
        if cmd.side is Side.SELL and bid is not None and cmd.price <= bid:
            problems.append(f"post-only would cross: best bid {_fmt(bid, market.price_places)}")
    _check_trigger(cmd, market, last_price or plan.mid, problems)
    _fees(plan, cmd, market)
    if check_funds:
        _funds(plan, cmd, account, market, pending or {})
    check_bracket(plan, cmd, market)
    _after(plan, cmd, account, market)
    return plan


def _check_trigger(
    cmd: PlaceOrder, market: Market, last: Decimal | None, problems: list[str]
) -> None:
    stop = cmd.stop_price
    if stop is None or last is None:
        return
    is_stop = cmd.type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
    above = (cmd.side is Side.BUY) == is_stop  # buy stops and sell take-profits wait above
    shown = _fmt(last, market.price_places)
    if above and stop <= last:
        problems.append(f"trigger {stop} would fire at once: last price {shown}; it must be above")
    if not above and stop >= last:
        problems.append(f"trigger {stop} would fire at once: last price {shown}; it must be below")


def _immediate(plan: OrderPlan, cmd: PlaceOrder, market: Market) -> str:
    """What an IOC or FOK order does now: it takes what the book offers within its limit at
    once, and never rests; a FOK takes all of it or nothing."""
    qty_places, base = market.qty_places, market.base
    got, qty = plan.fill_now, plan.qty
    where = "in the book"
    if cmd.price is not None:
        where = f"at or better than {_fmt(cmd.price, market.price_places)}"
    avg = (
        "" if plan.avg_price is None else f" at avg {_fmt(plan.avg_price, market.price_places + 2)}"
    )
    if got >= qty:
        return f"fills all {_fmt(qty, qty_places)} {base}{avg}"
    if cmd.tif is TimeInForce.FOK:
        return f"would be killed: only {_fmt(got, qty_places)} {base} available {where}"
    if got == 0:
        return f"would be cancelled: nothing available {where}"
    rest = _fmt(qty - got, qty_places)
    return f"fills {_fmt(got, qty_places)} {base}{avg}, the rest ({rest}) is cancelled"


def _fees(plan: OrderPlan, cmd: PlaceOrder, market: Market) -> None:
    price = plan.avg_price or cmd.price or cmd.stop_price or plan.mid
    if price is None:
        return
    taker_part = plan.fill_now if cmd.type in (OrderType.MARKET, OrderType.LIMIT) else plan.qty
    rests = cmd.type is OrderType.LIMIT and cmd.tif is TimeInForce.GTC  # IOC/FOK never rest
    maker_part = plan.qty - taker_part if rests else ZERO
    rate_qty = taker_part * market.taker_fee + maker_part * market.maker_fee
    if cmd.side is Side.BUY:
        plan.fee, plan.fee_asset = rate_qty, market.base
    else:
        plan.fee, plan.fee_asset = rate_qty * price, market.quote


def _funds(
    plan: OrderPlan,
    cmd: PlaceOrder,
    account: AccountState,
    market: Market,
    pending: Mapping[str, Decimal],
) -> None:
    qty = plan.qty
    if qty <= 0:
        return
    if cmd.side is Side.SELL:
        plan.hold, plan.hold_asset = qty, market.base
        places = market.qty_places
    else:
        plan.hold_asset = market.quote
        places = market.price_places
        if cmd.type is OrderType.MARKET:
            if plan.worst_price is None:
                return
            # exact: the walk's cost, the rest priced at the worst level taken; no division
            cost = plan.fill_cost + (qty - plan.fill_now) * plan.worst_price
            plan.hold = plan.budget = cost * (1 + MARKET_BUY_MARGIN)
        elif cmd.type in _MARKET_ON_TRIGGER:
            trigger = cmd.stop_price or plan.mid
            if trigger is None:
                return
            plan.hold = plan.budget = trigger * qty * (1 + MARKET_BUY_MARGIN)
        else:
            price = cmd.price if cmd.price is not None else cmd.stop_price or plan.mid
            if price is None:
                return
            plan.hold = qty * price
    if cmd.reduce_only:
        position = account.positions.get(market.symbol)
        held = position.qty if position else ZERO
        if cmd.side is Side.SELL and qty > held:
            plan.problems.append(
                f"reduce-only sell of {qty} exceeds the position of {held} {market.base}"
            )
        if cmd.side is Side.BUY and held >= 0:
            plan.problems.append("reduce-only buy: there is no short position to reduce")
    balance = account.balances.get(plan.hold_asset)
    free = (balance.free if balance else ZERO) - pending.get(plan.hold_asset, ZERO)
    if plan.hold > free:
        plan.problems.append(
            f"insufficient {plan.hold_asset}: need {_fmt(plan.hold, places)}, "
            f"free {_fmt(free, places)}"
        )


def _after(plan: OrderPlan, cmd: PlaceOrder, account: AccountState, market: Market) -> None:
    price = plan.avg_price or cmd.price or cmd.stop_price or plan.mid
    if price is None or plan.qty <= 0:
        return
    signed = plan.qty if cmd.side is Side.BUY else -plan.qty
    position = account.positions.get(market.symbol)
    base = account.balances.get(market.base)
    quote = account.balances.get(market.quote)
    fee_base = plan.fee if plan.fee_asset == market.base else ZERO
    fee_quote = plan.fee if plan.fee_asset == market.quote else ZERO
    # a position is what is held: a fee in the base asset comes off it
    plan.position_after = (position.qty if position else ZERO) + signed - fee_base
    plan.base_after = (base.total if base else ZERO) + signed - fee_base
    plan.quote_after = (quote.total if quote else ZERO) - signed * price - fee_quote
