"""``CcxtFeed``: the MarketFeed on any ccxt exchange: markets and candles over ccxt's async
REST, books, trades and tickers over ccxt.pro's ``watch_*`` streams.

This module imports ccxt (0.7 s and ~100 MB): only a configured exchange without a native
feed loads it (``cli.compose``). ccxt.pro updates its books, trade caches and tickers in
place, so everything handed to the engine is copied first (``feed_copy``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ccxt
import ccxt.pro

from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError
from tradeterm.domain.events import FeedStateChanged, MarketEvent
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.ccxt.feed_copy import BookMirror, ticker_event, trade_event
from tradeterm.venues.ccxt.feed_exchange import bind, chunks, make_exchange, unwatch
from tradeterm.venues.ccxt.feed_rest import CcxtRest
from tradeterm.venues.net import CACHE_MAX_AGE_S, Backoff, MarketsCache

log = logging.getLogger("tradeterm.venues.ccxt")

FULL_DEPTH_SYMBOLS = 20
"""With more symbols than this (``universe = "all"``) books and trades stream for the focused
symbol only; tickers stream for all of them (the scanner's rows)."""
UNWATCH_TIMEOUT_S = 10.0
"""How long an unsubscribe may wait for the exchange's answer before it is given up."""
SILENCE_S = 60.0
"""No update from any stream for this long: the links are remade."""


class CcxtFeed:
    """Markets, books, trades, tickers and candles of ``symbols`` on a ccxt exchange.

    Args:
        exchange: the ccxt exchange id (``binance``, ``okx``...).
        symbols: unified ``BASE/QUOTE`` names; empty means every active spot market (in
            ``quote`` when given).
        venue: the venue's name in tradeterm (the config table's name).
        config: the ``[venues.NAME.ccxt]`` table, passed to the exchange's constructor
            (ccxt deep-merges it over the exchange's own defaults).
        quote: with no ``symbols``, only markets quoted in this asset.
        cache_dir: where the markets cache lives (None: no cache).
        cache_max_age_s: a cache younger than this is used without asking the exchange.
        backoff: reconnect timing.
        silence_s: with no update from any stream for this long, the links are dropped and
            remade (ccxt stops reading a link on a message it cannot parse, silently).
    """

    def __init__(
        self,
        exchange: str,
        symbols: Sequence[str] = (),
        *,
        venue: str | None = None,
        config: Mapping[str, Any] | None = None,
        quote: str = "",
        cache_dir: Path | None = None,
        cache_max_age_s: float = CACHE_MAX_AGE_S,
        backoff: Backoff | None = None,
        silence_s: float = SILENCE_S,
    ) -> None:
        self.venue = venue or exchange
        self.silence_s = silence_s
        self._last_update = time.monotonic()
        self.wanted = list(symbols)
        self.quote = quote
        self.exchange: Any = make_exchange(exchange, config or {})
        self.backoff = backoff or Backoff()
        cache = (
            MarketsCache(cache_dir / f"{self.venue}-ccxt-markets.json", cache_max_age_s, log)
            if cache_dir is not None
            else None
        )
        self.rest = CcxtRest(self.exchange, self.venue, self.backoff, cache)
        self.markets: list[Market] = []
        self.symbols: list[str] = []
        self.mirrors: dict[str, BookMirror] = {}
        self.state = FeedState.DISCONNECTED
        self.updates = 0
        self.malformed = 0
        self._focus = ""
        self._gap_at = -1
        self._focused: list[asyncio.Task[None]] = []
        self._unwatching: dict[str, asyncio.Task[None]] = {}
        """Unsubscribes in flight by symbol: one at a time each (ccxt shares their answer)."""
        self._sink: MarketSink | None = None

    # --- markets and candles (REST: ``feed_rest``) --------------------------------

    async def load_markets(self) -> Sequence[Market]:
        """Markets from a fresh cache, else from the exchange (then cached), else from an old
        cache with a notice.

        Raises:
            VenueUnavailable: the exchange cannot be reached and there is no cache.
            DataError: a configured symbol is not listed, or a market is unreadable.
        """
        self.symbols, self.markets = await self.rest.markets(self.wanted, self.quote)
        return self.markets

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        """Closed candles from ``fetch_ohlcv``, oldest first (see ``CcxtRest.candles``)."""
        return await self.rest.candles(symbol, timeframe, since_ms, limit)

    # --- streaming ---------------------------------------------------------

    def focus(self, symbol: str) -> None:
        """With more than ``FULL_DEPTH_SYMBOLS`` symbols, move the book and trade streams to
        ``symbol`` and unsubscribe those of the symbol left; with fewer, every symbol streams
        in full already."""
        if symbol not in self.symbols or symbol == self._focus:
            return
        previous, self._focus = self._focus, symbol
        if self._focused:  # running with more symbols than FULL_DEPTH_SYMBOLS
            self._start_focused()
            if previous in self._unwatching:
                return  # being unsubscribed already, and not subscribed again since
            task = asyncio.get_running_loop().create_task(
                unwatch(self.exchange, previous, self.venue, UNWATCH_TIMEOUT_S, log),
                name=f"{self.venue}-unwatch",
            )
            self._unwatching[previous] = task
            task.add_done_callback(lambda _: self._unwatching.pop(previous, None))

    async def run(self, sink: MarketSink) -> None:
        """Stream into ``sink`` until cancelled; each stream reconnects with backoff."""
        if not self.markets:
            await self.load_markets()
        self._sink = sink
        self.mirrors = {s: BookMirror(s) for s in self.symbols}
        self.state = FeedState.CONNECTING
        sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTING))
        self._focus = self._focus or (self.symbols[0] if self.symbols else "")
        wide = len(self.symbols) > FULL_DEPTH_SYMBOLS
        loops = [self._watchdog(), *(self._ticker_loop(c) for c in chunks(self.symbols))]
        if wide:
            self._start_focused()
        else:
            loops += [self._book_loop(chunk) for chunk in chunks(self.symbols)]
            loops += [self._trade_loop(chunk) for chunk in chunks(self.symbols)]
        try:
            await asyncio.gather(*loops)
        finally:
            for task in (*self._focused, *self._unwatching.values()):
                task.cancel()
            self._focused = []
            self._unwatching.clear()
            self._sink = None
            await self.close()

    def _start_focused(self) -> None:
        for task in self._focused:
            task.cancel()
        symbols = [self._focus]
        self.mirrors[self._focus].reset()
        loop = asyncio.get_running_loop()
        pending = set(self._unwatching.values())  # none may land after a new subscribe
        self._focused = [
            loop.create_task(
                self._after(pending, self._book_loop, symbols), name=f"{self.venue}-book"
            ),
            loop.create_task(
                self._after(pending, self._trade_loop, symbols), name=f"{self.venue}-trades"
            ),
        ]

    @staticmethod
    async def _after(
        pending: set[asyncio.Task[None]],
        loop: Callable[[list[str]], Awaitable[None]],
        symbols: list[str],
    ) -> None:
        if pending:
            await asyncio.wait(pending)  # unlike gather, a cancel here leaves them running
        await loop(symbols)

    async def close(self) -> None:
        """Close ccxt's HTTP session and streams (``run`` does it when cancelled)."""
        await self.exchange.close()

    async def _book_loop(self, symbols: list[str]) -> None:
        ex = self.exchange
        if ex.has.get("watchOrderBookForSymbols"):
            call = lambda: ex.watch_order_book_for_symbols(symbols)  # noqa: E731
            await self._watch("books", call, lambda book: self._books(book, symbols))
        else:
            await self._each("book", ex.watch_order_book, symbols, self._book)

    async def _trade_loop(self, symbols: list[str]) -> None:
        ex = self.exchange
        if ex.has.get("watchTradesForSymbols"):
            await self._watch("trades", lambda: ex.watch_trades_for_symbols(symbols), self._trades)
        elif ex.has.get("watchTrades"):
            await self._each("trades", ex.watch_trades, symbols, self._trades)

    async def _ticker_loop(self, symbols: list[str]) -> None:
        ex = self.exchange
        if ex.has.get("watchTickers"):
            await self._watch("tickers", lambda: ex.watch_tickers(symbols), self._tickers)
        elif ex.has.get("watchTicker"):
            await self._each("ticker", ex.watch_ticker, symbols, self._tickers)

    async def _each(
        self,
        what: str,
        method: Callable[[str], Awaitable[Any]],
        symbols: list[str],
        handle: Callable[[Any], None],
    ) -> None:
        """One watch per symbol, for exchanges that cannot watch several in one call."""
        await asyncio.gather(
            *(self._watch(f"{what} {s}", bind(method, s), handle) for s in symbols)
        )

    async def _watchdog(self) -> None:
        """Drop ccxt's links when nothing came for ``silence_s``: the streams see a network
        error and reconnect (ccxt's reader dies on a message it cannot parse, and a link can
        die on the first message, before the feed ever says CONNECTED)."""
        self._last_update = time.monotonic()
        while True:
            await asyncio.sleep(self.silence_s / 4)  # a live link: wall time
            silent = time.monotonic() - self._last_update
            if silent > self.silence_s:
                log.warning("%s: no update for %.1fs; reconnecting", self.venue, silent)
                for client in list(self.exchange.clients.values()):
                    client.on_error(ccxt.NetworkError(f"no update for {silent:.1f}s"))
                self._last_update = time.monotonic()

    async def _watch(
        self, what: str, call: Callable[[], Awaitable[Any]], handle: Callable[[Any], None]
    ) -> None:
        """Await ``call`` again and again, handing each result to ``handle`` at once (before
        ccxt changes it again); a failure waits with backoff and resubscribes."""
        attempt = 0
        while True:
            try:
                result = await call()
            except ccxt.NotSupported as exc:
                log.info("%s: no %s stream: %s", self.venue, what, exc)
                return
            except ccxt.BaseError as exc:
                self._failed(what, exc)
                await asyncio.sleep(self.backoff.delay(attempt))  # a live link: wall time
                attempt += 1
                continue
            attempt = 0
            self._last_update = time.monotonic()
            self._connected()
            self.updates += 1
            try:
                handle(result)
            except (DataError, KeyError, TypeError, ValueError, AttributeError) as exc:
                self.malformed += 1
                log.warning(
                    "%s: unreadable %s update #%d skipped (%s: %s)",
                    self.venue,
                    what,
                    self.updates,
                    type(exc).__name__,
                    exc,
                )

    def _failed(self, what: str, exc: Exception) -> None:
        for mirror in self.mirrors.values():
            mirror.reset()  # whatever ccxt rebuilds comes to the engine whole
        if isinstance(exc, ccxt.InvalidNonce):  # a sequence gap or a checksum mismatch
            if self._gap_at == self.updates:
                return  # ccxt raises a gap again until the resubscription: logged once
            self._gap_at = self.updates
            log.warning(
                "%s %s: gap (%s) after update #%d; resync from a fresh snapshot",
                self.venue,
                what,
                exc,
                self.updates,
            )
            return
        detail = f"{type(exc).__name__}: {exc}"
        log.warning("%s %s stream down (%s); reconnecting", self.venue, what, detail)
        if self.state is not FeedState.RECONNECTING:  # the first of the streams to notice
            self.state = FeedState.RECONNECTING
            self._emit(FeedStateChanged(self.venue, FeedState.RECONNECTING, detail))

    def _connected(self) -> None:
        if self.state is not FeedState.CONNECTED:
            self.state = FeedState.CONNECTED
            self._emit(FeedStateChanged(self.venue, FeedState.CONNECTED))

    # --- ccxt's structures as events (copied) --------------------------------

    def _emit(self, event: MarketEvent) -> None:
        if self._sink is not None:
            self._sink.on_market(event)

    def _book(self, book: Mapping[str, Any], symbol: str | None = None) -> None:
        mirror = self.mirrors.get(symbol or str(book.get("symbol")))
        if mirror is not None:
            event = mirror.update(book)
            if event is not None:
                self._emit(event)

    def _books(self, book: Mapping[str, Any], symbols: Sequence[str]) -> None:
        """One watch over several symbols returns one book per await: the others that ccxt
        changed meanwhile (by update id or time) are sent too, or a quiet book would lag."""
        self._book(book)
        books = self.exchange.orderbooks
        for symbol in symbols:
            other, mirror = books.get(symbol), self.mirrors.get(symbol)
            if other is None or mirror is None or other is book:
                continue
            version = (other.get("nonce"), other.get("timestamp"))
            if version not in ((None, None), mirror.version):
                self._book(other, symbol)

    def _trades(self, trades: Sequence[Mapping[str, Any]]) -> None:
        for item in trades:
            if item.get("symbol") in self.mirrors:
                event = trade_event(item)
                if event is not None:
                    self._emit(event)

    def _tickers(self, tickers: Mapping[str, Any]) -> None:
        if "symbol" in tickers and not isinstance(tickers.get("symbol"), Mapping):
            tickers = {str(tickers["symbol"]): tickers}  # watch_ticker: one ticker
        for symbol, item in tickers.items():
            if symbol in self.mirrors:
                event = ticker_event(symbol, item)
                if event is not None:
                    self._emit(event)
