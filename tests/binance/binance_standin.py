"""A local stand-in for Binance spot: exchangeInfo and depth snapshots over HTTP and a replayed
combined stream over a websocket, on one 127.0.0.1 port, with faults to order.

It keeps each symbol's true book (the recorded snapshot plus every diff it has played,
sent or dropped), so a snapshot asked for mid-session is the book at that point, as on the
real exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response


@dataclass
class Faults:
    """What goes wrong, by index into the replayed frames (0-based)."""

    drop: set[int] = field(default_factory=set)
    """Frames played (the true book moves) but never sent: a sequence gap."""
    close_after: set[int] = field(default_factory=set)
    """Drop the connection right after sending this frame."""
    inject: dict[int, list[str]] = field(default_factory=dict)
    """Extra raw text sent before this frame (garbage, wrong shapes)."""
    pause: dict[int, float] = field(default_factory=dict)
    """Seconds of silence before this frame."""
    hold: dict[int, asyncio.Event] = field(default_factory=dict)
    """Wait for the event before this frame (a test lets the client settle first)."""
    rest_failures: int = 0
    """The first N REST requests are answered 429 with Retry-After: 0."""
    refuse_subscribe: bool = False
    """Answer a SUBSCRIBE on a connection that named its streams in the url with an error."""
    refuse_subscribes: int = 0
    """Answer only the first N such SUBSCRIBEs with an error."""
    silent_subscribe: bool = False
    """Subscribe what a SUBSCRIBE asks for on such a connection, but never answer it."""
    throttle: dict[int, float] = field(default_factory=dict)
    """REST request index (0-based) -> answered 429 with this Retry-After (seconds)."""
    foreign_weight: int = 0
    """Request weight another program on the same address has spent this minute: the
    ``X-MBX-USED-WEIGHT-1M`` header of every answer counts it beside the requests served."""
    crossed: set[str] = field(default_factory=set)
    """Symbols whose depth snapshots carry one extra bid above the best ask (a wrong
    snapshot: the book crosses at the first diff applied after it)."""


def _weight(path: str) -> int:
    """Binance's documented request weights (spot): depth by its limit, klines 2,
    exchangeInfo 20."""
    url = urlsplit(path)
    if url.path.endswith("/depth"):
        limit = int(parse_qs(url.query).get("limit", ["100"])[0])
        return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
    return {"/api/v3/klines": 2, "/api/v3/exchangeInfo": 20}.get(url.path, 1)


class _Book:
    def __init__(self, snapshot: Mapping[str, Any]) -> None:
        self.last_u = int(snapshot["lastUpdateId"])
        self.bids = {p: q for p, q in snapshot["bids"]}
        self.asks = {p: q for p, q in snapshot["asks"]}

    def play(self, data: Mapping[str, Any]) -> None:
        if data["u"] <= self.last_u:
            return
        for side, levels in ((self.bids, data["b"]), (self.asks, data["a"])):
            for price, qty in levels:
                if Decimal(qty):
                    side[price] = qty
                else:
                    side.pop(price, None)
        self.last_u = data["u"]

    def snapshot(self, limit: int, crossed: bool = False) -> dict[str, Any]:
        bids = sorted(self.bids.items(), key=lambda x: Decimal(x[0]), reverse=True)[:limit]
        asks = sorted(self.asks.items(), key=lambda x: Decimal(x[0]))[:limit]
        if crossed:  # a level the book does not have, above the best ask
            bids.insert(0, (str(Decimal(asks[0][0]) * 2), "1"))
        return {
            "lastUpdateId": self.last_u,
            "bids": [list(x) for x in bids],
            "asks": [list(x) for x in asks],
        }


class BinanceStandIn:
    """Serve ``frames`` (raw combined-stream messages) and REST from recorded bodies.

    Frames continue across connections: a client that reconnects gets the frames after the
    last one played, as if the market had moved on. A connection that names its streams in
    the url (``/stream?streams=...``) gets the frames of the symbols it named or has since
    subscribed by message (every frame plays, so the true books move all the same).
    """

    def __init__(
        self,
        frames: Iterable[str],
        snapshots: Mapping[str, Mapping[str, Any]],
        exchange_info: bytes,
        faults: Faults | None = None,
        interval_s: float = 0.0,
        klines: Mapping[str, list[list[Any]]] | None = None,
        compression: str | None = "deflate",
        stamp: Callable[[], float] = time.monotonic,
    ) -> None:
        self.frames = list(frames)
        self.books = {s: _Book(b) for s, b in snapshots.items()}
        self.exchange_info = exchange_info
        self.faults = faults or Faults()
        self.interval_s = interval_s
        self.klines = dict(klines or {})
        self.compression = compression
        """``websockets``' server setting: ``deflate`` agrees to a client's offer, None declines."""
        self.offered: list[str] = []
        """Each stream connection's Sec-WebSocket-Extensions request header ("" without one)."""
        self.negotiated: list[str] = []
        """The same header in each answer: the extension the connection uses ("" for none)."""
        self.position = 0
        self.connections = 0
        self.requests: list[str] = []
        self.stamps: list[float] = []
        """When each REST request came, by ``stamp`` (a test's clock)."""
        self.stamp = stamp
        self.weight = 0
        """The request weight of the REST requests served this minute (of ``stamp``)."""
        self._minute = 0.0
        self.stream_paths: list[str] = []
        self.subscriptions: list[str] = []
        self.unsubscriptions: list[str] = []
        self.stream_requests: list[tuple[str, str]] = []
        """(SUBSCRIBE or UNSUBSCRIBE, stream) in the order they came."""
        self.finished = asyncio.Event()
        self._server: Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = next(iter(self._server.sockets)).getsockname()[1]
        return port

    @property
    def urls(self) -> dict[str, Any]:
        return {
            "api": {
                "public": f"http://127.0.0.1:{self.port}/api/v3",
                "ws": {"spot": f"ws://127.0.0.1:{self.port}/ws"},
            }
        }

    async def __aenter__(self) -> BinanceStandIn:
        self._server = await serve(
            self._stream,
            "127.0.0.1",
            0,
            process_request=self._http,
            max_size=2**24,
            compression=self.compression,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    # --- REST --------------------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            self.stream_paths.append(request.path)
            return None
        self.requests.append(request.path)
        now = self.stamp()
        self.stamps.append(now)
        if now // 60 != self._minute:  # Binance counts by the minute
            self._minute, self.weight = now // 60, 0
        self.weight += _weight(request.path)
        after = self.faults.throttle.get(len(self.requests) - 1)
        if len(self.requests) <= self.faults.rest_failures:
            after = 0.0
        if after is not None:
            return self._reply(
                HTTPStatus.TOO_MANY_REQUESTS, b'{"code":-1003}', {"Retry-After": f"{after:g}"}
            )
        url = urlsplit(request.path)
        if url.path == "/api/v3/exchangeInfo":
            return self._reply(HTTPStatus.OK, self.exchange_info)
        if url.path == "/api/v3/depth":
            query = parse_qs(url.query)
            book = self.books.get(query.get("symbol", [""])[0])
            if book is None:
                return self._reply(
                    HTTPStatus.BAD_REQUEST, b'{"code":-1121,"msg":"Invalid symbol."}'
                )
            limit = int(query.get("limit", ["100"])[0])
            crossed = query["symbol"][0] in self.faults.crossed
            return self._reply(HTTPStatus.OK, json.dumps(book.snapshot(limit, crossed)).encode())
        if url.path == "/api/v3/klines":
            query = parse_qs(url.query)
            rows = self.klines.get(query.get("symbol", [""])[0])
            if rows is None:
                return self._reply(HTTPStatus.BAD_REQUEST, b'{"code":-1121}')
            since = int(query.get("startTime", ["0"])[0])
            limit = int(query.get("limit", ["500"])[0])
            page = [r for r in rows if r[0] >= since][:limit]
            return self._reply(HTTPStatus.OK, json.dumps(page).encode())
        return self._reply(HTTPStatus.NOT_FOUND, b"{}")

    def _reply(
        self, status: HTTPStatus, body: bytes, extra: Mapping[str, str] | None = None
    ) -> Response:
        headers = Headers({"Content-Type": "application/json", "Content-Length": str(len(body))})
        headers["X-MBX-USED-WEIGHT-1M"] = str(self.faults.foreign_weight + self.weight)
        for key, value in (extra or {}).items():
            headers[key] = value
        return Response(status.value, status.phrase, headers, body)

    # --- stream ------------------------------------------------------------

    async def _stream(self, ws: ServerConnection) -> None:
        self.connections += 1
        path = ws.request.path if ws.request is not None else ""
        if ws.request is not None and ws.response is not None:
            self.offered.append(ws.request.headers.get("Sec-WebSocket-Extensions", ""))
            self.negotiated.append(ws.response.headers.get("Sec-WebSocket-Extensions", ""))
        with contextlib.suppress(ConnectionClosed):  # a client that leaves mid-stream
            if "streams=" in path:
                named = path.partition("streams=")[2].split("/")
                symbols = {stream.partition("@")[0] for stream in named}
                reader = asyncio.create_task(self._acknowledge(ws, asyncio.Event(), symbols))
                try:
                    await self._play_frames(ws, symbols)
                finally:
                    reader.cancel()
                return
            # no streams in the url: the client subscribes by message (as ccxt does); the
            # frames start once its first SUBSCRIBE is acknowledged
            subscribed = asyncio.Event()
            reader = asyncio.create_task(self._acknowledge(ws, subscribed))
            waiting = asyncio.create_task(subscribed.wait())
            try:
                # a client that leaves before it subscribes ends the reader: this handler
                # must end too, or the server's wait_closed() waits for it forever
                await asyncio.wait({reader, waiting}, return_when=asyncio.FIRST_COMPLETED)
                if subscribed.is_set():
                    await self._play_frames(ws)
            finally:
                reader.cancel()
                waiting.cancel()

    async def _acknowledge(
        self, ws: ServerConnection, subscribed: asyncio.Event, symbols: set[str] | None = None
    ) -> None:
        """Answer each SUBSCRIBE and UNSUBSCRIBE as Binance does (``{"result": null, "id": N}``),
        adding what is subscribed to ``symbols`` (lower-case names) when given."""
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                request = json.loads(raw)
                method = request.get("method")
                if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
                    streams = request.get("params", [])
                    faults = self.faults
                    refuse = symbols is not None and (
                        faults.refuse_subscribe or faults.refuse_subscribes > 0
                    )
                    if method == "SUBSCRIBE" and refuse:
                        faults.refuse_subscribes -= 1
                        refusal = {"code": 2, "msg": "Invalid request"}
                        await ws.send(json.dumps({"error": refusal, "id": request.get("id")}))
                        continue
                    if method == "SUBSCRIBE":
                        self.subscriptions.extend(streams)
                        if symbols is not None:
                            symbols.update(stream.partition("@")[0] for stream in streams)
                    else:
                        self.unsubscriptions.extend(streams)
                    self.stream_requests += [(method, stream) for stream in streams]
                    if symbols is not None and self.faults.silent_subscribe:
                        continue  # (the answer is lost; the streams flow all the same)
                    await ws.send(json.dumps({"result": None, "id": request.get("id")}))
                    subscribed.set()

    async def _play_frames(self, ws: ServerConnection, symbols: set[str] | None = None) -> None:
        """Play the frames from where the last connection left off, sending those of
        ``symbols`` (lower-case names; None: all)."""
        faults = self.faults
        while self.position < len(self.frames):
            index = self.position
            for extra in faults.inject.pop(index, []):
                await ws.send(extra)
            if index in faults.hold:
                await faults.hold.pop(index).wait()
            if index in faults.pause:
                await asyncio.sleep(faults.pause.pop(index))
            frame = self.frames[index]
            symbol = self._play(frame)
            self.position += 1
            if index not in faults.drop and (symbols is None or symbol in symbols):
                await ws.send(frame)
            await asyncio.sleep(self.interval_s)
            if index in faults.close_after:
                faults.close_after.discard(index)
                await ws.close()
                return
        self.finished.set()
        await ws.wait_closed()

    def _play(self, frame: str) -> str:
        """Move the true book by ``frame``; the frame's symbol (lower-case) is returned."""
        message = json.loads(frame)
        data = message["data"]
        if data.get("e") == "depthUpdate" and data["s"] in self.books:
            self.books[data["s"]].play(data)
        return str(message["stream"]).partition("@")[0]
