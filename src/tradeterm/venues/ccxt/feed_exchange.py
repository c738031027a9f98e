"""Making a ccxt.pro exchange object for the ccxt feed: the class by id (a clear error for an
unknown one), tradeterm's defaults laid under the user's ``[venues.NAME.ccxt]`` table, and
the small helpers that split symbols into subscriptions and end them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import ccxt
import ccxt.pro

from tradeterm.domain.errors import ConfigError
from tradeterm.venues.ccxt.markets import deep_merge

DEFAULTS: dict[str, Any] = {"newUpdates": True, "enableRateLimit": True}
"""Laid under every exchange's ``[venues.NAME.ccxt]`` table: watch_* return only what is new,
and ccxt paces REST calls to the exchange's documented rate limit."""
EXCHANGE_DEFAULTS: dict[str, dict[str, Any]] = {
    # spot only: tradeterm trades spot, and futures markets cost two more REST calls at start
    "binance": {"options": {"fetchMarkets": {"types": ["spot"]}}},
}
CHUNK = 50
"""Symbols per ``watch_*_for_symbols`` call (Binance allows 200 streams a subscription)."""


def exchange_class(exchange: str) -> type[Any]:
    """ccxt.pro's class for ``exchange``.

    Raises:
        ConfigError: ccxt has no such exchange, or cannot stream from it.
    """
    cls = getattr(ccxt.pro, exchange, None)
    if isinstance(cls, type):
        return cls
    if exchange in ccxt.exchanges:
        raise ConfigError(f"exchange {exchange!r}: ccxt has no streaming (ccxt.pro) support for it")
    raise ConfigError(
        f"exchange {exchange!r} is not a ccxt exchange id (e.g. binance, kraken, okx, bybit, "
        f"coinbase; ccxt.exchanges lists {len(ccxt.exchanges)})"
    )


def make_exchange(exchange: str, config: Mapping[str, Any]) -> Any:
    """The ccxt.pro exchange ``exchange`` built with ``config`` over tradeterm's defaults
    (ccxt deep-merges the result over the exchange's own).

    Raises:
        ConfigError: ccxt has no such exchange, or cannot stream from it.
    """
    defaults = deep_merge(DEFAULTS, EXCHANGE_DEFAULTS.get(exchange, {}))
    return exchange_class(exchange)(deep_merge(defaults, config))


def bind(method: Callable[[str], Awaitable[Any]], symbol: str) -> Callable[[], Awaitable[Any]]:
    return lambda: method(symbol)


def chunks(symbols: Sequence[str]) -> list[list[str]]:
    return [list(symbols[i : i + CHUNK]) for i in range(0, len(symbols), CHUNK)]


async def unwatch(
    exchange: Any, symbol: str, venue: str, timeout_s: float, log: logging.Logger
) -> None:
    """Ask the exchange to stop the book and trade streams of ``symbol``, the way the feed
    watched them (for several symbols at once where the exchange can). An exchange that
    cannot, or does not answer within ``timeout_s``, goes on sending them; ccxt drops what
    nobody watches."""
    has = exchange.has
    calls: list[Callable[[], Awaitable[Any]]] = []
    if has.get("watchOrderBookForSymbols"):
        if has.get("unWatchOrderBookForSymbols"):
            calls.append(lambda: exchange.un_watch_order_book_for_symbols([symbol]))
    elif has.get("unWatchOrderBook"):
        calls.append(lambda: exchange.un_watch_order_book(symbol))
    if has.get("watchTradesForSymbols"):
        if has.get("unWatchTradesForSymbols"):
            calls.append(lambda: exchange.un_watch_trades_for_symbols([symbol]))
    elif has.get("unWatchTrades"):
        calls.append(lambda: exchange.un_watch_trades(symbol))
    for call in calls:
        try:
            async with asyncio.timeout(timeout_s):
                await call()
        except (ccxt.BaseError, TimeoutError) as exc:
            log.info("%s: %s streams left on: %s", venue, symbol, exc)
