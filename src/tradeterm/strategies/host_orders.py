"""HostOrders: one strategy instance's orders and the commands it sends, for its StrategyHost.

It keeps the instance's own orders (recognised by the order's ``tag`` on its account),
turns the engine's order events into the strategy's order callbacks, and sends the
commands the strategy's helpers build through ``Engine.execute`` as tasks: a refused
command comes back as ``on_command_refused``, never as an exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradeterm.domain.commands import AmendOrder, CancelOrder, Command, PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import OrderFilled, OrderUpdated
from tradeterm.domain.orders import Order

if TYPE_CHECKING:
    from tradeterm.engine.accounts import AccountState
    from tradeterm.strategies.host import StrategyHost

log = logging.getLogger("tradeterm.strategies")

_ACCEPTED = (OrderStatus.OPEN, OrderStatus.EMULATED)
_CANCELED = (OrderStatus.CANCELED, OrderStatus.EXPIRED)
_REJECTED = (OrderStatus.REJECTED, OrderStatus.DENIED)


class HostOrders:
    """The orders side of one ``StrategyHost``: its orders, their callbacks, its commands."""

    def __init__(self, host: StrategyHost) -> None:
        self.host = host
        self.in_flight = 0
        """Commands sent and not yet answered."""
        self._mine: dict[str, Order] = {}
        self._accepted: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def adopt(self, account: AccountState) -> None:
        """Take back its open orders from before a restart (tagged with its name)."""
        for order in account.open_orders():
            if order.tag == self.host.name:
                self._mine[order.client_id] = order
                self._accepted.add(order.client_id)

    def open_orders(self, side: Side | None = None) -> list[Order]:
        return [o for o in self._mine.values() if o.is_open and (side is None or o.side is side)]

    def cancel_open(self) -> None:
        """Cancel every open order of its own not being cancelled already."""
        for order in self.open_orders():
            if order.status is not OrderStatus.PENDING_CANCEL:
                self.spawn(self._send(CancelOrder(order.client_id)))

    # --- order events -------------------------------------------------------------------------

    def on_order(self, event: OrderUpdated) -> None:
        host, order = self.host, event.order
        if order.tag != host.name or order.account != host.account:
            return
        cid, status = order.client_id, order.status
        self._mine[cid] = order
        strategy = host.strategy
        if status in _ACCEPTED and cid not in self._accepted:
            self._accepted.add(cid)
            host.note(logging.INFO, f"{_order_text(order)} {status.value}")
            host._call(strategy.on_order_accepted, order)
        elif status in _CANCELED:
            self._forget(cid)
            host.note(logging.INFO, f"{_order_text(order)} {status.value}")
            host._call(strategy.on_order_canceled, order)
        elif status in _REJECTED:
            self._forget(cid)
            host.note(logging.WARNING, f"{_order_text(order)} {status.value}: {order.reason}")
            host._call(strategy.on_order_rejected, order, order.reason)

    def on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        order = self._mine.get(fill.client_id)
        if order is None:
            return
        if order.status.is_final:
            self._forget(fill.client_id)
        self.host.note(logging.INFO, f"{_order_text(order)} filled {fill.qty} at {fill.price}")
        self.host._call(self.host.strategy.on_order_filled, order, fill)

    def _forget(self, client_id: str) -> None:
        self._mine.pop(client_id, None)
        self._accepted.discard(client_id)

    # --- commands -----------------------------------------------------------------------------

    def place(
        self,
        side: Side,
        type: OrderType,
        *,
        qty: Decimal | None,
        quote_qty: Decimal | None,
        price: Decimal | None,
        stop_price: Decimal | None,
        tif: TimeInForce,
        post_only: bool,
        reduce_only: bool,
    ) -> None:
        host = self.host
        command = PlaceOrder(
            host.symbol,
            side,
            type,
            qty=qty,
            quote_qty=quote_qty,
            price=price,
            stop_price=stop_price,
            tif=tif,
            post_only=post_only,
            reduce_only=reduce_only,
            account=host.account,
            tag=host.name,
        )
        self.submit(command, new_risk=True)

    def amend(self, order: Order, price: Decimal | None, qty: Decimal | None) -> None:
        self.submit(AmendOrder(order.client_id, price, qty), new_risk=True)

    def cancel(self, order: Order) -> None:
        self.submit(CancelOrder(order.client_id), new_risk=False)

    def submit(self, command: Command, *, new_risk: bool) -> None:
        """Send ``command`` as a task; one that adds risk is refused (and reported) unless
        the strategy is running: paused by the user or by a HALTED account."""
        host = self.host
        if new_risk and not host.running:
            reason = f"strategy {host.name} is {host.state.value}"
            self._refuse(command, reason + (f" ({host.reason})" if host.reason else ""))
            return
        self.spawn(self._send(command))

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=f"strategy {self.host.name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, command: Command) -> None:
        self.in_flight += 1
        try:
            await self.host.engine.execute(command)
        except TradetermError as exc:
            self._refused(command, str(exc))
        except Exception as exc:  # never raised through the bus or the loop
            log.exception("strategy %s: %s failed", self.host.name, type(command).__name__)
            self._refused(command, f"{type(exc).__name__}: {exc}")
        finally:
            self.in_flight -= 1

    def _refused(self, command: Command, reason: str) -> None:
        if self.host.alive:
            self._refuse(command, reason)

    def _refuse(self, command: Command, reason: str) -> None:
        host = self.host
        host.note(logging.WARNING, f"{type(command).__name__} refused: {reason}")
        host._call(host.strategy.on_command_refused, command, reason, journal=False)


def _order_text(order: Order) -> str:
    """``order c12 buy 0.001 BTC/USDT @ 60000`` (market orders without a price)."""
    price = f" @ {order.price}" if order.price is not None else ""
    return f"order {order.client_id} {order.side.value} {order.qty} {order.symbol}{price}"
