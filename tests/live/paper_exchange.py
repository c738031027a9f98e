"""The common base of the local exchange stand-ins (Binance, Kraken): one account's orders,
balances and trades, with behaviour from tradeterm's paper matching engine.

A stand-in subclass speaks its exchange's wire format (routes, signatures, answer shapes)
and calls this base for what every exchange does alike: place an order (refused when the
account cannot pay for it or its client id is in use), cancel one, print a public trade that
fills resting orders through its price, list the open orders, and keep balances. aiohttp
serves the subclass's routes on 127.0.0.1 (ccxt's async client already depends on it).

Faults to order, for every exchange: ``answer_delay_s`` answers the next new order only
after that long (after it was accepted: a client timing out meanwhile), ``fail_next`` answers
the next new order with an exchange error, ``hold_trades`` keeps new trades out of the trade
list until ``release_trades`` (a lagging trade list).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import FillModel, OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    TradePrinted,
)
from tradeterm.domain.events import OrderRejected as OrderRejectedEvent
from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Trade
from tradeterm.domain.orders import Order
from tradeterm.engine.clock import SystemClock
from tradeterm.venues.paper import PaperVenue

LIVE = ("NEW", "PARTIALLY_FILLED")


class MarketView:
    """The MarketView the paper matching engine reads: the recorded markets and books."""

    def __init__(self, markets: list[Market], books: dict[str, OrderBook]) -> None:
        self.markets = {m.symbol: m for m in markets}
        self.books = books
        self.handlers: dict[type, list[Callable[[Any], None]]] = {}

    def market(self, symbol: str) -> Market | None:
        return self.markets.get(symbol)

    def book(self, symbol: str) -> OrderBook | None:
        return self.books.get(symbol)

    def subscribe(self, event_type: type, handler: Callable[[Any], None]) -> Callable[[], None]:
        self.handlers.setdefault(event_type, []).append(handler)
        return lambda: self.handlers[event_type].remove(handler)

    def publish(self, event: object) -> None:
        for handler in list(self.handlers.get(type(event), [])):
            handler(event)


@dataclass
class ExOrder:
    """One order as the exchange keeps it; ``status`` in Binance's words (NEW,
    PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED), which a subclass maps to its own."""

    order: Order
    order_id: Any
    exchange_symbol: str
    time_ms: int
    executed: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    status: str = "NEW"
    trades: list[dict[str, Any]] = field(default_factory=list)


class Refused(Exception):
    """The exchange refuses the order: ``kind`` is "duplicate" or "insufficient"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class PaperExchange:
    """One account at an exchange, backed by the paper matching engine."""

    def __init__(
        self, markets: list[Market], books: dict[str, OrderBook], balances: dict[str, Decimal]
    ) -> None:
        self.balances = dict(balances)
        self.view = MarketView(markets, books)
        self.clock = SystemClock()
        self.paper = PaperVenue(
            "standin", self.view, self.clock, fill_model=FillModel.REALISTIC, latency_ms=0
        )
        self.paper.bind(self)
        self.orders: dict[str, ExOrder] = {}  # client id -> order (the newest with that id)
        self.by_id: dict[Hashable, ExOrder] = {}
        self.my_trades: list[dict[str, Any]] = []
        self.late_trades: list[dict[str, Any]] = []
        self.hold_trades = False
        self.accepted_at: dict[str, float] = {}
        """perf_counter() when each order was accepted (for the latency benchmark)."""
        self.answer_delay_s = 0.0
        self.fail_next: Any = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- what a subclass provides --------------------------------------------------

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def new_order_id(self) -> Hashable:
        raise NotImplementedError

    def trade_row(self, ex: ExOrder, fill: Fill, market: Market) -> dict[str, Any]:
        """The exchange's record of one of the account's trades."""
        raise NotImplementedError

    # --- serving -----------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the market --------------------------------------------------------------

    def trade(self, symbol: str, price: Decimal, qty: Decimal) -> None:
        """A public print: resting orders at or through ``price`` fill (paper engine)."""
        trade = Trade(symbol, price, qty, Side.SELL, self.clock.now_ns())
        self.view.publish(TradePrinted(trade))

    def release_trades(self) -> None:
        self.hold_trades = False
        self.my_trades += self.late_trades
        self.late_trades = []

    # --- the paper engine's events ---------------------------------------------------

    def on_execution(self, event: ExecutionEvent) -> None:
        client_id = event.fill.client_id if isinstance(event, OrderFilled) else event.client_id
        ex = self.orders[client_id]
        if isinstance(event, OrderFilled):
            self._fill(ex, event.fill)
        elif isinstance(event, OrderAccepted):
            ex.status = "NEW" if ex.executed == 0 else ex.status
        elif isinstance(event, OrderAmended):
            ex.order.qty = event.qty
            ex.order.price = event.price if event.price is not None else ex.order.price
        elif isinstance(event, OrderCanceled):
            ex.status = "CANCELED"
        elif isinstance(event, OrderExpired):
            ex.status = "EXPIRED"
        elif isinstance(event, OrderRejectedEvent):
            ex.status = "REJECTED"

    def on_balances(self, account: str, totals: object, as_of_ns: int | None = None) -> None:
        """Not used: the stand-in keeps its own balances."""

    def _fill(self, ex: ExOrder, fill: Fill) -> None:
        order = ex.order
        ex.executed += fill.qty
        ex.quote += fill.qty * fill.price
        ex.status = "FILLED" if ex.executed >= order.qty else "PARTIALLY_FILLED"
        market = self.view.markets[order.symbol]
        sign = 1 if order.side is Side.BUY else -1
        self.balances[market.base] = self.balances.get(market.base, Decimal(0)) + sign * fill.qty
        self.balances[market.quote] = (
            self.balances.get(market.quote, Decimal(0)) - sign * fill.qty * fill.price
        )
        row = self.trade_row(ex, fill, market)
        ex.trades.append(row)
        (self.late_trades if self.hold_trades else self.my_trades).append(row)

    # --- orders ------------------------------------------------------------------

    def hold(self, ex: ExOrder) -> tuple[str, Decimal]:
        """The asset and amount an open order keeps locked."""
        market = self.view.markets[ex.order.symbol]
        remaining = ex.order.qty - ex.executed
        if ex.order.side is Side.SELL:
            return market.base, remaining
        book = self.view.books.get(ex.order.symbol)
        price = ex.order.price or (book.best_ask() if book else None) or Decimal(0)
        return market.quote, remaining * price

    def locked(self) -> dict[str, Decimal]:
        locked: dict[str, Decimal] = {}
        for ex in self.open_orders(None):
            asset, amount = self.hold(ex)
            locked[asset] = locked.get(asset, Decimal(0)) + amount
        return locked

    def open_orders(self, exchange_symbol: str | None) -> list[ExOrder]:
        return [
            e
            for e in self.by_id.values()
            if e.status in LIVE and exchange_symbol in (None, e.exchange_symbol)
        ]

    async def place(
        self,
        client_id: str,
        exchange_symbol: str,
        symbol: str,
        side: Side,
        kind: OrderType,
        qty: Decimal,
        price: Decimal | None,
        *,
        tif: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
    ) -> ExOrder:
        """Accept an order and hand it to the matching engine (no latency: it may fill here).

        Raises:
            Refused: its client id is on an open order, or the account cannot pay for it.
        """
        if client_id in self.orders and self.orders[client_id].status in LIVE:
            raise Refused("duplicate")
        order = Order(
            client_id=client_id,
            account="standin",
            symbol=symbol,
            side=side,
            type=kind,
            qty=qty,
            price=price,
            tif=tif,
            post_only=post_only,
            status=OrderStatus.OPEN,
        )
        ex = ExOrder(order, self.new_order_id(), exchange_symbol, self.clock.now_ns() // 1_000_000)
        asset, need = self.hold(ex)
        free = self.balances.get(asset, Decimal(0)) - self.locked().get(asset, Decimal(0))
        if need > free:
            raise Refused("insufficient")
        self.orders[client_id] = ex
        self.by_id[ex.order_id] = ex
        self.accepted_at[client_id] = time.perf_counter()
        await self.paper.submit(order)
        return ex

    async def cancel(self, ex: ExOrder) -> None:
        """No latency: OrderCanceled comes back right here."""
        await self.paper.cancel(ex.order)
