"""Closing positions (a reduce-only market order for what is held, to the lot) and sizing
orders as a share of what is held (``sell 50%``, ``sell all``, ``buy 25%``).

A position is what the account holds (fees in the base asset already taken off), so
closing it sells that quantity, cut down to the market's lot. What cannot be sold (less
than a lot, or worth less than the minimum notional) stays behind as dust, and the
result says so in words. A short position (sold from a starting balance) is bought back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.commands import ClosePosition, PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ZERO, trunc_to
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.risk import MARKET_BUY_MARGIN

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine


def _amount(value: Decimal) -> str:
    """A quantity with every digit it has and none it lacks (dust is often tiny)."""
    return f"{value.normalize():f}" if value else "0"


def held_to_lot(account: AccountState, market: Market, fraction: Decimal = Decimal(1)) -> Decimal:
    """``fraction`` of the position's size (the quantity held, or owed for a short), rounded
    down to the lot; for a long, never more than the free base balance."""
    position = account.positions.get(market.symbol)
    held = position.qty if position is not None else ZERO
    if held > 0:
        balance = account.balances.get(market.base)
        held = min(held, balance.free if balance is not None else ZERO)
    return trunc_to(abs(held) * fraction, market.lot_size) if held else ZERO


@dataclass(frozen=True, slots=True)
class ClosePlan:
    """What closing one position would do: ``qty`` to trade on ``side`` (0: nothing is sent),
    ``left`` what stays behind, and ``remark`` saying why."""

    symbol: str
    side: Side
    qty: Decimal
    left: Decimal
    remark: str = ""

    def describe(self, order: Order | None = None) -> str:
        """In words: 'sold 0.00999 BTC/USDT at market; dust 0.00000099 BTC remains (...)'."""
        done = order is not None and order.status is OrderStatus.FILLED
        verb = {Side.SELL: ("selling", "sold"), Side.BUY: ("buying", "bought")}[self.side][done]
        parts = []
        if self.qty:
            parts.append(f"{verb} {_amount(self.qty)} {self.symbol} at market")
        if self.remark:
            parts.append(self.remark)
        return "; ".join(parts)


def plan_close(engine: Engine, account: AccountState, symbol: str) -> ClosePlan:
    """What closing ``symbol``'s position in ``account`` would do now (never sends anything).

    Raises:
        TradetermError: an unknown symbol, or no position in it.
    """
    inst = engine.state.instrument(account, symbol)
    market = engine.state.markets.get(inst)
    if market is None:
        raise TradetermError(f"unknown symbol {symbol!r} on {inst.venue}")
    position = account.positions.get(symbol)
    held = position.qty if position is not None else ZERO
    if not held:
        raise TradetermError(f"no {symbol} position to close in account {account.name}")
    side = Side.SELL if held > 0 else Side.BUY
    size, base = abs(held), market.base
    qty = held_to_lot(account, market)
    whole = trunc_to(size, market.lot_size)
    if qty < whole:  # part of the base is held by open sell orders
        remark = f"{_amount(size - qty)} {base} stays (held by open orders: cancel them first)"
    elif size > qty:
        remark = (
            f"dust {_amount(size - qty)} {base} remains (below the lot {_amount(market.lot_size)})"
        )
    else:
        remark = ""
    price = _reference_price(engine, inst, side)
    if qty and qty < market.min_qty:
        least = _amount(market.min_qty)
        remark = f"{_amount(size)} {base} stays (below the minimum quantity {least} {base})"
        qty = ZERO
    elif qty and price is not None and market.notional_error(qty, price) is not None:
        remark = (
            f"{_amount(size)} {base} stays (worth less than the minimum order "
            f"{_amount(market.min_notional)} {market.quote})"
        )
        qty = ZERO
    return ClosePlan(symbol, side, qty, size - qty, remark)


def _reference_price(engine: Engine, inst: Instrument, side: Side) -> Decimal | None:
    book = engine.state.books.get(inst)
    if book is not None:
        price = book.best_bid() if side is Side.SELL else book.best_ask()
        if price is not None:
            return price
    return engine.trading.last_price(inst)


async def close_position(engine: Engine, command: ClosePosition) -> str:
    """Carry out ``command``: one reduce-only market order per position; returns what was
    done in words, one clause per symbol.

    Raises:
        TradetermError: an unknown account or symbol, or no position in the symbol asked for.
        OrderRejected: the closing order of the one symbol asked for was refused.
    """
    account = engine.trading.account(command.account)
    if command.symbol is not None:
        plan = plan_close(engine, account, command.symbol)
        order = await _send(engine, account, plan)
        return plan.describe(order)
    symbols = sorted(s for s, p in account.positions.items() if p.qty)
    if not symbols:
        return f"no positions to close in account {account.name}"
    said = []
    for symbol in symbols:
        try:
            plan = plan_close(engine, account, symbol)
            order = await _send(engine, account, plan)
        except TradetermError as exc:  # one refusal does not stop the others
            said.append(f"{symbol} not closed: {exc}")
            continue
        said.append(plan.describe(order))
    return "; ".join(said)


async def _send(engine: Engine, account: AccountState, plan: ClosePlan) -> Order | None:
    if not plan.qty:
        return None
    return await engine.place(
        PlaceOrder(
            plan.symbol,
            plan.side,
            OrderType.MARKET,
            qty=plan.qty,
            reduce_only=True,
            account=account.name,
        )
    )


def sell_share(account: AccountState, market: Market, percent: Decimal) -> Decimal:
    """``percent`` of a long position (of the free base balance when there is no long
    position) in base units, rounded down to the lot: what ``sell N%`` and ``sell all`` sell."""
    fraction = percent / 100
    position = account.positions.get(market.symbol)
    if position is not None and position.qty > 0:
        return held_to_lot(account, market, fraction)
    balance = account.balances.get(market.base)
    free = balance.free if balance is not None else ZERO
    return trunc_to(free * fraction, market.lot_size) if free > 0 else ZERO


def buy_share(account: AccountState, market: Market, percent: Decimal, at_market: bool) -> Decimal:
    """``percent`` of the free quote balance, as the value of a buy (``buy N%``); a market
    buy leaves room for the margin its hold takes above the book's price."""
    balance = account.balances.get(market.quote)
    free = balance.free if balance is not None else ZERO
    value = max(free, ZERO) * percent / 100
    return value / (1 + MARKET_BUY_MARGIN) if at_market else value
