"""A local stand-in for Kraken spot's private websocket (v2) on 127.0.0.1, on top of the REST
stand-in: ``GetWebSocketsToken`` (a signed REST call) gives a token, and the ``executions``
channel at ``ws://.../ws/privateV2`` streams the account's order events and trades as the
paper matching engine makes them.

Shapes follow Kraken's documentation of the v2 executions channel (no private stream was
recorded in ../shared/data): a subscribe ack, a snapshot (open orders; the last trades when
``snap_trades``), then one update per event: ``pending_new`` and ``new`` for an accepted
order; ``trade`` for each fill (``exec_id`` is the trade's id in TradesHistory) followed by
``filled`` when it completes; ``amended``, ``canceled`` and ``expired`` with only the
changed fields (no symbol), as Kraken sends them. Pings get a pong; a wrong or unknown token
gets Kraken's ``ESession:Invalid session``.

The ``balances`` channel: a snapshot of every asset, then one update per ledger entry a
fill makes (the base and the quote asset, each with its ``timestamp``, the trade's time,
and its new ``balance``), as Kraken's v2 documentation shows them.

Faults to order: ``drop()`` closes every connection, ``refuse`` answers new connections 503
(the exchange is down), ``hold_stream`` keeps updates back until ``release_stream`` (a
lagging stream); ``hold_balances`` keeps the balance updates back (in order) until
``release_balances(n)``, ``balance_first`` sends a fill's balance update before its trade.
``frames`` keeps every websocket message, both ways, as sent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from kraken_rest_standin import KrakenRestStandIn, _ok
from paper_exchange import ExOrder

from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
)

_WS_STATUS = {"NEW": "new", "PARTIALLY_FILLED": "partially_filled", "FILLED": "filled",
              "CANCELED": "canceled", "EXPIRED": "expired", "REJECTED": "canceled"}  # fmt: skip


def _stamp(ts_ns: int | None = None) -> str:
    when = datetime.now(UTC) if ts_ns is None else datetime.fromtimestamp(ts_ns / 1e9, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class KrakenStandIn(KrakenRestStandIn):
    """Kraken spot's signed REST and private websocket for one account."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tokens: set[str] = set()
        self.frames: list[tuple[str, str]] = []
        """Every websocket message: ("in" | "out", its text)."""
        self.refuse = False
        self.hold_stream = False
        self.held: list[dict[str, Any]] = []
        self.connections = 0
        self.opened_at: list[int] = []
        """How many REST requests had come when each connection was taken."""
        self._outboxes: dict[web.WebSocketResponse, asyncio.Queue[str | None]] = {}
        self._subscribed: set[web.WebSocketResponse] = set()
        self._sequence = itertools.count(1)
        self._balance_subscribed: set[web.WebSocketResponse] = set()
        self.hold_balances = False
        self.held_balances: list[dict[str, Any]] = []
        self.balance_first = False
        self._ledger_ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_get("/ws/privateV2", self._websocket)

    async def stop(self) -> None:
        await self.drop()
        await super().stop()

    # --- faults --------------------------------------------------------------------

    async def drop(self) -> None:
        """Every connection closes (Kraken restarting, a network cut)."""
        for socket in list(self._outboxes):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"going away")

    def release_stream(self) -> None:
        self.hold_stream = False
        held, self.held = self.held, []
        for message in held:
            self._broadcast(message)

    def release_balances(self, count: int | None = None) -> None:
        """Send the first ``count`` held balance updates (all when None), in order."""
        count = len(self.held_balances) if count is None else count
        out, self.held_balances = self.held_balances[:count], self.held_balances[count:]
        if not self.held_balances:
            self.hold_balances = False
        for message in out:
            self._send_balances(message)

    def subscribers(self) -> int:
        return len(self._subscribed)

    # --- REST: the token ---------------------------------------------------------------

    async def _do_GetWebSocketsToken(self, params: dict[str, str]) -> web.Response:
        token = secrets.token_urlsafe(32)
        self.tokens.add(token)
        return _ok({"token": token, "expires": 900})

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
        status = {"api_version": "v2", "connection_id": self.connections, "system": "online",
                  "version": "2.0.10"}  # fmt: skip
        self._send(socket, {"channel": "status", "type": "update", "data": [status]})
        try:
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                self.frames.append(("in", frame.data))
                self._answer(socket, json.loads(frame.data))
        finally:
            self._subscribed.discard(socket)
            self._balance_subscribed.discard(socket)
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

    def _send(self, socket: web.WebSocketResponse, message: dict[str, Any]) -> None:
        text = json.dumps(message)
        self.frames.append(("out", text))
        self._outboxes[socket].put_nowait(text)

    def _answer(self, socket: web.WebSocketResponse, request: dict[str, Any]) -> None:
        method, req_id = request.get("method"), request.get("req_id")
        times = {"time_in": _stamp(), "time_out": _stamp()}
        if method == "ping":
            self._send(socket, {"method": "pong", "req_id": req_id, **times})
            return
        params = request.get("params") or {}
        if method == "subscribe" and params.get("channel") == "balances":
            self._subscribe_balances(socket, params, req_id, times)
            return
        if method != "subscribe" or params.get("channel") != "executions":
            self._send(socket, {"error": "Event(s) not found", "method": method,
                                "req_id": req_id, "success": False, **times})  # fmt: skip
            return
        if params.get("token") not in self.tokens:
            self._send(socket, {"error": "ESession:Invalid session", "method": "subscribe",
                                "req_id": req_id, "success": False, **times})  # fmt: skip
            return
        snap_orders = params.get("snap_orders", True) is not False
        snap_trades = params.get("snap_trades", False) is True
        result = {"channel": "executions", "maxratecount": 180, "snap_orders": snap_orders,
                  "snap_trades": snap_trades}  # fmt: skip
        self._send(socket, {"method": "subscribe", "req_id": req_id, "result": result,
                            "success": True, **times})  # fmt: skip
        data = [self._order(e, "new") for e in self.open_orders(None)] if snap_orders else []
        if snap_trades:
            data += [self._trade(self._owner(t), t) for t in self.my_trades[-50:]]
        snapshot = {"channel": "executions", "type": "snapshot", "data": data}
        self._send(socket, {**snapshot, "sequence": next(self._sequence)})
        self._subscribed.add(socket)

    def _subscribe_balances(
        self, socket: web.WebSocketResponse, params: dict[str, Any], req_id: Any,
        times: dict[str, str],
    ) -> None:  # fmt: skip
        if params.get("token") not in self.tokens:
            self._send(socket, {"error": "ESession:Invalid session", "method": "subscribe",
                                "req_id": req_id, "success": False, **times})  # fmt: skip
            return
        result = {"channel": "balances", "snapshot": True}
        self._send(socket, {"method": "subscribe", "req_id": req_id, "result": result,
                            "success": True, **times})  # fmt: skip
        data = [{"asset": a, "asset_class": "currency", "balance": float(q),
                 "wallets": [{"type": "spot", "id": "main", "balance": float(q)}]}
                for a, q in sorted(self.balances.items())]  # fmt: skip
        self._send(socket, {"channel": "balances", "type": "snapshot", "data": data,
                            "sequence": next(self._sequence)})  # fmt: skip
        self._balance_subscribed.add(socket)

    def _balance_update(self, ex: ExOrder, row: dict[str, Any]) -> None:
        """The two ledger entries of a fill (base and quote), as the balances channel says."""
        market = self.view.markets[ex.order.symbol]
        sign = 1 if ex.order.side.value == "buy" else -1
        moves = (
            (market.base, sign * Decimal(row["vol"])),
            (market.quote, -sign * Decimal(row["cost"])),
        )
        data = [{"ledger_id": f"L{next(self._ledger_ids):05X}-TTSIN-{row['id'][-6:]}",
                 "ref_id": row["id"], "timestamp": _stamp(int(row["time"] * 1e9)),
                 "type": "trade", "asset": asset, "asset_class": "currency",
                 "category": "trade", "wallet_type": "spot", "wallet_id": "main",
                 "amount": float(amount), "fee": 0.0,
                 "balance": float(self.balances.get(asset, Decimal(0)))}
                for asset, amount in moves]  # fmt: skip
        message = {"channel": "balances", "type": "update", "data": data}
        if self.hold_balances:
            self.held_balances.append(message)
        else:
            self._send_balances(message)

    def _send_balances(self, message: dict[str, Any]) -> None:
        message = {**message, "sequence": next(self._sequence)}
        for socket in list(self._balance_subscribed):
            self._send(socket, message)

    def _broadcast(self, update: dict[str, Any]) -> None:
        if self.hold_stream:
            self.held.append(update)
            return
        message = {"channel": "executions", "type": "update", "data": [update]}
        message["sequence"] = next(self._sequence)
        for socket in list(self._subscribed):
            self._send(socket, message)

    # --- the paper engine's events, streamed -------------------------------------------

    def on_execution(self, event: ExecutionEvent) -> None:
        super().on_execution(event)
        client_id = event.fill.client_id if isinstance(event, OrderFilled) else event.client_id
        ex = self.orders[client_id]
        if isinstance(event, OrderAccepted):
            self._broadcast(self._order(ex, "pending_new", "pending_new"))
            self._broadcast(self._order(ex, "new"))
        elif isinstance(event, OrderFilled):
            if self.balance_first:
                self._balance_update(ex, ex.trades[-1])
            self._broadcast(self._trade(ex, ex.trades[-1]))
            if not self.balance_first:
                self._balance_update(ex, ex.trades[-1])
            if ex.status == "FILLED":
                self._broadcast(self._change(ex, "filled"))
        elif isinstance(event, OrderAmended):
            change = self._change(ex, "amended")
            change.update(order_qty=float(ex.order.qty), limit_price=float(ex.order.price or 0))
            self._broadcast(change)
        elif isinstance(event, OrderCanceled):
            self._broadcast({**self._change(ex, "canceled"), "reason": "User requested"})
        elif isinstance(event, OrderExpired):
            self._broadcast(self._change(ex, "expired"))

    # --- shapes ------------------------------------------------------------------

    def _owner(self, trade: dict[str, Any]) -> ExOrder:
        return self.by_id[trade["ordertxid"]]

    def _keys(self, ex: ExOrder) -> dict[str, Any]:
        ids: dict[str, Any] = {"order_id": ex.order_id, "order_userref": 0}
        if not ex.order.client_id.startswith("standin"):
            ids["cl_ord_id"] = ex.order.client_id
        return ids

    def _order(self, ex: ExOrder, exec_type: str, status: str | None = None) -> dict[str, Any]:
        order = ex.order
        return {
            **self._keys(ex),
            "symbol": order.symbol,
            "order_qty": float(order.qty),
            "cum_qty": float(ex.executed),
            "cum_cost": float(ex.quote),
            "time_in_force": order.tif.name,
            "exec_type": exec_type,
            "side": order.side.value,
            "order_type": order.type.value,
            "limit_price_type": "static",
            "limit_price": float(order.price or 0),
            "stop_price": 0.0,
            "order_status": status or _WS_STATUS[ex.status],
            "fee_usd_equiv": 0.0,
            "fee_ccy_pref": "fciq",
            "timestamp": _stamp(ex.time_ms * 1_000_000),
        }

    def _change(self, ex: ExOrder, exec_type: str) -> dict[str, Any]:
        average = ex.quote / ex.executed if ex.executed else Decimal(0)
        return {"timestamp": _stamp(), "order_status": _WS_STATUS[ex.status],
                "exec_type": exec_type, **self._keys(ex), "cum_qty": float(ex.executed),
                "cum_cost": float(ex.quote), "fee_usd_equiv": 0.0,
                "avg_price": float(average)}  # fmt: skip

    def _trade(self, ex: ExOrder, row: dict[str, Any]) -> dict[str, Any]:
        market = self.view.markets[ex.order.symbol]
        return {
            **self._keys(ex),
            "exec_id": row["id"],
            "exec_type": "trade",
            "trade_id": int(row["id"][1:6], 16),
            "symbol": ex.order.symbol,
            "side": row["type"],
            "last_qty": float(row["vol"]),
            "last_price": float(row["price"]),
            "liquidity_ind": "m" if row["maker"] else "t",
            "cost": float(row["cost"]),
            "order_status": _WS_STATUS[ex.status],
            "order_type": row["ordertype"],
            "fee_usd_equiv": 0.0,
            "fees": [{"asset": market.quote, "qty": 0.0}],
            "timestamp": _stamp(int(row["time"] * 1e9)),
        }
