"""``CcxtRest``: a ccxt exchange's REST side for the feed: markets (through a cache on disk)
and closed candles, each request retried with backoff on network errors."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import ccxt
import orjson

from tradeterm.domain.errors import DataError, VenueUnavailable
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.venues.ccxt.markets import choose_symbols, exact, parse_market
from tradeterm.venues.net import Backoff, MarketsCache

log = logging.getLogger("tradeterm.venues.ccxt")


class CcxtRest:
    """Markets and candles of ``exchange`` (a ccxt async exchange) for venue ``venue``."""

    def __init__(
        self, exchange: Any, venue: str, backoff: Backoff, cache: MarketsCache | None
    ) -> None:
        self.exchange = exchange
        self.venue = venue
        self.backoff = backoff
        self.cache = cache

    async def markets(self, wanted: Sequence[str], quote: str) -> tuple[list[str], list[Market]]:
        """The symbols chosen (``wanted``, else every active spot market quoted in ``quote``)
        and their markets: from a fresh cache, else from the exchange (then cached), else from
        an old cache with a notice.

        Raises:
            VenueUnavailable: the exchange cannot be reached and there is no cache.
            DataError: a configured symbol is not listed, or a market is unreadable.
        """
        listed = await self._listed()
        symbols = choose_symbols(self.venue, listed, wanted, quote)
        mode = int(self.exchange.precisionMode)
        return symbols, [parse_market(self.venue, listed[s], mode) for s in symbols]

    async def _listed(self) -> Mapping[str, Mapping[str, Any]]:
        cache = self.cache
        if cache is not None and cache.fresh() and self._from_cache(cache):
            log.info("%s: %s", self.venue, cache.notice())
            return dict(self.exchange.markets)
        try:
            markets = await self.call(self.exchange.load_markets)
        except ccxt.BaseError as exc:
            if cache is not None and self._from_cache(cache):
                log.warning("%s: exchange unreachable (%s); %s", self.venue, exc, cache.notice())
                return dict(self.exchange.markets)
            if isinstance(exc, ccxt.NetworkError):
                raise VenueUnavailable(f"{self.venue}: markets not loaded: {exc}") from exc
            raise DataError(f"{self.venue}: markets refused: {exc}") from exc
        if cache is not None:
            cache.write(orjson.dumps(markets, default=str))
        return dict(markets)

    async def call(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """``call()`` retried with backoff on network errors and rate-limit replies (ccxt
        itself paces requests to the exchange's limits); the last failure is raised."""
        if self.exchange.closed_by_user:
            self.exchange.open()  # closed by an earlier run(): REST works again
        for attempt in range(self.backoff.tries):
            try:
                return await call()
            except ccxt.NetworkError as exc:
                if attempt + 1 >= self.backoff.tries:
                    raise
                delay = self.backoff.delay(attempt)
                log.warning("%s: request failed (%s); retry in %.1fs", self.venue, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _from_cache(self, cache: MarketsCache) -> bool:
        body = cache.read()
        if body is None:
            return False
        try:
            self.exchange.set_markets(orjson.loads(body))
        except (orjson.JSONDecodeError, ccxt.BaseError, KeyError, TypeError, ValueError) as exc:
            log.warning("%s: markets cache %s unreadable: %s", self.venue, cache.path, exc)
            return False
        return True

    async def candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        """Closed candles from ``fetch_ohlcv``, oldest first.

        Raises:
            DataError: the exchange has no such symbol or timeframe.
            VenueUnavailable: the exchange could not be reached.
        """
        if symbol not in (self.exchange.markets or {}):
            raise DataError(f"{self.venue}: no market {symbol}")
        timeframes = self.exchange.timeframes or {}
        if timeframe not in timeframes:
            raise DataError(
                f"{self.venue} has no {timeframe!r} candles; allowed: {', '.join(timeframes)}"
            )
        try:
            rows = await self.call(
                lambda: self.exchange.fetch_ohlcv(symbol, timeframe, since_ms, limit)
            )
        except ccxt.NetworkError as exc:
            raise VenueUnavailable(f"{self.venue}: candles of {symbol}: {exc}") from exc
        except ccxt.BaseError as exc:
            raise DataError(f"{self.venue}: candles of {symbol} refused: {exc}") from exc
        step = int(self.exchange.parse_timeframe(timeframe) * 1000)
        now_ms = time.time_ns() // 1_000_000
        try:
            candles = [
                Candle(
                    int(r[0]), exact(r[1]), exact(r[2]), exact(r[3]), exact(r[4]), exact(r[5] or 0)
                )
                for r in rows
                if int(r[0]) + step <= now_ms
            ]
        except (DataError, IndexError, TypeError, ValueError) as exc:
            raise DataError(f"{self.venue}: candles of {symbol} unreadable: {exc}") from exc
        return candles[:limit]
