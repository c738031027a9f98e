"""Routing a Binance capture's messages (combined-stream envelopes, inline REST snapshots) to
the symbol books of ``binance.py``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tradeterm.venues.replay.binance import BinanceBook, loads
from tradeterm.venues.replay.state import BookFor, Context

Route = Callable[[int, int, int, Any, str], None]
"""A stream's handler: (receive ns, source, line, value read by the C decoder or None, text)."""


class BinanceDecoder:
    """Routes one Binance capture file's messages (combined-stream envelopes) to symbol books."""

    def __init__(
        self,
        ctx: Context,
        exchange: str,
        book_for: BookFor,
        src: int,
    ) -> None:
        self.ctx = ctx
        self.exchange = exchange
        self.book_for = book_for
        self.src = src
        self.routes: dict[str, Route] = {}
        self.books: list[BinanceBook] = []
        self.held_snapshot: tuple[int, int, dict[str, Any]] | None = None
        self.other = 0

    def _book(self, exchange_symbol: str, ts: int) -> BinanceBook:
        state = self.book_for(BinanceBook, self.exchange, exchange_symbol, ts)
        assert isinstance(state, BinanceBook)
        if state not in self.books:
            self.books.append(state)
            held = self.held_snapshot
            if held is not None:
                self.held_snapshot = None
                state.on_snapshot(ts, self.src, held[1], held[2])
        return state

    def _route(self, stream: str, ts: int) -> Route:
        """The handler for one stream, chosen once: what is read depends on the mode."""
        symbol, _, kind = stream.partition("@")
        book = self._book(symbol.upper(), ts)
        ctx = self.ctx
        route: Route = book.on_other
        if kind == "depth" or kind.startswith("depth@"):
            route = book.on_depth
        elif ctx.scan:
            pass  # a scan only looks for symbols and snapshots
        elif kind == "bookTicker":
            route = book.on_book_ticker
        elif kind == "trade":
            route = book.on_trade if ctx.market_data else book.on_trade_id
        elif kind == "aggTrade":
            route = book.on_agg_trade if ctx.market_data else book.on_agg_trade_id
        self.routes[stream] = route
        return route

    def handle(self, ts: int, src: int, line: int, body: str | tuple[str, Any, str]) -> None:
        """One line's message from a websocket capture (hftbacktest or cryptofeed): its text,
        or (stream, value, text) when ``wire.hft_items`` has read the line."""
        if body.__class__ is tuple:
            stream, value, text = body
            (self.routes.get(stream) or self._route(stream, ts))(ts, src, line, value, text)
            return
        assert isinstance(body, str)
        if body.startswith('{"stream":"') and body.endswith("}}"):  # whole, not cut short
            stream = body[11 : body.find('"', 11)]
            route = self.routes.get(stream)
            if route is None:
                route = self._route(stream, ts)
            route(ts, src, line, None, body)
            return
        msg = loads(body)
        if not isinstance(msg, dict):
            self.other += 1
        elif "stream" in msg:
            stream = str(msg["stream"])
            route = self.routes.get(stream) or self._route(stream, ts)
            route(ts, src, line, None, json.dumps(msg, separators=(",", ":")))
        elif "lastUpdateId" in msg:
            self._inline_snapshot(ts, src, line, msg)
        else:
            self.other += 1  # subscription answers and the like

    def _inline_snapshot(self, ts: int, src: int, line: int, msg: dict[str, Any]) -> None:
        """hftbacktest writes the REST snapshot (which names no symbol) into the file's stream."""
        if len(self.books) == 1:
            self.books[0].on_snapshot(ts, src, line, msg)
        elif not self.books:
            self.held_snapshot = (ts, line, msg)  # applied when the file's symbol is known
        else:
            raise ValueError("a snapshot without a symbol in a file with several symbols")

    def handle_http(self, ts: int, src: int, line: int, body: tuple[str, str]) -> None:
        """One cryptofeed REST line: a depth snapshot for the symbol named in its URL."""
        url, text = body
        parts = urlsplit(url)
        if not parts.path.endswith("/depth"):
            self.other += 1
            return
        symbol = parse_qs(parts.query).get("symbol", [""])[0].upper()
        if not symbol:
            raise ValueError(f"no symbol in the snapshot URL {url}")
        exchange = "binanceusdm" if "fapi" in parts.netloc else "binance"
        state = self.book_for(BinanceBook, exchange, symbol, ts)
        assert isinstance(state, BinanceBook)
        state.on_snapshot(ts, src, line, loads(text))
