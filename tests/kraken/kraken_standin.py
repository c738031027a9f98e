"""A local stand-in for Kraken spot: AssetPairs over HTTP and a WebSocket v2 stream, on one
127.0.0.1 port, with faults to order.

No recorded v2 book stream exists, so the stand-in serves v2 messages made from the
recorded v1 session: it keeps each pair's true book (v1 snapshot plus every update played,
sent or not, truncated to the depth), answers a v2 ``book`` subscription with a snapshot
of that book, and sends each v1 update as a v2 update whose checksum it computes itself
from its true book at the pair's AssetPairs precisions. v1 trades and tickers become v2
``trade`` and ``ticker`` messages.
"""

# ruff: noqa: UP031  (frames are built as text: the recorded numbers go on the wire verbatim)
from __future__ import annotations

import asyncio
import contextlib
import json
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kraken_data import Event
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response


@dataclass
class Faults:
    """What goes wrong, by index into the timeline (0-based)."""

    corrupt: set[int] = field(default_factory=set)
    """Updates sent with a wrong checksum (the true book still moves)."""
    close_after: set[int] = field(default_factory=set)
    """Drop the connection right after this event."""
    inject: dict[int, list[str]] = field(default_factory=dict)
    """Extra raw text sent before this event."""
    pause: dict[int, float] = field(default_factory=dict)
    """Seconds of silence before this event."""
    hold: dict[int, asyncio.Event] = field(default_factory=dict)
    """Wait for the event before this one (a test lets the client settle first)."""
    bad_snapshots: dict[str, int] = field(default_factory=dict)
    """Symbol -> how many of its next snapshots go out with a wrong checksum."""
    refuse_books: set[str] = field(default_factory=set)
    """Pairs whose book subscription is refused (``success: false``, as Kraken refuses)."""
    rest_failures: int = 0
    """The first N REST requests are answered 429 with Retry-After: 0."""
    rest_refusals: list[str] = field(default_factory=list)
    """The next REST requests (after ``rest_failures``) are answered 200 with these errors in
    the body, one each, as Kraken says it is rate limited or unavailable."""


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Book:
    """A pair's true book, prices and sizes as the recorded strings."""

    def __init__(self, price_dp: int, qty_dp: int, depth: int) -> None:
        self.price_dp, self.qty_dp, self.depth = price_dp, qty_dp, depth
        self.sides: dict[str, dict[Decimal, tuple[str, str]]] = {"asks": {}, "bids": {}}

    def play(self, asks: Iterable[tuple[str, str]], bids: Iterable[tuple[str, str]]) -> None:
        for name, levels in (("asks", asks), ("bids", bids)):
            side = self.sides[name]
            for price, qty in levels:
                if Decimal(qty):
                    side[Decimal(price)] = (price, qty)
                else:
                    side.pop(Decimal(price), None)
            for gone in self.ordered(name)[self.depth :]:
                side.pop(Decimal(gone[0]))

    def ordered(self, name: str) -> list[tuple[str, str]]:
        side = self.sides[name]
        return [side[p] for p in sorted(side, reverse=name == "bids")]

    def checksum(self) -> int:
        def digits(text: str, places: int) -> str:
            return f"{Decimal(text):.{places}f}".replace(".", "").lstrip("0")

        text = "".join(
            digits(p, self.price_dp) + digits(q, self.qty_dp)
            for name in ("asks", "bids")
            for p, q in self.ordered(name)[:10]
        )
        return zlib.crc32(text.encode()) & 0xFFFFFFFF


def _raw_levels(levels: Iterable[tuple[str, str]]) -> str:
    """v2 levels with the recorded number text written as JSON numbers."""
    return "[" + ",".join(f'{{"price":{p},"qty":{q}}}' for p, q in levels) + "]"


class KrakenStandIn:
    """Serve the ``events`` timeline as Kraken v2 and AssetPairs from the recorded body.

    The timeline continues across connections: a client that reconnects gets the events
    after the last one played, as if the market had moved on. It starts with a connection's
    first book subscription; with ``await_all`` every pair's book is known from the start (its
    first recorded snapshot, as a live exchange always has a book: a subscription is answered
    with its snapshot at once) and the timeline waits until the connection has subscribed
    every pair's book, trades and ticker, so a client that subscribes in steps misses nothing
    recorded.
    """

    def __init__(
        self,
        events: Iterable[Event],
        precisions: Mapping[str, tuple[int, int]],
        asset_pairs: bytes,
        faults: Faults | None = None,
        depth: int = 1000,
        interval_s: float = 0.0,
        ohlc: Mapping[str, list[list[Any]]] | None = None,
        await_all: bool = False,
        stamp: Callable[[], float] = time.monotonic,
    ) -> None:
        self.events = list(events)
        self.books = {s: _Book(p, q, depth) for s, (p, q) in precisions.items()}
        self.known: set[str] = set()
        self.asset_pairs = asset_pairs
        self.faults = faults or Faults()
        self.interval_s = interval_s
        self.ohlc = dict(ohlc or {})
        self.position = 0
        self.negotiated: list[str] = []
        self.connections = 0
        self.requests: list[str] = []
        self.stamps: list[float] = []
        """When each REST request came, by ``stamp`` (a test's clock)."""
        self.stamp = stamp
        self.received: list[dict[str, Any]] = []
        self.checksums: dict[str, int] = {}
        self.finished = asyncio.Event()
        self.journal: list[tuple[float, str]] = []
        """What happened on the streams, in order, with its ``time.monotonic()``: ``snapshot
        SYMBOL`` sent, ``subscribe CHANNEL SYMBOL,...`` and ``unsubscribe ...`` received."""
        self.await_all = await_all
        self._primed: set[int] = set()
        """Timeline indexes of the snapshots played before the start (``await_all``)."""
        if await_all:
            for index, event in enumerate(self.events):
                if event.kind == "snapshot" and event.symbol not in self.known:
                    self._advance(event, {"book": set()}, False)
                    self._primed.add(index)
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
                "public": f"http://127.0.0.1:{self.port}/0/public",
                "ws": {"public": f"ws://127.0.0.1:{self.port}/v2"},
            }
        }

    async def __aenter__(self) -> KrakenStandIn:
        self._server = await serve(
            self._stream, "127.0.0.1", 0, process_request=self._http, max_size=2**24
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    # --- REST --------------------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        self.requests.append(request.path)
        self.stamps.append(self.stamp())
        if len(self.requests) <= self.faults.rest_failures:
            return self._reply(HTTPStatus.TOO_MANY_REQUESTS, b"{}", {"Retry-After": "0"})
        if self.faults.rest_refusals:
            error = self.faults.rest_refusals.pop(0)
            return self._reply(HTTPStatus.OK, json.dumps({"error": [error], "result": {}}).encode())
        if request.path == "/0/public/AssetPairs":
            return self._reply(HTTPStatus.OK, self.asset_pairs)
        url = urlsplit(request.path)
        if url.path == "/0/public/OHLC":
            query = parse_qs(url.query)
            pair = query.get("pair", [""])[0]
            rows = self.ohlc.get(pair)
            if rows is None:
                return self._reply(HTTPStatus.OK, b'{"error":["EQuery:Unknown asset pair"]}')
            since = int(query.get("since", ["0"])[0])
            page = [r for r in rows if r[0] >= since]
            body = {"error": [], "result": {pair: page, "last": page[-1][0] if page else since}}
            return self._reply(HTTPStatus.OK, json.dumps(body).encode())
        return self._reply(HTTPStatus.NOT_FOUND, b'{"error":["EGeneral:Unknown method"]}')

    @staticmethod
    def _reply(status: HTTPStatus, body: bytes, extra: Mapping[str, str] | None = None) -> Response:
        headers = Headers({"Content-Type": "application/json", "Content-Length": str(len(body))})
        for key, value in (extra or {}).items():
            headers[key] = value
        return Response(status.value, status.phrase, headers, body)

    # --- stream ------------------------------------------------------------

    async def _stream(self, ws: ServerConnection) -> None:
        self.connections += 1
        if ws.response is not None:  # the extension this connection uses ("" for none)
            self.negotiated.append(ws.response.headers.get("Sec-WebSocket-Extensions", ""))
        session = _Session(self, ws)
        reader = asyncio.create_task(session.read())
        ready = session.everything if self.await_all else session.subscribed
        waiting = asyncio.create_task(ready.wait())
        with contextlib.suppress(ConnectionClosed):  # a client that leaves mid-stream
            # one that leaves before it subscribes ends the reader, and this handler with it
            # (else the server's wait_closed() would wait for it forever)
            await asyncio.wait({reader, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if ready.is_set():
                await self._play(session)
        reader.cancel()
        waiting.cancel()
        await asyncio.gather(reader, waiting, return_exceptions=True)

    async def _play(self, session: _Session) -> None:
        faults, ws = self.faults, session.ws
        while self.position < len(self.events):
            index = self.position
            for extra in faults.inject.pop(index, []):
                await ws.send(extra)
            if index in faults.hold:
                await faults.hold.pop(index).wait()
            if index in faults.pause:
                await asyncio.sleep(faults.pause.pop(index))
            async with session.lock:
                frame = (
                    None  # played before the start: the book holds it
                    if index in self._primed
                    else self._advance(
                        self.events[index], session.channels, index in faults.corrupt
                    )
                )
                self.position += 1
                if frame is not None:
                    await ws.send(frame)
            await asyncio.sleep(self.interval_s)
            if index in faults.close_after:
                faults.close_after.discard(index)
                await ws.close()
                return
        self.finished.set()
        await ws.wait_closed()

    def frames(self, corrupt: Iterable[int] = ()) -> Iterator[tuple[int, str]]:
        """(timeline index, frame) for every event, as a client subscribed to every channel of
        every pair from the start gets them, with no connection (in-process tests); the
        updates at the ``corrupt`` indexes carry a wrong checksum."""
        everything = {name: set(self.books) for name in ("book", "trade", "ticker")}
        bad = set(corrupt)
        while self.position < len(self.events):
            index = self.position
            if index in self._primed:
                self.position += 1
                continue
            frame = self._advance(self.events[index], everything, index in bad)
            self.position += 1
            if frame is not None:
                yield index, frame

    def _advance(self, event: Event, channels: Mapping[str, set[str]], corrupt: bool) -> str | None:
        """Play ``event`` on the true books; the v2 frame to send, if this client wants it."""
        symbol = event.symbol
        if event.kind == "heartbeat":
            return '{"channel":"heartbeat"}'
        if event.kind == "snapshot":
            book = self.books[symbol]
            book.sides = {"asks": {}, "bids": {}}
            book.play(event.asks, event.bids)
            self.known.add(symbol)
            self.checksums[symbol] = book.checksum()
            return self.snapshot(symbol) if symbol in channels["book"] else None
        if event.kind == "update":
            book = self.books[symbol]
            book.play(event.asks, event.bids)
            checksum = self.checksums[symbol] = book.checksum()
            if symbol not in channels["book"]:
                return None
            return (
                '{"channel":"book","type":"update","data":[{"symbol":"%s","bids":%s,"asks":%s,'
                '"checksum":%d,"timestamp":"%s"}]}'
                % (
                    symbol,
                    _raw_levels(event.bids),
                    _raw_levels(event.asks),
                    checksum ^ 0x5A5A if corrupt else checksum,
                    _stamp(event.ts),
                )
            )
        if symbol not in channels[event.kind]:
            return None
        if event.kind == "trade":
            rows = ",".join(
                '{"symbol":"%s","side":"%s","price":%s,"qty":%s,"ord_type":"%s",'
                '"trade_id":%d,"timestamp":"%s"}'
                % (
                    symbol,
                    "buy" if row[3] == "b" else "sell",
                    row[0],
                    row[1],
                    "market" if row[4] == "m" else "limit",
                    int(float(row[2]) * 1000),
                    _stamp(float(row[2])),
                )
                for row in event.body
            )
            return '{"channel":"trade","type":"update","data":[%s]}' % rows
        t = event.body
        last, open_ = Decimal(t["c"][0]), Decimal(t["o"][1])
        return (
            '{"channel":"ticker","type":"update","data":[{"symbol":"%s","bid":%s,"bid_qty":%s,'
            '"ask":%s,"ask_qty":%s,"last":%s,"volume":%s,"vwap":%s,"low":%s,"high":%s,'
            '"change":%s,"change_pct":0.0}]}'
            % (
                symbol,
                t["b"][0],
                t["b"][2],
                t["a"][0],
                t["a"][2],
                t["c"][0],
                t["v"][1],
                t["p"][1],
                t["l"][1],
                t["h"][1],
                last - open_,
            )
        )

    def snapshot(self, symbol: str) -> str:
        self.journal.append((time.monotonic(), f"snapshot {symbol}"))
        book = self.books[symbol]
        bad = self.faults.bad_snapshots.get(symbol, 0)
        if bad:
            self.faults.bad_snapshots[symbol] = bad - 1
        return (
            '{"channel":"book","type":"snapshot","data":[{"symbol":"%s","bids":%s,"asks":%s,'
            '"checksum":%d}]}'
            % (
                symbol,
                _raw_levels(book.ordered("bids")),
                _raw_levels(book.ordered("asks")),
                book.checksum() ^ (0x5A5A if bad else 0),
            )
        )


class _Session:
    """One client connection: what it subscribed to, answered as Kraken v2 does."""

    def __init__(self, server: KrakenStandIn, ws: ServerConnection) -> None:
        self.server = server
        self.ws = ws
        self.lock = asyncio.Lock()
        self.subscribed = asyncio.Event()
        self.everything = asyncio.Event()
        """Every pair's book, trades and ticker subscribed."""
        self.channels: dict[str, set[str]] = {"book": set(), "trade": set(), "ticker": set()}

    async def read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                request = json.loads(raw)
                self.server.received.append(request)
                await self.answer(request)

    async def answer(self, request: dict[str, Any]) -> None:
        method, params = request.get("method"), request.get("params", {})
        channel = params.get("channel")
        if channel not in self.channels or method not in ("subscribe", "unsubscribe"):
            await self.ws.send(
                json.dumps({"method": method, "success": False, "error": "unsupported"})
            )
            return
        async with self.lock:
            asked = f"{method} {channel} {','.join(params.get('symbol', []))}"
            self.server.journal.append((time.monotonic(), asked))
            for symbol in params.get("symbol", []):
                if channel == "book" and symbol in self.server.faults.refuse_books:
                    refusal = {"method": method, "success": False, "symbol": symbol}
                    await self.ws.send(
                        json.dumps({**refusal, "error": "Currency pair not supported"})
                    )
                    continue
                if method == "unsubscribe":
                    self.channels[channel].discard(symbol)
                    continue
                self.channels[channel].add(symbol)
                reply = {"method": method, "success": True, "result": {"channel": channel}}
                await self.ws.send(json.dumps(reply))
                if channel == "book" and symbol in self.server.known:
                    await self.ws.send(self.server.snapshot(symbol))
            if channel == "book" and method == "subscribe":
                self.subscribed.set()
            wanted = set(self.server.books) - self.server.faults.refuse_books
            if all(wanted <= pairs for pairs in self.channels.values()):
                self.everything.set()
