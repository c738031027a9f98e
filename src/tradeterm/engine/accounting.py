"""Applying execution events to an account: order state, reservations, balances, positions.

The same functions run live and when the ledger is replayed after a restart,
so the restored state is exactly the state that was acknowledged.

Money rules (spot):
- a buy holds ``remaining x limit price`` of the quote asset (market buys hold
  their estimated cost); a sell holds ``remaining`` of the base asset;
- a fill moves ``qty`` base against ``qty x price`` quote, then takes the fee
  from the fee asset's total (buys: base, sells: quote, as the venue reports);
- the hold for the filled part is released; a final order releases what is left;
- the position holds what the balance holds: a base fee comes off its quantity, every fee
  goes into its cost or off its proceeds (see ``Position.apply``).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from tradeterm.domain.account import fee_parts
from tradeterm.domain.enums import AccountMode, OrderStatus, Side
from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    QueueUpdated,
)
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ZERO
from tradeterm.domain.orders import InvalidTransition, Order
from tradeterm.engine.accounts import AccountState

log = logging.getLogger("tradeterm.engine")


def hold_asset(order: Order, market: Market) -> str:
    return market.quote if order.side is Side.BUY else market.base


def required_hold(order: Order, reference_price: Decimal | None = None) -> Decimal:
    """What the order's unfilled part must hold: quote for buys, base for sells."""
    price = order.price if order.price is not None else reference_price
    return hold_needed(order, order.remaining, price)


def hold_needed(order: Order, remaining: Decimal, price: Decimal | None) -> Decimal:
    """What ``remaining`` of ``order`` at ``price`` must hold (an amend asks before it changes
    the order): quote for buys, base for sells."""
    if order.side is Side.SELL:
        return remaining
    if price is None:
        raise ValueError(f"order {order.client_id}: a buy needs a price to size its hold")
    return remaining * price


def hold(account: AccountState, order: Order, market: Market, amount: Decimal) -> None:
    """Hold ``amount`` more of the order's asset (negative releases)."""
    account.balance(hold_asset(order, market)).reserved += amount
    order.reserved += amount


def release_all(account: AccountState, order: Order, market: Market) -> None:
    if order.reserved:
        hold(account, order, market, -order.reserved)


def _move(order: Order, status: OrderStatus) -> None:
    try:
        order.transition(status)
    except InvalidTransition as exc:
        log.error("%s (event applied to balances anyway)", exc)


def apply_execution(
    account: AccountState, order: Order, market: Market, event: ExecutionEvent, ts_ns: int
) -> None:
    """Apply one venue event to ``order`` and ``account``."""
    order.updated_ns = ts_ns
    if isinstance(event, OrderFilled):
        _apply_fill(account, order, market, event)
    elif isinstance(event, OrderAccepted):
        if event.venue_order_id:
            order.venue_order_id = event.venue_order_id
        if order.status in (OrderStatus.SUBMITTED, OrderStatus.PENDING_AMEND):
            _move(order, order.working_status())
    elif isinstance(event, OrderRejected) and order.status is OrderStatus.PENDING_AMEND:
        order.reason = event.reason  # "amend rejected: ...": the order itself stands
        _move(order, order.working_status())
    elif isinstance(event, OrderCanceled | OrderExpired | OrderRejected):
        status = {
            OrderCanceled: OrderStatus.CANCELED,
            OrderExpired: OrderStatus.EXPIRED,
            OrderRejected: OrderStatus.REJECTED,
        }[type(event)]
        order.reason = event.reason
        if not order.status.is_final:
            _move(order, status)
        release_all(account, order, market)
    elif isinstance(event, OrderAmended):
        order.qty = event.qty
        if event.price is not None:
            order.price = event.price
        if event.stop_price is not None:
            order.stop_price = event.stop_price
        order.queue_ahead = None if not event.kept_queue else order.queue_ahead
        if order.status is OrderStatus.PENDING_AMEND:
            _move(order, order.working_status())
        hold(account, order, market, required_hold(order) - order.reserved)
    elif isinstance(event, OrderTriggered):
        order.triggered_ns = event.ts_ns or ts_ns
        if order.status in (OrderStatus.SUBMITTED, OrderStatus.OPEN, OrderStatus.EMULATED):
            _move(order, OrderStatus.TRIGGERED)
    elif isinstance(event, QueueUpdated):
        order.queue_ahead = event.queue_ahead


def _apply_fill(account: AccountState, order: Order, market: Market, event: OrderFilled) -> None:
    fill = event.fill
    notional = fill.price * fill.qty
    order.filled += fill.qty
    order.cost += notional
    order.fee += fill.fee
    order.fee_asset = fill.fee_asset
    if order.filled > order.qty:
        log.error("order %s filled %s of %s", order.client_id, order.filled, order.qty)
    if fill.side is Side.BUY:
        moves = ((market.base, fill.qty), (market.quote, -notional))
        per_unit = order.price if order.price is not None else fill.price
        release = min(order.reserved, fill.qty * per_unit)
    else:
        moves = ((market.base, -fill.qty), (market.quote, notional))
        release = min(order.reserved, fill.qty)
    live = account.spec.mode is AccountMode.LIVE
    for asset, delta in (*moves, (fill.fee_asset, -fill.fee)):
        # live: an exchange balance stamped after the fill has it already (balance_stamps)
        if not live or account.stamps.book(asset, delta, fill.ts_ns):
            account.balance(asset).total += delta
    hold(account, order, market, -release)
    fee_quote, fee_base = fee_parts(fill.fee, fill.fee_asset, market.base, market.quote)
    account.position(fill.symbol).apply(fill.side, fill.qty, fill.price, fee_quote, fee_base)
    account.fills.appendleft(fill)
    if not order.status.is_final:
        done = order.filled >= order.qty
        _move(order, OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED)
    if order.status.is_final:
        release_all(account, order, market)


def free(account: AccountState, asset: str) -> Decimal:
    bal = account.balances.get(asset)
    return bal.free if bal is not None else ZERO
