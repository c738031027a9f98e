"""Order types run by the engine when a venue lacks them: trailing stops, OCO pairs, brackets.

- Trailing stop: the engine follows the last trade price; a sell trails the
  highest price since it was placed by ``trail`` and fires when the price falls
  that far (a buy mirrors it). Firing sends a market order under the same
  client id, spending at most the funds held for it.
- OCO exit pair (take-profit + stop-loss for a position): the take-profit is a
  limit resting at the venue and holds the base asset; the stop-loss is
  watched here and holds nothing, so the pair never holds the funds twice.
  A fill on the take-profit cancels the stop-loss. When the stop-loss fires it
  first cancels the take-profit, then sells what that release frees, at market.
- Bracket: an entry order carrying take-profit and stop-loss prices; when the
  entry is done (filled, or ended with a partial fill) an OCO pair for the
  filled quantity is placed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrderTriggered,
    OrderUpdated,
    TradePrinted,
)
from tradeterm.domain.orders import Order
from tradeterm.engine.accounting import hold, required_hold

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.emulator")


@dataclass(slots=True)
class _Watch:
    """An emulated trigger the engine is watching."""

    order: Order
    extreme: Decimal | None = None  # trailing: best price seen since placement
    fired: bool = False


def _child(order: Order) -> Order:
    """What a fired order becomes at the venue, under the same client id: a limit at its
    limit price (stop-limit, take-profit-limit), else a market order spending at most
    the funds held for it."""
    if order.type.has_limit_price:
        return replace(order, type=OrderType.LIMIT, stop_price=None)
    return replace(
        order,
        type=OrderType.MARKET,
        price=None,
        stop_price=None,
        budget=order.reserved if order.side is Side.BUY else None,
    )


class Emulator:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._watching: dict[str, _Watch] = {}
        self._live: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._bracketed: set[str] = set()  # entries whose exit pair is being placed
        self._fired: set[str] = set()  # fired, waiting for TRIGGERED to be durable
        engine.bus.subscribe(TradePrinted, self._on_trade)
        engine.bus.subscribe(OrderUpdated, self._on_order)
        engine.bus.subscribe(OrderFilled, self._on_fill)

    # --- called by Trading ------------------------------------------------------------

    def track(self, order: Order) -> None:
        """Start watching an acknowledged emulated order (also after a restart)."""
        self._watching[order.client_id] = _Watch(
            order, self.engine.trading.last_price(self.engine.state.order_instrument(order))
        )

    def resume_triggered(self, order: Order) -> None:
        """After a restart: an emulated order that had fired is never watched again.

        If its OCO partner is still open, the order waits for the partner's cancel
        to free the funds (as before the restart). Otherwise the order it became was
        in flight: the venue is told about it and decides (the paper venue expires a
        market order that could not have survived; a live venue looks it up).
        """
        partner = self._open_order(order.oco) if order.oco else None
        if partner is not None:
            self._watching[order.client_id] = _Watch(order, fired=True)
            if partner.status is not OrderStatus.PENDING_CANCEL:
                self._cancel_partner(partner.client_id, "its OCO stop-loss fired")
            return
        self._live.add(order.client_id)
        account = self.engine.state.accounts[order.account]
        self.engine.trading.venue(account).restore(_child(order), None)

    def is_live(self, order: Order) -> bool:
        """True once the emulated order has been sent to the venue (it then acts natively)."""
        return order.client_id in self._live

    def cancel(self, order: Order) -> None:
        self._watching.pop(order.client_id, None)
        self._emit(OrderCanceled(order.client_id, "canceled", self.engine.clock.now_ns()))

    def amend(
        self,
        order: Order,
        price: Decimal | None,
        qty: Decimal,
        stop_price: Decimal | None = None,
    ) -> None:
        """Change a held order's limit price, quantity and trigger (it has no queue place)."""
        now = self.engine.clock.now_ns()
        self._emit(OrderAmended(order.client_id, price, qty, True, now, stop_price))

    def _on_fill(self, event: OrderFilled) -> None:
        """An OCO order that filled without firing (the take-profit) cancels its partner."""
        order = self._open_order(event.fill.client_id) or self._any_order(event.fill.client_id)
        if order is not None and order.oco and not order.triggered_ns:
            self._cancel_partner(order.oco, "its OCO partner filled")

    def _on_order(self, event: OrderUpdated) -> None:
        self.on_order(event.order)

    def on_order(self, order: Order) -> None:
        """React to an order's new state: fired stops' releases, bracket exits, cleanup
        (from the bus; restore calls it for entries whose exits were never placed)."""
        if order.client_id in self._fired and order.triggered_ns:
            self._fired.discard(order.client_id)  # its TRIGGERED record is durable: send
            if not order.status.is_final:
                self._send_child(order)
        partner = order.oco
        if (
            order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED)
            and partner
            and partner in self._watching
            and self._watching[partner].fired
        ):
            self._sell_after_release(self._watching.pop(partner).order, order)
        if order.status.is_final and order.filled and self._wants_exits(order):
            self._bracketed.add(order.client_id)
            self._spawn(self._bracket_exits(order))
        if order.status.is_final:
            self._watching.pop(order.client_id, None)
            self._live.discard(order.client_id)

    # --- OCO and brackets ----------------------------------------------------------------

    async def place_exits(
        self,
        symbol: str,
        side: Side,
        qty: Decimal,
        take_profit: Decimal,
        stop_loss: Decimal,
        account: str,
        group: str = "",
    ) -> tuple[Order, Order]:
        """Place an OCO exit pair: a take-profit limit and an engine-watched stop-loss."""
        trading = self.engine.trading
        tp_id, sl_id = trading.new_client_id(), trading.new_client_id()
        group = group or tp_id
        tp = await trading.place(
            PlaceOrder(symbol, side, OrderType.LIMIT, qty=qty, price=take_profit, account=account),
            group=group,
            client_id=tp_id,
            oco=sl_id,
        )
        try:
            sl = await trading.place(
                PlaceOrder(
                    symbol,
                    side,
                    OrderType.STOP_MARKET,
                    qty=qty,
                    stop_price=stop_loss,
                    account=account,
                ),
                group=group,
                emulate=True,
                holdless=True,
                client_id=sl_id,
                oco=tp_id,
            )
        except Exception:
            await trading.cancel(tp_id)  # no stop-loss: do not leave half a pair behind
            raise
        return tp, sl

    def _wants_exits(self, entry: Order) -> bool:
        """A bracket entry that ended with a fill and has no exit pair yet."""
        if entry.take_profit is None or entry.stop_loss is None:
            return False
        if entry.client_id in self._bracketed:
            return False
        orders = self.engine.state.accounts[entry.account].orders.values()
        return not any(o.group == entry.client_id for o in orders)

    async def _bracket_exits(self, entry: Order) -> None:
        take_profit, stop_loss = entry.take_profit, entry.stop_loss
        assert take_profit is not None and stop_loss is not None
        try:
            await self.place_exits(
                entry.symbol,
                entry.side.opposite,
                entry.filled,
                take_profit,
                stop_loss,
                entry.account,
                group=entry.client_id,
            )
        except Exception as exc:
            log.error("bracket exits for %s not placed: %s", entry.client_id, exc)

    def _cancel_partner(self, client_id: str, reason: str) -> None:
        watch = self._watching.pop(client_id, None)
        if watch is not None and not watch.fired:
            self._emit(OrderCanceled(client_id, reason, self.engine.clock.now_ns()))
            return
        if self._open_order(client_id) is not None:
            self._spawn(self.engine.trading.cancel(client_id))

    def _any_order(self, client_id: str) -> Order | None:
        try:
            _, order = self.engine.trading.order(client_id)
        except TradetermError:
            return None
        return order

    def _open_order(self, client_id: str) -> Order | None:
        order = self._any_order(client_id)
        return None if order is None or order.status.is_final else order

    def _sell_after_release(self, stop: Order, released_by: Order) -> None:
        """The take-profit ended (cancelled, expired or refused) and freed the base: the
        fired stop-loss now sells what the take-profit did not, at market."""
        account = self.engine.state.accounts[stop.account]
        market = self.engine.state.markets[self.engine.state.order_instrument(stop)]
        now = self.engine.clock.now_ns()
        left = stop.qty - released_by.filled
        if left <= stop.filled:
            self._emit(OrderCanceled(stop.client_id, "its OCO partner sold it all", now))
            return
        if left < stop.qty:
            self._emit(OrderAmended(stop.client_id, None, left, True, now))
        selling = replace(stop, qty=left)
        hold(account, stop, market, required_hold(selling, None) - stop.reserved)
        self._send_child(stop, left)

    # --- triggers --------------------------------------------------------------------------

    def _on_trade(self, event: TradePrinted) -> None:
        if not self._watching:
            return  # (every print comes here: most of the time no order waits for one)
        trade, accounts, venue = event.trade, self.engine.state.accounts, event.venue
        watching = [
            w
            for w in self._watching.values()
            if w.order.symbol == trade.symbol and accounts[w.order.account].spec.venue == venue
        ]
        for watch in watching:
            if watch.fired:
                continue
            order = watch.order
            if order.type is OrderType.TRAILING_STOP:
                fire = self._trail(watch, trade.price)
            else:
                stop = order.stop_price
                assert stop is not None
                fire = trade.price <= stop if order.side is Side.SELL else trade.price >= stop
            if fire:
                self._fire(watch)

    def _trail(self, watch: _Watch, price: Decimal) -> bool:
        order = watch.order
        trail = order.trail
        assert trail is not None
        if watch.extreme is None:
            watch.extreme = price
        if order.side is Side.SELL:
            watch.extreme = max(watch.extreme, price)
            order.stop_price = watch.extreme - trail
            return price <= order.stop_price
        watch.extreme = min(watch.extreme, price)
        order.stop_price = watch.extreme + trail
        return price >= order.stop_price

    def _fire(self, watch: _Watch) -> None:
        """The condition held: journal TRIGGERED (a restart never fires it again), then
        send the order it becomes (after an OCO partner's cancel frees the funds)."""
        watch.fired = True
        order = watch.order
        self._emit(OrderTriggered(order.client_id, self.engine.clock.now_ns()))
        if order.oco:
            self._cancel_partner(order.oco, "its OCO stop-loss fired")
            return  # the market sell goes out when the partner's cancel frees the funds
        self._watching.pop(order.client_id, None)
        self._fired.add(order.client_id)  # sent once TRIGGERED is on disk (on_order)

    def _send_child(self, order: Order, qty: Decimal | None = None) -> None:
        self._live.add(order.client_id)
        account = self.engine.state.accounts[order.account]
        venue = self.engine.trading.venue(account)
        child = _child(order) if qty is None else replace(_child(order), qty=qty)
        self._spawn(self.engine.trading.send(child, venue))

    # --- plumbing ---------------------------------------------------------------------------

    def _emit(self, event: ExecutionEvent) -> None:
        self.engine.trading.on_execution(event)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            log.error("no event loop: an emulated order's follow-up was not run")
            return
        task: asyncio.Task[None] = loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
