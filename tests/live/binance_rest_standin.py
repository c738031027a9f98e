"""A local stand-in for Binance spot's signed REST API on 127.0.0.1, for ccxt to talk to.

aiohttp serves it because ccxt's async client already depends on aiohttp (no new package),
and its web server answers HTTP the way ccxt's client expects (form bodies, query strings).

- Endpoints: exchangeInfo, account, order (POST / DELETE / GET), order/cancelReplace,
  openOrders (GET / DELETE), myTrades. Every private call must carry the API key header
  and a valid HMAC-SHA256 signature of its query (a wrong one gets Binance's -1022).
- Behaviour comes from tradeterm's paper matching engine over the recorded depth snapshot,
  through the stand-ins' common base (``paper_exchange``); ``trade`` prints a public trade
  that fills resting orders through its price.
- Shapes come from the recorded responses in ../shared/data/rest (ccxt_static_response_*):
  every order answer has exactly the keys of the recorded createOrder / fetchOrder answers.
- Faults to order (see the base): ``fail_next`` is (HTTP status, code, message).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from paper_exchange import ExOrder, PaperExchange, Refused

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import OrderType, Side, TimeInForce
from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.venues.binance.markets import parse_exchange_info

REST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "rest"
EXCHANGE_INFO = REST / "binance_spot_20211022_nautilus" / "http_spot_market_exchange_info.json"
DEPTH = REST / "binance_spot_20211022_nautilus" / "http_spot_market_depth.json"
STATIC = REST / "ccxt_static_response_binance_EXTRACT_createOrder_createOrders_fetchOrder.json"


def _text(value: Decimal) -> str:
    return f"{value:.8f}"


class BinanceRestStandIn(PaperExchange):
    """Binance spot's signed REST for one account, backed by the paper matching engine."""

    def __init__(self, api_key: str, secret: str, balances: dict[str, Decimal]) -> None:
        self.api_key, self.secret = api_key, secret
        self.info_body = EXCHANGE_INFO.read_bytes()
        markets, self.ids = parse_exchange_info("standin", self.info_body)
        self.symbols = {v: k for k, v in self.ids.items()}  # BTCUSDT -> BTC/USDT
        depth = json.loads(DEPTH.read_text())
        book = OrderBook("BTC/USDT")
        book.load(
            [(Decimal(p), Decimal(q)) for p, q in depth["bids"]],
            [(Decimal(p), Decimal(q)) for p, q in depth["asks"]],
        )
        super().__init__(markets, {"BTC/USDT": book}, balances)
        static = json.loads(STATIC.read_text())["methods"]
        self.create_keys = list(static["createOrder"][0]["httpResponse"])
        self.fetch_keys = list(static["fetchOrder"][0]["httpResponse"])
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.countdowns: list[tuple[str, int]] = []
        """USD-M futures' countdownCancelAll calls: (symbol, countdownTime in ms; 0 = off)."""
        self._ids = itertools.count(5_000_001)
        self._trade_ids = itertools.count(900_001)

    # --- serving -----------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v3/exchangeInfo", self._exchange_info)
        app.router.add_route("*", "/api/v3/{path:.*}", self._private)
        app.router.add_post("/fapiPrivate/countdownCancelAll", self._countdown)

    def new_order_id(self) -> int:
        return next(self._ids)

    def ccxt_urls(self) -> dict[str, Any]:
        """ccxt's ``urls``: spot REST here, and every other Binance API at this address too
        (answered 404), websockets included (ccxt.pro's ``ws`` urls, the WebSocket API's
        under ``/ws-api/<type>``), so nothing a test does can leave the machine."""
        import ccxt
        import ccxt.pro

        others = {key: f"{self.url}/{key}" for key in ccxt.binance().urls["api"]}
        base = f"{self.url}/api/v3"
        ws = self.url.replace("http://", "ws://")
        streams: dict[str, Any] = {}
        for key, value in ccxt.pro.binance().urls["api"]["ws"].items():
            if isinstance(value, dict):
                streams[key] = {kind: f"{ws}/{key}/{kind}" for kind in value}
            else:
                streams[key] = f"{ws}/ws/{key}"
        return {"api": {**others, "public": base, "private": base, "ws": streams}}

    def posts(self, path: str = "order") -> list[dict[str, str]]:
        """The parameters of every POST to ``path`` so far."""
        return [p for m, x, p in self.requests if m == "POST" and x == path]

    # --- the website ---------------------------------------------------------------

    async def cancel_on_website(self, client_id: str) -> None:
        """The user cancels the order in the exchange's web page."""
        await self._do_cancel(self.orders[client_id])

    async def place_on_website(self, side: str, qty: str, price: str) -> int:
        """The user places a BTC/USDT limit order in the web page; returns its order id."""
        params = {"symbol": "BTCUSDT", "side": side, "type": "LIMIT", "quantity": qty,
                  "price": price, "timeInForce": "GTC"}  # fmt: skip
        placed = await self._place(params)
        assert isinstance(placed, ExOrder), placed
        return int(placed.order_id)

    def trade_row(self, ex: ExOrder, fill: Fill, market: Market) -> dict[str, Any]:
        return {
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
            "isBuyer": ex.order.side is Side.BUY,
            "isMaker": fill.liquidity.value == "maker",
            "isBestMatch": True,
        }

    # --- handlers -----------------------------------------------------------------
    async def _exchange_info(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", "exchangeInfo", {}))
        return web.Response(body=self.info_body, content_type="application/json")

    async def _signed(self, request: web.Request, path: str) -> dict[str, str] | web.Response:
        """The request's parameters, or Binance's error for a wrong key or signature."""
        raw = request.query_string or (await request.text())
        params = dict(parse_qsl(raw, keep_blank_values=True))
        self.requests.append((request.method, path, params))
        if request.headers.get("X-MBX-APIKEY") != self.api_key:
            return _error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        unsigned, _, signature = raw.rpartition("&signature=")
        expected = hmac.new(self.secret.encode(), unsigned.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return _error(400, -1022, "Signature for this request is not valid.")
        return params

    async def _countdown(self, request: web.Request) -> web.Response:
        params = await self._signed(request, "fapi/v1/countdownCancelAll")
        if isinstance(params, web.Response):
            return params
        self.countdowns.append((params["symbol"], int(params["countdownTime"])))
        return _json({"symbol": params["symbol"], "countdownTime": params["countdownTime"]})

    async def _private(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        params = await self._signed(request, path)
        if isinstance(params, web.Response):
            return params
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
            rows = [self._shape(e, self.fetch_keys) for e in self.open_orders(params.get("symbol"))]
            return _json(rows)
        if route == ("DELETE", "openOrders"):
            rows = [await self._do_cancel(e) for e in self.open_orders(params.get("symbol"))]
            return _json(rows)
        if route == ("GET", "myTrades"):
            return _json([t for t in self.my_trades if t["symbol"] == params.get("symbol")])
        return _error(404, -1000, f"the stand-in has no {request.method} /api/v3/{path}")

    def _account(self) -> dict[str, Any]:
        locked = self.locked()
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

    def _find(self, params: dict[str, str]) -> ExOrder | None:
        if "origClientOrderId" in params:
            return self.orders.get(params["origClientOrderId"])
        if "orderId" in params and params["orderId"].isdigit():
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
        delay, self.answer_delay_s = self.answer_delay_s, 0.0
        if delay:
            await asyncio.sleep(delay)  # accepted, but the client hears nothing in time
        return _json(self._shape(answer, self.create_keys))

    async def _place(self, params: dict[str, str]) -> ExOrder | web.Response:
        client_id = params.get("newClientOrderId") or f"standin{next(self._ids)}"
        kind = OrderType.MARKET if params["type"] == "MARKET" else OrderType.LIMIT
        try:
            return await self.place(
                client_id,
                params["symbol"],
                self.symbols[params["symbol"]],
                Side.BUY if params["side"] == "BUY" else Side.SELL,
                kind,
                Decimal(params["quantity"]),
                Decimal(params["price"]) if "price" in params else None,
                tif=TimeInForce[params.get("timeInForce", "GTC")],
                post_only=params["type"] == "LIMIT_MAKER",
            )
        except Refused as refused:
            if refused.kind == "duplicate":
                return _error(400, -2010, "Duplicate order sent.")
            return _error(400, -2010, "Account has insufficient balance for requested action.")

    async def _cancel(self, params: dict[str, str]) -> web.Response:
        ex = self._find(params)
        if ex is None or ex.status not in ("NEW", "PARTIALLY_FILLED"):
            return _unknown(-2011)
        return _json(await self._do_cancel(ex))

    async def _do_cancel(self, ex: ExOrder) -> dict[str, Any]:
        await self.cancel(ex)
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

    def _shape(self, ex: ExOrder, keys: list[str]) -> dict[str, Any]:
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
