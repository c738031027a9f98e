"""A local stand-in for Kraken spot's REST on 127.0.0.1: the markets (the recorded AssetPairs)
and the signed private calls of one account, for ccxt's kraken class to talk to.

- Private calls: AddOrder, AmendOrder, CancelOrder, CancelAll, CancelAllOrdersAfter,
  OpenOrders, ClosedOrders, QueryOrders, Balance, BalanceEx, TradesHistory. Every one must
  carry the API key and a valid ``API-Sign`` (HMAC-SHA512 over the URL path and the SHA-256
  of nonce + body, keyed with the base64-decoded secret), and nonces must rise, as on Kraken.
- Behaviour comes from tradeterm's paper matching engine over the recorded XBTUSDT book,
  through the stand-ins' common base (``paper_exchange``); shapes follow ccxt's recorded
  Kraken answers (``ccxt_static_response_kraken.json``), with ``cl_ord_id`` where an order
  has one, as Kraken adds it.
- The dead-man's switch: each CancelAllOrdersAfter's timeout is kept in ``dead_man`` (0 =
  off); a timer really runs (``dead_man_scale`` real seconds per Kraken second) and cancels
  every open order when it runs out without a refresh.
- Faults to order (see the base): ``fail_next`` is a Kraken error string
  ("EOrder:Insufficient funds").
- The website (what the user does in Kraken's web page, also while tradeterm is down):
  ``place_on_website`` (an order tradeterm never knew), ``cancel_on_website`` (one of
  tradeterm's); ``trade`` fills resting orders as on any exchange.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import time
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
from tradeterm.venues.kraken.markets import parse_asset_pairs

REST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "rest"
ASSET_PAIRS = REST / "kraken_spot_20251111_nautilus" / "http_asset_pairs.json"
BOOK = REST / "kraken_spot_20251111_nautilus" / "http_order_book.json"
STATIC = REST / "ccxt_static_response_kraken.json"

ASSETS = {"BTC": "XXBT", "USD": "ZUSD"}
"""Kraken's own asset codes where they differ from the common ones."""

_STATUS = {"NEW": "open", "PARTIALLY_FILLED": "open", "FILLED": "closed",
           "CANCELED": "canceled", "EXPIRED": "expired", "REJECTED": "canceled"}  # fmt: skip


def kraken_markets() -> list[Market]:
    markets, _ = parse_asset_pairs("kraken", ASSET_PAIRS.read_bytes(), ["BTC/USDT"])
    return markets


class KrakenRestStandIn(PaperExchange):
    """Kraken spot's signed REST for one account, backed by the paper matching engine."""

    def __init__(
        self, api_key: str, secret_b64: str, balances: dict[str, Decimal] | None = None
    ) -> None:
        self.api_key = api_key
        self.secret = base64.b64decode(secret_b64)
        raw = json.loads(BOOK.read_text())["result"]["XBTUSDT"]
        book = OrderBook("BTC/USDT")
        book.load(
            [(Decimal(p), Decimal(q)) for p, q, _ in raw["bids"]],
            [(Decimal(p), Decimal(q)) for p, q, _ in raw["asks"]],
        )
        if balances is None:
            balances = {"USD": Decimal("1000"), "BTC": Decimal("0.01")}
        super().__init__(kraken_markets(), {"BTC/USDT": book}, balances)
        static = json.loads(STATIC.read_text())["methods"]
        self.order_keys = next(iter(static["fetchOrder"][1]["httpResponse"]["result"].values()))
        self.pairs = {"XBTUSDT": "BTC/USDT"}
        self.dead_man: list[int] = []
        self.dead_man_scale = 1.0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._nonce = 0
        self._ids = itertools.count(1)
        self._trade_ids = itertools.count(1)

    # --- serving -----------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/0/public/AssetPairs", self._asset_pairs)
        app.router.add_get("/0/public/Assets", self._assets)
        app.router.add_post("/0/private/{method}", self._private)

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        await super().stop()

    def new_order_id(self) -> str:
        n = next(self._ids)
        return f"O{n:05X}-TTSIN-{n:06X}"

    def ccxt_urls(self) -> dict[str, Any]:
        """Every Kraken API at this address, websockets too (ccxt.pro's ``ws`` urls): nothing
        a test does can leave the machine."""
        import ccxt.pro

        ws = self.url.replace("http://", "ws://")
        ws_urls = {key: f"{ws}/ws/{key}" for key in ccxt.pro.kraken().urls["api"]["ws"]}
        rest = {key: self.url for key in ccxt.kraken().urls["api"]}
        return {"api": {**rest, "ws": ws_urls}}

    # --- the website ---------------------------------------------------------------

    async def place_on_website(self, side: str, qty: str, price: str) -> str:
        """The user places a BTC/USDT limit order in Kraken's web page (no client id);
        returns its order id."""
        ex = await self.place(f"standin{next(self._ids)}", "XBTUSDT", "BTC/USDT", Side(side),
                              OrderType.LIMIT, Decimal(qty), Decimal(price))  # fmt: skip
        return str(ex.order_id)

    async def cancel_on_website(self, client_id: str) -> None:
        """The user cancels one of tradeterm's orders in Kraken's web page."""
        await self.cancel(self.orders[client_id])

    def calls(self, method: str) -> list[dict[str, str]]:
        """The parameters of every call of ``method`` so far."""
        return [p for m, p in self.requests if m == method]

    def trade_row(self, ex: ExOrder, fill: Fill, market: Market) -> dict[str, Any]:
        n = next(self._trade_ids)
        return {
            "id": f"T{n:05X}-TTSIN-{n:06X}",
            "ordertxid": ex.order_id,
            "postxid": f"TKH2SE-M7IF5-{n:06X}",
            "pair": ex.exchange_symbol,
            "time": fill.ts_ns / 1e9,
            "type": ex.order.side.value,
            "ordertype": ex.order.type.value,
            "price": f"{fill.price:f}",
            "cost": f"{fill.qty * fill.price:f}",
            "fee": "0.00000",
            "vol": f"{fill.qty:.8f}",
            "margin": "0.00000",
            "misc": "",
            "maker": fill.liquidity.value == "maker",
        }

    # --- handlers -----------------------------------------------------------------

    async def _asset_pairs(self, request: web.Request) -> web.Response:
        self.requests.append(("AssetPairs", {}))
        return web.Response(body=ASSET_PAIRS.read_bytes(), content_type="application/json")

    async def _assets(self, request: web.Request) -> web.Response:
        self.requests.append(("Assets", {}))
        return _ok({})

    async def _private(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.text()
        params = dict(parse_qsl(body, keep_blank_values=True))
        self.requests.append((method, params))
        if request.headers.get("API-Key") != self.api_key:
            return _fail("EAPI:Invalid key")
        nonce = params.get("nonce", "")
        digest = hashlib.sha256((nonce + body).encode()).digest()
        signed = hmac.new(self.secret, request.path.encode() + digest, hashlib.sha512).digest()
        if not hmac.compare_digest(request.headers.get("API-Sign", ""),
                                   base64.b64encode(signed).decode()):  # fmt: skip
            return _fail("EAPI:Invalid signature")
        if not nonce.isdigit() or int(nonce) <= self._nonce:
            return _fail("EAPI:Invalid nonce")
        self._nonce = int(nonce)
        handler = getattr(self, f"_do_{method}", None)
        if handler is None:
            return _fail(f"EGeneral:Unknown method {method} (the stand-in has no such call)")
        answer: web.Response = await handler(params)
        return answer

    async def _do_AddOrder(self, params: dict[str, str]) -> web.Response:
        if self.fail_next is not None:
            message, self.fail_next = self.fail_next, None
            return _fail(str(message))
        symbol = self.pairs.get(params.get("pair", ""))
        if symbol is None:
            return _fail("EQuery:Unknown asset pair")
        client_id = params.get("cl_ord_id", "")
        if len(client_id) > 18 and len(client_id.replace("-", "")) not in (30, 32):
            return _fail("EGeneral:Invalid arguments:cl_ord_id")  # free text: 18 at most
        kind = OrderType.MARKET if params["ordertype"] == "market" else OrderType.LIMIT
        tif = {"IOC": TimeInForce.IOC}.get(params.get("timeinforce", ""), TimeInForce.GTC)
        try:
            ex = await self.place(
                client_id or f"standin{next(self._ids)}",
                params["pair"],
                symbol,
                Side(params["type"]),
                kind,
                Decimal(params["volume"]),
                Decimal(params["price"]) if kind is OrderType.LIMIT else None,
                tif=tif,
                post_only="post" in params.get("oflags", ""),
            )
        except Refused as refused:
            if refused.kind == "duplicate":
                return _fail("EOrder:Duplicate order")
            return _fail("EOrder:Insufficient funds")
        delay, self.answer_delay_s = self.answer_delay_s, 0.0
        if delay:
            await asyncio.sleep(delay)  # accepted, but the client hears nothing in time
        return _ok({"txid": [ex.order_id], "descr": {"order": self._descr(ex)["order"]}})

    async def _do_AmendOrder(self, params: dict[str, str]) -> web.Response:
        ex = self._find(params)
        if ex is None or ex.status not in ("NEW", "PARTIALLY_FILLED"):
            return _fail("EOrder:Unknown order")
        price = Decimal(params["limit_price"]) if "limit_price" in params else None
        qty = Decimal(params.get("order_qty", ex.order.qty))
        if qty <= ex.executed:
            return _fail("EOrder:Invalid order:order_qty below the executed quantity")
        await self.paper.amend(ex.order, price, qty)  # no latency: amended right here
        return _ok({"amend_id": f"TJSMEH-AA67V-{next(self._ids):06X}"})

    async def _do_CancelOrder(self, params: dict[str, str]) -> web.Response:
        ex = self._find(params)
        if ex is None or ex.status not in ("NEW", "PARTIALLY_FILLED"):
            return _fail("EOrder:Unknown order")
        await self.cancel(ex)
        return _ok({"count": 1})

    async def _do_CancelAll(self, params: dict[str, str]) -> web.Response:
        return _ok({"count": await self.cancel_all()})

    async def _do_CancelAllOrdersAfter(self, params: dict[str, str]) -> web.Response:
        timeout = int(params["timeout"])
        self.dead_man.append(timeout)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if timeout == 0:
            return _ok({"currentTime": now, "triggerTime": "0"})
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(timeout * self.dead_man_scale, self._dead_man_fired)
        trigger = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + timeout))
        return _ok({"currentTime": now, "triggerTime": trigger})

    def _dead_man_fired(self) -> None:
        self._timer = None
        asyncio.get_running_loop().create_task(self.cancel_all())

    async def cancel_all(self) -> int:
        live = self.open_orders(None)
        for ex in live:
            await self.cancel(ex)
        return len(live)

    async def _do_OpenOrders(self, params: dict[str, str]) -> web.Response:
        rows = [e for e in self.open_orders(None) if _wanted(e, params)]
        return _ok({"open": {e.order_id: self._info(e) for e in rows}})

    async def _do_ClosedOrders(self, params: dict[str, str]) -> web.Response:
        rows = [e for e in self.by_id.values()
                if _STATUS[e.status] != "open" and _wanted(e, params)]  # fmt: skip
        return _ok({"closed": {e.order_id: self._info(e) for e in rows}, "count": len(rows)})

    async def _do_QueryOrders(self, params: dict[str, str]) -> web.Response:
        wanted = [t for t in params.get("txid", "").split(",") if t]
        return _ok({t: self._info(self.by_id[t]) for t in wanted if t in self.by_id})

    async def _do_Balance(self, params: dict[str, str]) -> web.Response:
        return _ok({ASSETS.get(a, a): f"{q:.8f}" for a, q in sorted(self.balances.items())})

    async def _do_BalanceEx(self, params: dict[str, str]) -> web.Response:
        locked = self.locked()
        return _ok({ASSETS.get(a, a): {"balance": f"{q:.8f}",
                                       "hold_trade": f"{locked.get(a, Decimal(0)):.8f}"}
                    for a, q in sorted(self.balances.items())})  # fmt: skip

    async def _do_TradesHistory(self, params: dict[str, str]) -> web.Response:
        start = float(params.get("start", 0) or 0)
        rows = {t["id"]: {k: v for k, v in t.items() if k != "id"}
                for t in self.my_trades if t["time"] > start}  # fmt: skip
        return _ok({"trades": rows, "count": len(rows)})

    # --- shapes ---------------------------------------------------------------------

    def _find(self, params: dict[str, str]) -> ExOrder | None:
        if params.get("cl_ord_id"):
            return self.orders.get(params["cl_ord_id"])
        return self.by_id.get(params.get("txid", ""))

    def _descr(self, ex: ExOrder) -> dict[str, str]:
        order = ex.order
        price = f"{order.price:f}" if order.price is not None else "0"
        at = f"limit {price}" if order.type is OrderType.LIMIT else "market"
        said = f"{order.side.value} {order.qty:.8f} {ex.exchange_symbol} @ {at}"
        return {"pair": ex.exchange_symbol, "type": order.side.value,
                "ordertype": order.type.value, "price": price, "price2": "0",
                "leverage": "none", "close": "", "order": said}  # fmt: skip

    def _info(self, ex: ExOrder) -> dict[str, Any]:
        """An order as QueryOrders / OpenOrders / ClosedOrders show it: the recorded keys."""
        order = ex.order
        average = ex.quote / ex.executed if ex.executed else Decimal(0)
        values: dict[str, Any] = {
            "refid": None,
            "userref": None,
            "status": _STATUS[ex.status],
            "opentm": ex.time_ms / 1000,
            "starttm": "0",
            "expiretm": "0",
            "descr": self._descr(ex),
            "vol": f"{order.qty:.8f}",
            "vol_exec": f"{ex.executed:.8f}",
            "cost": f"{ex.quote:f}",
            "fee": "0.000000",
            "price": f"{average:f}",
            "stopprice": "0.000000",
            "limitprice": "0.000000",
            "misc": "",
            "oflags": "post,fciq" if order.post_only else "fciq",
            "trades": [t["id"] for t in ex.trades],
            "reason": None,
            "closetm": time.time(),
        }
        shaped = {key: values[key] for key in self.order_keys if key in values}
        if _STATUS[ex.status] == "open":
            shaped.pop("closetm", None)
        if not order.client_id.startswith("standin"):
            shaped["cl_ord_id"] = order.client_id
        return shaped


def _wanted(ex: ExOrder, params: dict[str, str]) -> bool:
    return not params.get("cl_ord_id") or ex.order.client_id == params["cl_ord_id"]


def _ok(result: Any) -> web.Response:
    return web.Response(text=json.dumps({"error": [], "result": result}),
                        content_type="application/json")  # fmt: skip


def _fail(message: str) -> web.Response:
    return web.Response(text=json.dumps({"error": [message]}), content_type="application/json")
