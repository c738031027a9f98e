"""One log line per execution event (fill, cancel, amend, expiry, rejection, trigger), at INFO.

``Trading`` calls ``log_execution`` once an event is journaled and applied, the one place
every venue's and the emulator's events pass, so the log pane records what became of each
order, not only that it was placed. Each line names the account, side, quantity, symbol and
price (to the market's lot and tick), and the reason when there is one.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from tradeterm.domain.enums import OrderStatus, TimeInForce
from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
)
from tradeterm.domain.market import Market
from tradeterm.domain.orders import Order

log = logging.getLogger("tradeterm.engine.orders")


def _num(value: Decimal, places: int) -> str:
    return f"{value:,.{places}f}"


def order_text(order: Order, market: Market) -> str:
    """``paper sell 0.02000 BTC/USDT @ 68,000.0``: the order as the log and notices name it."""
    text = f"{order.account} {order.side.value} {_num(order.qty, market.qty_places)} {order.symbol}"
    if order.price is not None:
        text += f" @ {_num(order.price, market.price_places)}"
    elif order.stop_price is not None:
        text += f" stop {_num(order.stop_price, market.price_places)}"
    else:
        text += " market"
    return f"{text} ({order.client_id})"


def expired_words(order: Order, market: Market) -> str:
    """How an expired order ended: ``killed`` (a FOK that could not fill whole), ``expired
    unfilled``, or ``expired after filling 0.013`` (an IOC or market order's remainder)."""
    if order.filled == 0:
        return "killed" if order.tif is TimeInForce.FOK else "expired unfilled"
    return f"expired after filling {_num(order.filled, market.qty_places)}"


def execution_text(order: Order, event: ExecutionEvent, market: Market) -> str | None:
    """The log line for ``event`` on ``order`` (already applied), or None for events that
    are not worth a line (accepted, queue estimates)."""
    what = order_text(order, market)
    if isinstance(event, OrderFilled):
        fill = event.fill
        qty = _num(fill.qty, market.qty_places)
        price = _num(fill.price, market.price_places)
        state = "filled" if order.status is OrderStatus.FILLED else "partly filled"
        fee = f"{fill.fee.normalize():f} {fill.fee_asset}"
        return f"{what} {state}: {qty} at {price} ({fill.liquidity.value}, fee {fee})"
    if isinstance(event, OrderCanceled):
        return f"{what} canceled" + (f": {event.reason}" if event.reason else "")
    if isinstance(event, OrderAmended):
        queue = "queue place kept" if event.kept_queue else "back of the queue"
        return f"{what} amended ({queue})"
    if isinstance(event, OrderExpired):
        return f"{what} {expired_words(order, market)}" + (
            f": {event.reason}" if event.reason else ""
        )
    if isinstance(event, OrderRejected):
        if event.reason.startswith("amend"):
            return f"{what}: {event.reason}"
        return f"{what} refused by the venue: {event.reason}"
    if isinstance(event, OrderTriggered):
        return f"{what} triggered: its order is on the way"
    if isinstance(event, OrderAccepted):
        return None
    return None


def log_execution(order: Order, event: ExecutionEvent, market: Market) -> None:
    """Log ``event`` on ``order`` at INFO (see ``execution_text``)."""
    if not log.isEnabledFor(logging.INFO):
        return
    text = execution_text(order, event, market)
    if text is not None:
        log.info("%s", text)
