"""``KrakenFeed``: the native Kraken spot MarketFeed (WebSocket v2 book, trade and ticker)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import WebSocketException

from tradeterm.domain.enums import FeedState, Side
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import FeedStateChanged, TickerUpdated, TradePrinted
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Ticker, Trade
from tradeterm.engine.clock import Clock
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.kraken.book import KrakenBook, number
from tradeterm.venues.kraken.candles import ohlc_path, parse_ohlc
from tradeterm.venues.kraken.markets import PairInfo, parse_asset_pairs
from tradeterm.venues.kraken.refusals import refusal
from tradeterm.venues.kraken.subscribe import OTHERS_AFTER_S, LeadFirst, requests
from tradeterm.venues.net import (
    CACHE_MAX_AGE_S,
    Backoff,
    MarketsCache,
    RestClient,
    cached_markets,
)
from tradeterm.venues.rest_budget import Limit, RestBudget
from tradeterm.venues.stream import log_malformed, stream_forever
from tradeterm.venues.ws_direct import Compression

log = logging.getLogger("tradeterm.venues.kraken")

PUBLIC = "https://api.kraken.com/0/public"
WS = "wss://ws.kraken.com/v2"
DEPTHS = (10, 25, 100, 500, 1000)
"""The book depths Kraken v2 accepts."""
REST_LIMIT = Limit(1, 1.0)
"""Kraken's public REST: about one call a second per IP address (past it: 429, or
``EGeneral:Too many requests`` in a 200 answer, which pauses the venue: ``refusals``); the
feed calls AssetPairs at start and OHLC for candles."""


def endpoints(urls: Mapping[str, Any] | None) -> tuple[str, str]:
    """REST base and v2 stream url from ccxt-style ``urls``: ``urls.api.public`` and
    ``urls.api.ws`` (a url, or a table whose ``publicV2`` or ``public`` entry is one)."""
    api = (urls or {}).get("api", {})
    public = api.get("public", PUBLIC) if isinstance(api, Mapping) else PUBLIC
    ws: Any = api.get("ws", WS) if isinstance(api, Mapping) else WS
    if isinstance(ws, Mapping):
        ws = ws.get("publicV2", ws.get("public", WS))
    return str(public), str(ws)


def _ts_ns(text: Any) -> int:
    """An RFC 3339 timestamp (``2023-09-25T07:48:36.925533Z``) in ns; now when absent."""
    if not isinstance(text, str):
        return time.time_ns()
    moment = datetime.fromisoformat(text)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


class KrakenFeed:
    """Kraken spot books (with their checksums), trades and tickers for ``symbols``.

    Args:
        symbols: unified ``BASE/QUOTE`` names (``BTC/USD``; Kraken's ``XBT/USD`` is accepted);
            empty means every online pair.
        venue: the venue's name in tradeterm (the config table's name).
        urls: ccxt-style endpoints (see ``endpoints``); point them at a local server.
        cache_dir: where the markets cache lives (None: no cache).
        cache_max_age_s: a cache younger than this is used without asking the exchange.
        backoff: reconnect and REST retry timing.
        depth: the book depth to subscribe to (one of ``DEPTHS``).
        quote: with no ``symbols``, only the pairs quoted in this asset.
        compression: offer permessage-deflate or not (``ws_direct.compression_for``).
        others_after_s: at each connection the focused pair is subscribed first and alone;
            the others this many seconds after its snapshot (``subscribe.LeadFirst``).
        clock: the engine's clock: REST waits (pacing, backoff) are its timers.
        rest_limit: the REST calls allowed (``REST_LIMIT`` by default).
    """

    def __init__(
        self,
        symbols: Sequence[str] = (),
        *,
        venue: str = "kraken",
        urls: Mapping[str, Any] | None = None,
        cache_dir: Path | None = None,
        cache_max_age_s: float = CACHE_MAX_AGE_S,
        backoff: Backoff | None = None,
        depth: int = 100,
        quote: str = "",
        compression: Compression = "auto",
        others_after_s: float = OTHERS_AFTER_S,
        clock: Clock | None = None,
        rest_limit: Limit = REST_LIMIT,
    ) -> None:
        if depth not in DEPTHS:
            raise DataError(f"{venue}: book depth {depth} is not allowed; allowed: {DEPTHS}")
        self.venue = venue
        self.symbols = list(symbols)
        self.quote = quote
        self.compression: Compression = compression
        self.depth = depth
        public, self.ws_url = endpoints(urls)
        self.backoff = backoff or Backoff()
        self.budget = RestBudget(venue, rest_limit, clock=clock, logger=log, on_paced=self._paced)
        self.rest = RestClient(
            public, self.backoff, logger=log, budget=self.budget, refused=refusal
        )
        self.cache = (
            MarketsCache(cache_dir / f"{venue}-AssetPairs.json", cache_max_age_s, log)
            if cache_dir is not None
            else None
        )
        self.markets: list[Market] = []
        self.pairs: dict[str, PairInfo] = {}
        self.books: dict[str, KrakenBook] = {}
        self.connections = 0
        self.messages = 0
        self.malformed = 0
        self._ws: ClientConnection | None = None
        self._sends: set[asyncio.Task[None]] = set()
        self._failures: dict[str, int] = {}  # resyncs in a row without a good snapshot
        self._sink: MarketSink | None = None
        self._lead = ""
        """The focused pair: subscribed first and alone at each connection."""
        self._order = LeadFirst(venue, depth, others_after_s)

    # --- markets -----------------------------------------------------------

    async def load_markets(self) -> Sequence[Market]:
        """Markets from a fresh cache, else from AssetPairs (then cached), else an old cache.

        Raises:
            VenueUnavailable: the exchange cannot be reached and there is no cache.
            DataError: a configured symbol is not listed.
        """
        body = await cached_markets(self.venue, self.rest, "AssetPairs", self.cache, log)
        self.markets, self.pairs = parse_asset_pairs(self.venue, body, self.symbols, self.quote)
        return self.markets

    def focus(self, symbol: str) -> None:
        """Every configured symbol streams in full; the focused one is subscribed first and
        alone at each connection, the others after its book (``subscribe.LeadFirst``)."""
        self._lead = symbol

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        """Closed candles from GET /0/public/OHLC, oldest first (Kraken keeps the last 720).

        Raises:
            DataError: the symbol is not one of this feed's markets, or the timeframe is not
                a Kraken interval.
            VenueUnavailable: the exchange could not be reached.
        """
        pair = self.pairs.get(symbol)
        if pair is None:
            raise DataError(f"{self.venue}: no market {symbol}; listed: {', '.join(self.pairs)}")
        body = await self.rest.get(ohlc_path(pair.altname, timeframe, since_ms))
        return parse_ohlc(body, since_ms)[:limit]

    # --- streaming ---------------------------------------------------------

    def subscriptions(self) -> list[dict[str, Any]]:
        """The v2 subscribe requests for every pair (a connection sends them in two steps:
        ``subscribe.LeadFirst``)."""
        return requests(list(self.pairs), self.depth)

    def first_book(self) -> str:
        """The pair subscribed first: the focused one, else the first loaded."""
        return self._lead if self._lead in self.pairs else next(iter(self.pairs), "")

    async def run(self, sink: MarketSink) -> None:
        """Stream into ``sink`` until cancelled, reconnecting with backoff and jitter."""
        if not self.pairs:
            await self.load_markets()
        self.attach(sink)
        await stream_forever(
            self.venue,
            lambda: self.ws_url,
            sink,
            self.backoff,
            self._opened,
            self.on_message,
            self._closed,
            log,
            self.compression,
        )

    async def _opened(self, ws: ClientConnection) -> None:
        """Connected: fresh books, subscribe (the focused pair first), then say so."""
        self.connections += 1
        self._ws = ws
        for book in self.books.values():
            book.reset()
        await self._order.open(ws, list(self.pairs), self.first_book())
        assert self._sink is not None
        self._sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTED))

    def _closed(self) -> None:
        self._ws = None
        self._order.close()

    def _paced(self, detail: str) -> None:
        """The REST budget makes calls wait (``detail`` says so; "" once they do not): shown
        on the feed's status while connected."""
        if self._sink is not None and self._ws is not None:
            self._sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTED, detail))

    def attach(self, sink: MarketSink) -> None:
        """Send events to ``sink``, with a fresh book per loaded market (``run`` does it); an
        engine's sink lends its own books (``keep_book``), which the feed then writes."""
        self._sink = sink
        keep = getattr(sink, "keep_book", None)  # an engine's sink: its books are written here
        self.books = {
            symbol: KrakenBook(
                symbol,
                pair.price_decimals,
                pair.qty_decimals,
                self.depth,
                sink.on_market,
                self._resync_handler(symbol),
                keep if callable(keep) else None,
            )
            for symbol, pair in self.pairs.items()
        }

    def on_message(self, raw: str | bytes) -> None:
        """Decode one v2 message and route it; a malformed one is logged and skipped."""
        self.messages += 1
        try:
            message = orjson.loads(raw)
            channel = message.get("channel")
            if channel == "book":
                snapshot = message["type"] == "snapshot"
                for item in message["data"]:
                    self._book(item, snapshot)
            elif channel == "trade":
                for item in message["data"]:
                    self._trade(item)
            elif channel == "ticker":
                for item in message["data"]:
                    self._ticker(item)
            elif message.get("success") is False:
                log.warning("%s: request refused: %s", self.venue, message.get("error"))
                self._order.refused()
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            self.malformed += 1
            log_malformed(log, self.venue, self.messages, exc, raw)

    def _book(self, item: dict[str, Any], snapshot: bool) -> None:
        book = self.books.get(item["symbol"])
        if book is None:
            return
        ts_ns = _ts_ns(item.get("timestamp"))
        if snapshot:
            book.on_snapshot(item, ts_ns)
            if book.synced:
                self._failures.pop(book.symbol, None)
            self._order.book_came(book.symbol)
        else:
            book.on_update(item, ts_ns)

    def _trade(self, item: dict[str, Any]) -> None:
        symbol = item["symbol"]
        if symbol not in self.pairs or self._sink is None:
            return
        side = item["side"]
        if side not in ("buy", "sell"):
            raise ValueError(f"trade side {side!r} is not buy or sell")
        trade = Trade(
            symbol=symbol,
            price=number(item["price"]),
            qty=number(item["qty"]),
            side=Side.BUY if side == "buy" else Side.SELL,
            ts_ns=_ts_ns(item.get("timestamp")),
            trade_id=str(item.get("trade_id", "")),
        )
        self._sink.on_market(TradePrinted(trade))

    def _ticker(self, item: dict[str, Any]) -> None:
        symbol = item["symbol"]
        if symbol not in self.pairs or self._sink is None:
            return
        last = number(item["last"])
        volume = number(item["volume"])
        change = Decimal(repr(item.get("change", 0.0)))
        ticker = Ticker(
            symbol=symbol,
            last=last,
            bid=number(item["bid"]) if item.get("bid") is not None else None,
            ask=number(item["ask"]) if item.get("ask") is not None else None,
            open_24h=last - change,
            high_24h=number(item["high"]),
            low_24h=number(item["low"]),
            volume_24h=volume,
            quote_volume_24h=volume * number(item.get("vwap", item["last"])),
            ts_ns=_ts_ns(item.get("timestamp")),
        )
        self._sink.on_market(TickerUpdated(ticker))

    # --- resync ------------------------------------------------------------

    def _resync_handler(self, symbol: str) -> Callable[[str], None]:
        def resync(reason: str) -> None:
            log.warning(
                "%s %s: resync from a fresh snapshot (%s; stream message #%d)",
                self.venue,
                symbol,
                reason,
                self.messages,
            )
            ws = self._ws
            if ws is None:
                return  # the next connection subscribes afresh
            failures = self._failures[symbol] = self._failures.get(symbol, 0) + 1
            # a snapshot that fails again waits longer: no resubscribe storm
            delay = self.backoff.delay(failures - 2) if failures > 1 else 0.0
            task = asyncio.get_running_loop().create_task(
                self._resubscribe(ws, symbol, delay), name=f"{self.venue}-resync-{symbol}"
            )
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

        return resync

    async def _resubscribe(self, ws: ClientConnection, symbol: str, delay: float) -> None:
        """Unsubscribe and subscribe the book again (after ``delay`` seconds when the last
        snapshot failed too): Kraken answers with a fresh snapshot."""
        params = {"channel": "book", "symbol": [symbol], "depth": self.depth}
        if delay:
            log.warning("%s %s: resubscribing in %.2fs", self.venue, symbol, delay)
            await asyncio.sleep(delay)
        try:
            await ws.send(orjson.dumps({"method": "unsubscribe", "params": params}).decode())
            params["snapshot"] = True
            await ws.send(orjson.dumps({"method": "subscribe", "params": params}).decode())
        except WebSocketException as exc:
            log.warning("%s %s: resubscribe failed (%s)", self.venue, symbol, exc)
