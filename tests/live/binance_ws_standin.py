"""A local stand-in for Binance spot's user data stream on 127.0.0.1, on top of the signed REST
stand-in: the WebSocket API at ``ws://.../ws-api/spot`` takes ``userDataStream.subscribe
.signature`` (the mechanism the installed ccxt uses for spot: a request signed with the
account's key and secret on the ws-api connection; no listenKey) and then streams the
account's ``executionReport`` and ``outboundAccountPosition`` events as the paper matching
engine makes them.

Shapes follow Binance's documentation of the WebSocket API user data stream (no private
stream was recorded in ../shared/data): the subscribe answer ``{"id", "status": 200,
"result": {"subscriptionId"}}``, then each event wrapped as ``{"subscriptionId", "event"}``.
An order's events: NEW on acceptance, TRADE for each fill (``t`` is the trade's id in
myTrades, ``T`` its time), CANCELED (``c`` is the cancel request's id, ``C`` the order's own,
as Binance sends them) and EXPIRED; each is followed by an ``outboundAccountPosition`` of
the assets it changed (``u``: the time of that account update). A wrong key or signature
gets Binance's -2015 / -1022.

Faults to order: ``drop()`` closes every connection, ``refuse`` answers new connections 503,
``hold_stream`` keeps every event back until ``release_stream``; ``hold_balances`` keeps the
``outboundAccountPosition`` events back (in order) until ``release_balances(n)``;
``balance_first`` sends each balance before the execution report it belongs to. ``frames``
keeps every websocket message, both ways, as sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from decimal import Decimal
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from binance_rest_standin import BinanceRestStandIn, _text
from paper_exchange import ExOrder

from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
)

Message = dict[str, Any]


def _ms() -> int:
    return time.time_ns() // 1_000_000


class BinanceStandIn(BinanceRestStandIn):
    """Binance spot's signed REST and its WebSocket API user data stream, for one account."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[tuple[str, str]] = []
        """Every websocket message: ("in" | "out", its text)."""
        self.refuse = False
        self.hold_stream = False
        self.held: list[Message] = []
        self.hold_balances = False
        self.held_balances: list[Message] = []
        self.balance_first = False
        self.connections = 0
        self.opened_at: list[int] = []
        """How many REST requests had come when each connection was taken."""
        self._outboxes: dict[web.WebSocketResponse, asyncio.Queue[str | None]] = {}
        self._subscribed: dict[web.WebSocketResponse, int] = {}
        self._subscriptions = itertools.count(0)
        self._cancels = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_get("/ws-api/spot", self._websocket)

    async def stop(self) -> None:
        await self.drop()
        await super().stop()

    # --- faults --------------------------------------------------------------------

    async def drop(self) -> None:
        """Every connection closes (Binance restarting, a network cut)."""
        for socket in list(self._outboxes):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"going away")

    def release_stream(self) -> None:
        self.hold_stream = False
        held, self.held = self.held, []
        for event in held:
            self._broadcast(event)

    def release_balances(self, count: int | None = None) -> None:
        """Send the first ``count`` held balance events (all when None), in order."""
        count = len(self.held_balances) if count is None else count
        out, self.held_balances = self.held_balances[:count], self.held_balances[count:]
        if not self.held_balances:
            self.hold_balances = False
        for event in out:
            self._broadcast(event)

    def subscribers(self) -> int:
        return len(self._subscribed)

    # --- the websocket -------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if self.refuse:
            return web.Response(status=503, text="Service Unavailable")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.connections += 1
        self.opened_at.append(len(self.requests))
        outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._outboxes[socket] = outbox
        writer = asyncio.get_running_loop().create_task(self._write(socket, outbox))
        try:
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                self.frames.append(("in", frame.data))
                self._answer(socket, json.loads(frame.data))
        finally:
            self._subscribed.pop(socket, None)
            self._outboxes.pop(socket, None)
            outbox.put_nowait(None)
            await writer
        return socket

    async def _write(
        self, socket: web.WebSocketResponse, outbox: asyncio.Queue[str | None]
    ) -> None:
        while (text := await outbox.get()) is not None:
            if not socket.closed:
                await socket.send_str(text)

    def _send(self, socket: web.WebSocketResponse, message: Message) -> None:
        text = json.dumps(message)
        self.frames.append(("out", text))
        self._outboxes[socket].put_nowait(text)

    def _answer(self, socket: web.WebSocketResponse, request: Message) -> None:
        req_id, method = request.get("id"), request.get("method")
        if method != "userDataStream.subscribe.signature":
            error = {"code": -1020, "msg": f"the stand-in has no method {method}"}
            self._send(socket, {"id": req_id, "status": 400, "error": error})
            return
        refused = self._refusal(dict(request.get("params") or {}))
        if refused is not None:
            status, code, text = refused
            self._send(socket, {"id": req_id, "status": status,
                                "error": {"code": code, "msg": text}})  # fmt: skip
            return
        subscription = next(self._subscriptions)
        self._send(socket, {"id": req_id, "status": 200,
                            "result": {"subscriptionId": subscription}})  # fmt: skip
        self._subscribed[socket] = subscription

    def _refusal(self, params: dict[str, Any]) -> tuple[int, int, str] | None:
        """Binance's error for a wrong key or signature, or None."""
        if params.get("apiKey") != self.api_key:
            return 401, -2015, "Invalid API-key, IP, or permissions for action."
        signature = str(params.pop("signature", ""))
        query = "&".join(f"{k}={params[k]}" for k in sorted(params))
        expected = hmac.new(self.secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return 400, -1022, "Signature for this request is not valid."
        return None

    def _broadcast(self, event: Message) -> None:
        if self.hold_stream:
            self.held.append(event)
            return
        for socket, subscription in list(self._subscribed.items()):
            self._send(socket, {"subscriptionId": subscription, "event": event})

    # --- the paper engine's events, streamed -------------------------------------------

    def on_execution(self, event: ExecutionEvent) -> None:
        super().on_execution(event)
        client_id = event.fill.client_id if isinstance(event, OrderFilled) else event.client_id
        ex = self.orders[client_id]
        report: Message | None = None
        when = _ms()
        if isinstance(event, OrderAccepted) and ex.executed == 0:
            report = self._report(ex, "NEW", when)
        elif isinstance(event, OrderFilled):
            when = event.fill.ts_ns // 1_000_000
            report = self._report(ex, "TRADE", when, ex.trades[-1])
        elif isinstance(event, OrderCanceled):
            report = self._report(ex, "CANCELED", when)
        elif isinstance(event, OrderExpired):
            report = self._report(ex, "EXPIRED", when)
        if report is None:
            return
        balance = self._position(ex, when)
        if self.balance_first:
            self._account_event(balance)
            self._broadcast(report)
        else:
            self._broadcast(report)
            self._account_event(balance)

    def _account_event(self, event: Message) -> None:
        if self.hold_balances:
            self.held_balances.append(event)
        else:
            self._broadcast(event)

    # --- shapes ------------------------------------------------------------------

    def _report(
        self, ex: ExOrder, kind: str, when: int, trade: dict[str, Any] | None = None
    ) -> Message:
        order = ex.order
        status = ex.status if kind != "NEW" else "NEW"
        canceled = kind == "CANCELED"
        return {
            "e": "executionReport",
            "E": _ms(),
            "s": ex.exchange_symbol,
            "c": f"web_{next(self._cancels)}" if canceled else order.client_id,
            "S": order.side.name,
            "o": "LIMIT_MAKER" if order.post_only else order.type.name,
            "f": order.tif.name,
            "q": _text(order.qty),
            "p": _text(order.price or Decimal(0)),
            "P": "0.00000000",
            "F": "0.00000000",
            "g": -1,
            "C": order.client_id if canceled else "",
            "x": kind,
            "X": status,
            "r": "NONE",
            "i": ex.order_id,
            "l": trade["qty"] if trade else "0.00000000",
            "z": _text(ex.executed),
            "L": trade["price"] if trade else "0.00000000",
            "n": trade["commission"] if trade else "0",
            "N": trade["commissionAsset"] if trade else None,
            "T": when,
            "t": trade["id"] if trade else -1,
            "v": -1,
            "I": next(self._cancels),
            "w": status in ("NEW", "PARTIALLY_FILLED"),
            "m": bool(trade["isMaker"]) if trade else False,
            "M": bool(trade),
            "O": ex.time_ms,
            "Z": _text(ex.quote),
            "Y": trade["quoteQty"] if trade else "0.00000000",
            "Q": "0.00000000",
            "W": ex.time_ms,
            "V": "EXPIRE_MAKER",
        }

    def _position(self, ex: ExOrder, when: int) -> Message:
        """The account update that follows an order event: the market's two assets."""
        market = self.view.markets[ex.order.symbol]
        locked = self.locked()
        rows = [
            {
                "a": asset,
                "f": _text(self.balances.get(asset, Decimal(0)) - locked.get(asset, Decimal(0))),
                "l": _text(locked.get(asset, Decimal(0))),
            }
            for asset in (market.base, market.quote)
        ]
        return {"e": "outboundAccountPosition", "E": _ms(), "u": when, "B": rows}
