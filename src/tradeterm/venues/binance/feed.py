"""``BinanceFeed``: the native Binance spot MarketFeed (combined stream + REST snapshots)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import FeedStateChanged
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.engine.clock import Clock
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.binance import limits
from tradeterm.venues.binance.candles import klines_path, parse_klines
from tradeterm.venues.binance.decode import Diff, depth_event
from tradeterm.venues.binance.markets import CACHE_MAX_AGE_S, MarketsCache, parse_exchange_info
from tradeterm.venues.binance.prints import ticker_event, trade_event
from tradeterm.venues.binance.rest import Backoff, RestClient
from tradeterm.venues.binance.snapshot import Snapshots
from tradeterm.venues.binance.streams import Subscriber, stream_names
from tradeterm.venues.binance.sync import DepthSync
from tradeterm.venues.binance.urls import endpoints
from tradeterm.venues.net import cached_markets
from tradeterm.venues.rest_budget import Limit
from tradeterm.venues.stream import log_malformed, stream_forever
from tradeterm.venues.ws_direct import Compression

RUN_MAX = 32
"""The most depth events of one symbol a read's run holds before they are written (see
``on_messages``): a run of 256 held whole cost 40 % more a message than runs of 32, its
decoded levels no longer fitting the caches."""

log = logging.getLogger("tradeterm.venues.binance")

OTHERS_AFTER_S = 0.25
"""The other symbols' snapshots are asked for this long after the focused book's first
answer: the workstation mounts and draws that book meanwhile (on 20 symbols, 19 snapshots
of 1000 levels parsed beside it kept the loop busy 60-140 ms before the ladder drew)."""
SUBSCRIBE_TIMEOUT_S = 10.0
"""How long the other symbols' SUBSCRIBE waits for its answer; without one (or refused)
their snapshots are not asked for: the SUBSCRIBE is sent again on the same connection with
the reconnect backoff, and meanwhile their books wait, empty, or sync at their first diff
(the answer was lost, but the exchange subscribed them: ``_unsynced``)."""


class BinanceFeed:
    """Binance spot books, trades and 24h tickers for ``symbols`` (unified ``BASE/QUOTE``).

    Args:
        symbols: the markets to stream; empty means every trading spot market (books for all
            of them is heavy: name the ones you watch).
        venue: the venue's name in tradeterm (the config table's name).
        urls: ccxt-style endpoints (see ``endpoints``); point them at a testnet or a local server.
        cache_dir: where the markets cache lives (None: no cache).
        cache_max_age_s: a cache younger than this is used without asking the exchange.
        backoff: reconnect and REST retry timing.
        quote: with no ``symbols``, only the markets quoted in this asset.
        others_after_s: at each connection the focused symbol's book is synced first; the
            other symbols' snapshots are asked for this many seconds after its answer.
        compression: offer permessage-deflate or not (``ws_direct.compression_for``).
        clock: the engine's clock: REST waits (weight budget, backoff) are its timers.
        rest_limit: the REST request weight allowed (None: what exchangeInfo states, else
            Binance's documented 6,000 a minute; ``binance.limits``).
    """

    def __init__(
        self,
        symbols: Sequence[str] = (),
        *,
        venue: str = "binance",
        urls: Mapping[str, Any] | None = None,
        cache_dir: Path | None = None,
        cache_max_age_s: float = CACHE_MAX_AGE_S,
        backoff: Backoff | None = None,
        quote: str = "",
        others_after_s: float = OTHERS_AFTER_S,
        compression: Compression = "auto",
        clock: Clock | None = None,
        rest_limit: Limit | None = None,
    ) -> None:
        self.venue = venue
        self.others_after_s = others_after_s
        self.symbols = list(symbols)
        self.quote = quote
        self.compression: Compression = compression
        public, self.ws_base = endpoints(urls)
        self.backoff = backoff or Backoff()
        self.rest_limit = rest_limit
        self.budget = limits.budget(venue, rest_limit, clock, log, self._paced)
        self.rest = RestClient(public, self.backoff, logger=log, budget=self.budget)
        self.cache = (
            MarketsCache(cache_dir / f"{venue}-exchangeInfo.json", cache_max_age_s, log)
            if cache_dir is not None
            else None
        )
        self.markets: list[Market] = []
        self.native: dict[str, str] = {}  # BTC/USDT -> BTCUSDT
        self.unified: dict[str, str] = {}  # BTCUSDT -> BTC/USDT
        self.books: dict[str, DepthSync] = {}
        self.connections = 0
        self.messages = 0
        self.malformed = 0
        self._snapshots = Snapshots(venue, self.rest, self.backoff)
        self._syncing: asyncio.Task[None] | None = None
        self._lead = ""
        """The focused symbol's native name: its book is synced first and alone."""
        self._streamed: list[str] = []
        """The markets whose streams the connection's url names (the others are subscribed
        after the first book)."""
        self._subscriber = Subscriber(venue)
        self._sink: MarketSink | None = None

    # --- markets -----------------------------------------------------------

    async def load_markets(self) -> Sequence[Market]:
        """Markets from a fresh cache, else from exchangeInfo (then cached), else from an old cache.

        Raises:
            VenueUnavailable: the exchange cannot be reached and there is no cache.
            DataError: a configured symbol is not listed.
        """
        body = await cached_markets(self.venue, self.rest, "exchangeInfo", self.cache, log)
        if self.rest_limit is None:
            limits.adopt_stated(self.budget, body)
        self.markets, self.native = parse_exchange_info(self.venue, body, self.symbols, self.quote)
        self.unified = {v: k for k, v in self.native.items()}
        return self.markets

    def focus(self, symbol: str) -> None:
        """Every configured symbol streams in full; the focused one's book is synced first
        at each connection, before the other snapshots are asked for."""
        self._lead = self.native.get(symbol, "")

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        """Closed candles from GET /api/v3/klines, oldest first (at most 1000 a call).

        Raises:
            DataError: the symbol is not one of this feed's markets, or the timeframe is not
                a Binance interval.
            VenueUnavailable: the exchange could not be reached.
        """
        native = self.native.get(symbol)
        if native is None:
            raise DataError(f"{self.venue}: no market {symbol}; listed: {', '.join(self.native)}")
        body = await self.rest.get(klines_path(native, timeframe, since_ms, limit))
        return parse_klines(body)[:limit]

    # --- streaming ---------------------------------------------------------

    def stream_url(self) -> str:
        """The combined stream's url for a new connection: the focused market's streams
        only when there are others (they are subscribed after its first book, so their
        trades and diffs do not hold the loop before it), else every market's."""
        lead = self._first_book()
        self._streamed = [lead] if lead and len(self.native) > 1 else list(self.native.values())
        return f"{self.ws_base}/stream?streams={'/'.join(stream_names(self._streamed))}"

    def _first_book(self) -> str:
        """The native name of the book synced first: the focused market's, else the first."""
        return self._lead if self._lead in self.books else next(iter(self.books), "")

    async def run(self, sink: MarketSink) -> None:
        """Stream into ``sink`` until cancelled, reconnecting with backoff and jitter."""
        if not self.native:
            await self.load_markets()
        self.attach(sink)
        await stream_forever(
            self.venue,
            self.stream_url,
            sink,
            self.backoff,
            self._opened,
            self.on_message,
            self._cancel_snapshots,
            log,
            self.compression,
            self.on_messages,
        )

    async def _opened(self, ws: ClientConnection) -> None:
        """Connected (the streams are subscribed, so their events are buffered): say so, then
        resync every book from a fresh snapshot, the focused one's first (``_sync_books``)."""
        self.connections += 1
        assert self._sink is not None
        self._sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTED))
        for book in self.books.values():
            book.reset()
        self._syncing = asyncio.get_running_loop().create_task(
            self._sync_books(ws), name=f"{self.venue}-sync-books"
        )

    async def _sync_books(self, ws: ClientConnection) -> None:
        """The focused market first and alone: its streams are the only ones in the url and
        its snapshot is asked for first (beside 19 others it came 20-40 ms later, and their
        snapshots, trades and diffs held the loop before the ladder drew it). The others are
        subscribed ``others_after_s`` after its first answer (or failure); once the exchange
        has said yes, their events are buffered and their snapshots asked for, as Binance's
        rules want."""
        lead = self._streamed[0] if len(self._streamed) == 1 else self._first_book()
        if lead:
            tried = asyncio.Event()
            self._request_snapshot(lead, tried)
            await tried.wait()
            if len(self.books) > 1 and self.others_after_s > 0:
                await asyncio.sleep(self.others_after_s)  # a live link: wall time
        others = [n for n in self.books if n not in self._streamed]
        tries = 0
        while others:
            try:
                subscribed = await self._subscriber.subscribe(
                    ws, stream_names(others), SUBSCRIBE_TIMEOUT_S
                )
            except ConnectionClosed:
                return  # (the stream loop reconnects, and this starts again)
            if subscribed:
                break
            # a snapshot no diff follows would be a frozen, wrong book: asked again instead
            delay = self.backoff.delay(tries)
            tries += 1
            log.error(
                "%s: %d markets not subscribed: asking again in %.1fs",
                self.venue,
                len(others),
                delay,
            )
            await asyncio.sleep(delay)  # a live link: wall time
            others = [n for n in others if not self.books[n].synced]  # (flowing: subscribed)
        for native in self.books:
            if not self.books[native].synced:
                self._request_snapshot(native)

    def attach(self, sink: MarketSink) -> None:
        """Send events to ``sink``, with a fresh book state per loaded market (``run`` does it)."""
        self._sink = sink
        keep = getattr(sink, "keep_book", None)  # an engine's sink: its books are written here
        self.books = {
            native: DepthSync(
                symbol,
                sink.on_market,
                self._resync_handler(native),
                keep if callable(keep) else None,
            )
            for symbol, native in self.native.items()
        }

    def on_message(self, raw: str | bytes) -> None:
        """Decode one combined-stream frame and route it; a malformed one is logged and skipped."""
        self.messages += 1
        try:
            depth = depth_event(raw)
            if depth is not None:  # the hot path: typed, straight to levels
                native, diff = depth
                book = self.books.get(native)
                if book is not None:
                    book.on_diff(diff)
                    if not book.synced:
                        self._unsynced(native)
                return
            self._other(orjson.loads(raw))
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            self.malformed += 1
            log_malformed(log, self.venue, self.messages, exc, raw)

    def on_messages(self, batch: list[str | bytes]) -> None:
        """The frames one socket read completed, in order: each is decoded and checked on
        its own (a malformed one is logged and skipped), and a symbol's run of depth events
        reaches its book together (``DepthSync.on_diffs``: one update, one ``BookChanged``).
        A symbol's run ends at the batch's end or at another frame about that symbol (a
        trade, a ticker), which still follows every update of its book sent before it; a
        frame about no known symbol (an answer) ends every run, and a run is written once
        it holds ``RUN_MAX`` events. (Updates of other books may then come after it: they
        arrived in the same read, and no book waits on another's.)"""
        runs: dict[str, list[Diff]] = {}
        books = self.books
        for raw in batch:
            self.messages += 1
            try:
                depth = depth_event(raw)
                if depth is not None:
                    native, diff = depth
                    if native in books:
                        run = runs.get(native)
                        if run is None:
                            runs[native] = [diff]
                        else:
                            run.append(diff)
                            if len(run) >= RUN_MAX:
                                self._runs({native: runs.pop(native)})
                    continue
                message = orjson.loads(raw)
                if runs:  # what this frame is about is written first (all, if unsure)
                    data = message.get("data") if isinstance(message, dict) else None
                    symbol = data.get("s") if isinstance(data, dict) else None
                    run = runs.pop(symbol, None) if isinstance(symbol, str) else None
                    if run is not None and isinstance(symbol, str):
                        self._runs({symbol: run})
                    elif symbol not in books:
                        self._runs(runs)
                        runs = {}
                self._other(message)
            except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
                self.malformed += 1
                log_malformed(log, self.venue, self.messages, exc, raw)
        if runs:
            self._runs(runs)

    def _runs(self, runs: dict[str, list[Diff]]) -> None:
        for native, diffs in runs.items():  # (an error behind the sink: as in ``on_message``)
            try:
                self.books[native].on_diffs(diffs)
            except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
                self.malformed += 1
                log_malformed(log, self.venue, self.messages, exc, f"{native} depth run")
            if not self.books[native].synced:
                self._unsynced(native)

    def _other(self, message: Any) -> None:
        """A frame that is not a depth event (or not a well-formed one: this says why)."""
        if "data" not in message and self._subscriber.answered(message):
            return  # the answer to a SUBSCRIBE
        data = message["data"]
        if isinstance(data, list):
            for item in data:
                self._route(item)
        else:
            self._route(data)

    def _route(self, data: dict[str, Any]) -> None:
        kind = data.get("e")
        if kind == "depthUpdate":
            book = self.books.get(data["s"])
            if book is not None:
                book.on_diff(Diff.parse(data))
                if not book.synced:
                    self._unsynced(data["s"])
        elif kind in ("trade", "aggTrade"):
            self._trade(data)
        elif kind in ("24hrTicker", "24hrMiniTicker"):
            self._ticker(data)

    def _trade(self, data: dict[str, Any]) -> None:
        event = trade_event(data, self.unified)
        if event is not None and self._sink is not None:
            self._sink.on_market(event)

    def _ticker(self, data: dict[str, Any]) -> None:
        event = ticker_event(data, self.unified)
        if event is not None and self._sink is not None:
            self._sink.on_market(event)

    # --- snapshots ---------------------------------------------------------

    def _resync_handler(self, native: str) -> Callable[[str], None]:
        def resync(reason: str) -> None:
            self._snapshots.lost(native, reason, self.messages)
            self._request_snapshot(native)

        return resync

    def _unsynced(self, native: str) -> None:
        """A diff for a book not synced on an open connection: its snapshot is asked for if
        none is on its way (a SUBSCRIBE whose answer was lost or late: its events flow)."""
        if self._syncing is not None:
            self._request_snapshot(native)

    def _request_snapshot(self, native: str, tried: asyncio.Event | None = None) -> None:
        self._snapshots.request(native, self.books[native], tried)

    def _cancel_snapshots(self) -> None:
        if self._syncing is not None:
            self._syncing.cancel()
            self._syncing = None
        self._snapshots.cancel()

    def _paced(self, detail: str) -> None:
        """The REST budget makes requests wait (``detail`` says so; "" once they do not):
        shown on the feed's status while connected (else the stream's own state is)."""
        if self._sink is not None and self._syncing is not None:
            self._sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTED, detail))
