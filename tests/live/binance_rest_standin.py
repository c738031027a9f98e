"""A local stand-in for Binance spot's signed REST API on 127.0.0.1, for ccxt to talk to.

aiohttp serves it because ccxt's async client already depends on aiohttp (no new package),
and its web server answers HTTP the way ccxt's client expects (form bodies, query strings).

- Endpoints: exchangeInfo, account, order (POST / DELETE / GET), order/cancelReplace,
  openOrders (GET / DELETE), myTrades. Every private call must carry the API key header
  and a valid HMAC-SHA256 signature of its query (a wrong one gets Binance's -1022).
- Behaviour comes from tradeterm's paper matching engine (a PaperVenue with no latency
  over the recorded depth snapshot); ``trade`` prints a public trade that fills resting
  orders through its price.
- Shapes come from the recorded responses in ../shared/data/rest (ccxt_static_response_*):
  every order answer has exactly the keys of the recorded createOrder / fetchOrder answers.
- Faults to order: ``answer_delay_s`` answers the next order POST only after that long
  (after it was accepted: a client timing out meanwhile), ``fail_next`` answers the next
  order POST with an exchange error.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import FillModel, OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    TradePrinted,
)
from tradeterm.domain.events import OrderRejected as OrderRejectedEvent
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Trade
from tradeterm.domain.orders import Order
from tradeterm.engine.clock import SystemClock
from tradeterm.venues.binance.markets import parse_exchange_info
from tradeterm.venues.paper import PaperVenue

REST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "rest"
EXCHANGE_INFO = REST / "binance_spot_20211022_nautilus" / "http_spot_market_exchange_info.json"
DEPTH = REST / "binance_spot_20211022_nautilus" / "http_spot_market_depth.json"
STATIC = REST / "ccxt_static_response_binance_EXTRACT_createOrder_createOrders_fetchOrder.json"

_STATUS = {
    OrderStatus.OPEN: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.REJECTED: "REJECTED",
}


def _text(value: Decimal) -> str:
    return f"{value:.8f}"


class _View:
    """The MarketView the paper matching engine reads: the recorded markets and book."""

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
class _Ex:
    """One order as the exchange keeps it."""

    order: Order
    order_id: int
    exchange_symbol: str
    time_ms: int
    executed: Decimal = Decimal(0)
    quote: Decimal = Decimal(0)
    status: str = "NEW"
    trades: list[dict[str, Any]] = field(default_factory=list)


class BinanceRestStandIn:
    """Binance spot's signed REST for one account, backed by the paper matching engine."""

    def __init__(self, api_key: str, secret: str, balances: dict[str, Decimal]) -> None:
        self.api_key, self.secret = api_key, secret
        self.balances = dict(balances)
        self.info_body = EXCHANGE_INFO.read_bytes()
        markets, self.ids = parse_exchange_info("standin", self.info_body)
        self.symbols = {v: k for k, v in self.ids.items()}  # BTCUSDT -> BTC/USDT
        depth = json.loads(DEPTH.read_text())
        book = OrderBook("BTC/USDT")
        book.load(
            [(Decimal(p), Decimal(q)) for p, q in depth["bids"]],
            [(Decimal(p), Decimal(q)) for p, q in depth["asks"]],
        )
        self.view = _View(markets, {"BTC/USDT": book})
        self.clock = SystemClock()
        self.paper = PaperVenue(
            "standin", self.view, self.clock, fill_model=FillModel.REALISTIC, latency_ms=0
        )
        self.paper.bind(self)
        static = json.loads(STATIC.read_text())["methods"]
        self.create_keys = list(static["createOrder"][0]["httpResponse"])
        self.fetch_keys = list(static["fetchOrder"][0]["httpResponse"])
        self.orders: dict[str, _Ex] = {}  # client id -> order (the newest with that id)
        self.by_id: dict[int, _Ex] = {}
        self.my_trades: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.accepted_at: dict[str, float] = {}
        """perf_counter() when each order was accepted (for the latency benchmark)."""
        self.hold_trades = False
        """Keep new trades out of myTrades until ``release_trades`` (a lagging trade list)."""
        self.late_trades: list[dict[str, Any]] = []
        self.answer_delay_s = 0.0
        self.fail_next: tuple[int, int, str] | None = None
        self._ids = itertools.count(5_000_001)
        self._trade_ids = itertools.count(900_001)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- serving -----------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/api/v3/exchangeInfo", self._exchange_info)
        app.router.add_route("*", "/api/v3/{path:.*}", self._private)
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

    def ccxt_urls(self) -> dict[str, Any]:
        """ccxt's ``urls``: spot REST here, and every other Binance API at this address too
        (answered 404), so nothing a test does can leave the machine."""
        import ccxt

        others = {key: f"{self.url}/{key}" for key in ccxt.binance().urls["api"]}
        base = f"{self.url}/api/v3"
        return {"api": {**others, "public": base, "private": base}}

    def posts(self, path: str = "order") -> list[dict[str, str]]:
        """The parameters of every POST to ``path`` so far."""
        return [p for m, x, p in self.requests if m == "POST" and x == path]

    # --- the market --------------------------------------------------------------

    def trade(self, symbol: str, price: Decimal, qty: Decimal) -> None:
        """A public print: resting orders at or through ``price`` fill (paper engine)."""
        trade = Trade(symbol, price, qty, Side.SELL, self.clock.now_ns())
        self.view.publish(TradePrinted(trade))

    def release_trades(self) -> None:
        self.hold_trades = False
        self.my_trades += self.late_trades
        self.late_trades = []

    async def cancel_on_website(self, client_id: str) -> None:
        """The user cancels the order in the exchange's web page."""
        await self._do_cancel(self.orders[client_id])

    async def place_on_website(self, side: str, qty: str, price: str) -> int:
        """The user places a BTC/USDT limit order in the web page; returns its order id."""
        params = {"symbol": "BTCUSDT", "side": side, "type": "LIMIT", "quantity": qty,
                  "price": price, "timeInForce": "GTC"}  # fmt: skip
        placed = await self._place(params)
        assert isinstance(placed, _Ex), placed
        return placed.order_id

    # --- the paper engine's events ---------------------------------------------------

    def on_execution(self, event: ExecutionEvent) -> None:
        client_id = event.fill.client_id if isinstance(event, OrderFilled) else event.client_id
        ex = self.orders[client_id]
        if isinstance(event, OrderFilled):
            self._fill(ex, event)
        elif isinstance(event, OrderAccepted):
            ex.status = "NEW" if ex.executed == 0 else ex.status
        elif isinstance(event, OrderCanceled):
            ex.status = "CANCELED"
        elif isinstance(event, OrderExpired):
            ex.status = "EXPIRED"
        elif isinstance(event, OrderRejectedEvent):
            ex.status = "REJECTED"

    def on_balances(self, account: str, totals: object) -> None:
        """Not used: the stand-in keeps its own balances."""

    def _fill(self, ex: _Ex, event: OrderFilled) -> None:
        fill, order = event.fill, ex.order
        ex.executed += fill.qty
        ex.quote += fill.qty * fill.price
        ex.status = "FILLED" if ex.executed >= order.qty else "PARTIALLY_FILLED"
        market = self.view.markets[order.symbol]
        sign = 1 if order.side is Side.BUY else -1
        self.balances[market.base] = self.balances.get(market.base, Decimal(0)) + sign * fill.qty
        self.balances[market.quote] = (
            self.balances.get(market.quote, Decimal(0)) - sign * fill.qty * fill.price
        )
        row = {
            "symbol": ex.exchange_symbol,
            "id": next(self._trade_ids),
            "orderId": ex.order_id,
            "orderListId": -1,
            "price": _text(fill.price),
            "qty": _text(fill.qty),
            "quoteQty": _text(fill.qty * fill.price),
            "commission": "0.00000000",
            "commissionAsset": market.quote,
            "time": fill.ts_ns // 1_000_000,
            "isBuyer": order.side is Side.BUY,
            "isMaker": fill.liquidity.value == "maker",
            "isBestMatch": True,
        }
        (self.late_trades if self.hold_trades else self.my_trades).append(row)

    # --- handlers -----------------------------------------------------------------

    async def _exchange_info(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", "exchangeInfo", {}))
        return web.Response(body=self.info_body, content_type="application/json")

    async def _private(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        raw = request.query_string or (await request.text())
        params = dict(parse_qsl(raw, keep_blank_values=True))
        self.requests.append((request.method, path, params))
        if request.headers.get("X-MBX-APIKEY") != self.api_key:
            return _error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        unsigned, _, signature = raw.rpartition("&signature=")
        expected = hmac.new(self.secret.encode(), unsigned.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return _error(400, -1022, "Signature for this request is not valid.")
        route = (request.method, path)
        if route == ("GET", "account"):
            return _json(self._account())
        if route == ("POST", "order"):
            return await self._new_order(params)
        if route == ("POST", "order/cancelReplace"):
            return await self._cancel_replace(params)
        if route == ("DELETE", "order"):
            return await self._cancel(params)
        if route == ("GET", "order"):
            ex = self._find(params)
            return _json(self._shape(ex, self.fetch_keys)) if ex else _unknown(-2013)
        if route == ("GET", "openOrders"):
            rows = [self._shape(e, self.fetch_keys) for e in self._open(params.get("symbol"))]
            return _json(rows)
        if route == ("DELETE", "openOrders"):
            rows = [await self._do_cancel(e) for e in self._open(params.get("symbol"))]
            return _json(rows)
        if route == ("GET", "myTrades"):
            return _json([t for t in self.my_trades if t["symbol"] == params.get("symbol")])
        return _error(404, -1000, f"the stand-in has no {request.method} /api/v3/{path}")

    def _account(self) -> dict[str, Any]:
        locked: dict[str, Decimal] = {}
        for ex in self._open(None):
            asset, amount = self._hold(ex)
            locked[asset] = locked.get(asset, Decimal(0)) + amount
        rows = [
            {
                "asset": a,
                "free": _text(q - locked.get(a, Decimal(0))),
                "locked": _text(locked.get(a, Decimal(0))),
            }
            for a, q in sorted(self.balances.items())
        ]
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "canTrade": True,
            "accountType": "SPOT",
            "balances": rows,
            "permissions": ["SPOT"],
        }

    def _hold(self, ex: _Ex) -> tuple[str, Decimal]:
        market = self.view.markets[ex.order.symbol]
        remaining = ex.order.qty - ex.executed
        if ex.order.side is Side.SELL:
            return market.base, remaining
        price = ex.order.price or self.view.books["BTC/USDT"].best_ask() or Decimal(0)
        return market.quote, remaining * price

    def _open(self, exchange_symbol: str | None) -> list[_Ex]:
        return [
            e
            for e in self.by_id.values()
            if e.status in ("NEW", "PARTIALLY_FILLED")
            and (exchange_symbol is None or e.exchange_symbol == exchange_symbol)
        ]

    def _find(self, params: dict[str, str]) -> _Ex | None:
        if "origClientOrderId" in params:
            return self.orders.get(params["origClientOrderId"])
        if "orderId" in params:
            return self.by_id.get(int(params["orderId"]))
        return None

    async def _new_order(self, params: dict[str, str]) -> web.Response:
        if self.fail_next is not None:
            status, code, message = self.fail_next
            self.fail_next = None
            return _error(status, code, message)
        answer = await self._place(params)
        if isinstance(answer, web.Response):
            return answer
        self.accepted_at[answer.order.client_id] = time.perf_counter()
        delay, self.answer_delay_s = self.answer_delay_s, 0.0
        if delay:
            await asyncio.sleep(delay)  # accepted, but the client hears nothing in time
        return _json(self._shape(answer, self.create_keys))

    async def _place(self, params: dict[str, str]) -> _Ex | web.Response:
        client_id = params.get("newClientOrderId") or f"standin{next(self._ids)}"
        if client_id in self.orders and self.orders[client_id].status in (
            "NEW",
            "PARTIALLY_FILLED",
        ):
            return _error(400, -2010, "Duplicate order sent.")
        symbol = self.symbols[params["symbol"]]
        kind = OrderType.MARKET if params["type"] == "MARKET" else OrderType.LIMIT
        order = Order(
            client_id=client_id,
            account="standin",
            symbol=symbol,
            side=Side.BUY if params["side"] == "BUY" else Side.SELL,
            type=kind,
            qty=Decimal(params["quantity"]),
            price=Decimal(params["price"]) if "price" in params else None,
            tif=TimeInForce[params.get("timeInForce", "GTC")],
            post_only=params["type"] == "LIMIT_MAKER",
            status=OrderStatus.OPEN,
        )
        ex = _Ex(order, next(self._ids), params["symbol"], self.clock.now_ns() // 1_000_000)
        asset, need = self._hold(ex)
        free = self.balances.get(asset, Decimal(0)) - sum(
            (self._hold(e)[1] for e in self._open(None) if self._hold(e)[0] == asset), Decimal(0)
        )
        if need > free:
            return _error(400, -2010, "Account has insufficient balance for requested action.")
        self.orders[client_id] = ex
        self.by_id[ex.order_id] = ex
        await self.paper.submit(order)  # no latency: it arrives (and may fill) right here
        return ex

    async def _cancel(self, params: dict[str, str]) -> web.Response:
        ex = self._find(params)
        if ex is None or ex.status not in ("NEW", "PARTIALLY_FILLED"):
            return _unknown(-2011)
        return _json(await self._do_cancel(ex))

    async def _do_cancel(self, ex: _Ex) -> dict[str, Any]:
        await self.paper.cancel(ex.order)  # no latency: OrderCanceled comes back right here
        return self._shape(ex, self.fetch_keys)

    async def _cancel_replace(self, params: dict[str, str]) -> web.Response:
        old = self._find(
            {"orderId": params["cancelOrderId"]}
            if "cancelOrderId" in params
            else {"origClientOrderId": params.get("cancelOrigClientOrderId", "")}
        )
        if old is None or old.status not in ("NEW", "PARTIALLY_FILLED"):
            return _unknown(-2011)
        cancelled = await self._do_cancel(old)
        placed = await self._place(params)
        if isinstance(placed, web.Response):
            return placed
        return _json(
            {
                "cancelResult": "SUCCESS",
                "newOrderResult": "SUCCESS",
                "cancelResponse": cancelled,
                "newOrderResponse": self._shape(placed, self.create_keys),
            }
        )

    def _shape(self, ex: _Ex, keys: list[str]) -> dict[str, Any]:
        order = ex.order
        values: dict[str, Any] = {
            "symbol": ex.exchange_symbol,
            "orderId": ex.order_id,
            "orderListId": -1,
            "clientOrderId": order.client_id,
            "transactTime": ex.time_ms,
            "price": _text(order.price or Decimal(0)),
            "origQty": _text(order.qty),
            "executedQty": _text(ex.executed),
            "origQuoteOrderQty": "0.00000000",
            "cummulativeQuoteQty": _text(ex.quote),
            "status": ex.status,
            "timeInForce": order.tif.name,
            "type": "LIMIT_MAKER" if order.post_only else order.type.name,
            "side": order.side.name,
            "workingTime": ex.time_ms,
            "icebergQty": "0.00000000",
            "fills": [],
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "stopPrice": "0.00000000",
            "time": ex.time_ms,
            "updateTime": ex.time_ms,
            "isWorking": True,
        }
        return {key: values[key] for key in keys if key in values}


def _json(data: Any) -> web.Response:
    return web.Response(text=json.dumps(data), content_type="application/json")


def _error(status: int, code: int, message: str) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"code": code, "msg": message}),
        content_type="application/json",
    )


def _unknown(code: int) -> web.Response:
    text = "Order does not exist." if code == -2013 else "Unknown order sent."
    return _error(400, code, text)
