"""Previews of an order action before it is taken: what a new order would do, what an amend
does to the queue place.

``preview`` is what the ticket shows live and what ``Trading.place`` checks, so what the
preview promises is exactly what placing checks (see ``risk.plan_order``).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.orders import amend_keeps_queue
from tradeterm.engine.risk import OrderPlan, plan_order

if TYPE_CHECKING:
    from tradeterm.engine.trading import Trading


def preview(
    trading: Trading, cmd: PlaceOrder, *, check_funds: bool = True, placing: bool = False
) -> OrderPlan:
    """What ``cmd`` would do now, and every rule it breaks, the risk manager's too."""
    state = trading.engine.state
    try:
        account = trading.account(cmd.account)
        symbol = trading.engine.state.local_symbol(account, cmd.symbol)
    except TradetermError as exc:
        return OrderPlan(None, problems=[str(exc)])
    if symbol != cmd.symbol:
        cmd = replace(cmd, symbol=symbol)
    inst = state.instrument(account, cmd.symbol)
    plan = plan_order(
        cmd,
        account,
        state.markets.get(inst),
        state.books.get(inst),
        trading.last_price(inst),
        trading.pending_for(account),
        check_funds=check_funds,
    )
    plan.problems += trading.engine.risk.vetoes(cmd, account, plan, log_them=placing)
    return plan


def amend_preview(trading: Trading, client_id: str, price: Decimal | None, qty: Decimal) -> str:
    """What an amend would do to the queue place, in words, before the user confirms."""
    account, order = trading.order(client_id)
    venue_note = getattr(trading.engine.venues.get(account.name), "amend_note", None)
    if callable(venue_note):  # a live venue says how its exchange amends
        return str(venue_note())
    if amend_keeps_queue(order, price, qty):
        return "keeps its place in the queue (lower quantity, same price)"
    return "goes to the back of the queue (new price or more quantity)"
