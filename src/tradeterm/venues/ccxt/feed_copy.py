"""Copying ccxt.pro's books, trades and tickers into tradeterm's events. ccxt keeps one book
per symbol and updates it in place; ``BookMirror`` remembers what it last handed the engine
and sends only the levels that changed since (or a full snapshot after a resync), as new
Decimals. Trades and tickers are copied field by field."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradeterm.domain.book import Level
from tradeterm.domain.enums import Side
from tradeterm.domain.events import BookChanged, TickerUpdated, TradePrinted
from tradeterm.domain.market_data import Ticker, Trade
from tradeterm.venues.ccxt.markets import exact

ZERO_QTY = Decimal(0)


def _levels(side: Sequence[Sequence[Any]]) -> dict[float, float]:
    """ccxt's ``[[price, amount, ...], ...]`` as price -> amount (a copy: ccxt mutates it)."""
    return {float(level[0]): float(level[1]) for level in side}


def _changed(before: Mapping[float, float], now: Mapping[float, float]) -> list[Level]:
    out = [(exact(p), exact(q)) for p, q in now.items() if before.get(p) != q]
    out += [(exact(p), ZERO_QTY) for p in before.keys() - now.keys()]
    return out


class BookMirror:
    """What the engine holds of one symbol's book, as ccxt's floats."""

    __slots__ = ("asks", "bids", "symbol", "synced", "version")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.synced = False
        self.version: tuple[Any, Any] = (None, None)
        """ccxt's (nonce, timestamp) of the book last copied."""

    def reset(self) -> None:
        """The next update replaces the engine's book whole (after a reconnect or a gap)."""
        self.synced = False

    def update(self, book: Mapping[str, Any]) -> BookChanged | None:
        """The event that brings the engine's book to ccxt's ``book``; None when nothing changed.

        Raises:
            DataError: a price or amount is not a number.
        """
        bids, asks = _levels(book.get("bids") or ()), _levels(book.get("asks") or ())
        nonce = book.get("nonce")
        stamp = book.get("timestamp")
        seq = int(nonce) if isinstance(nonce, int) else 0
        ts_ns = int(stamp) * 1_000_000 if isinstance(stamp, (int, float)) else 0
        snapshot = not self.synced
        if snapshot:
            new_bids = [(exact(p), exact(q)) for p, q in bids.items()]
            new_asks = [(exact(p), exact(q)) for p, q in asks.items()]
        else:
            new_bids, new_asks = _changed(self.bids, bids), _changed(self.asks, asks)
            if not new_bids and not new_asks:
                self.version = (nonce, stamp)
                return None
        event = BookChanged(
            self.symbol, new_bids, new_asks, snapshot=snapshot, seq=seq, ts_ns=ts_ns
        )
        self.version = (nonce, stamp)
        self.bids, self.asks, self.synced = bids, asks, True
        return event


def _stamp_ns(item: Mapping[str, Any]) -> int:
    stamp = item.get("timestamp")
    return int(stamp) * 1_000_000 if isinstance(stamp, (int, float)) and stamp else time.time_ns()


def trade_event(item: Mapping[str, Any]) -> TradePrinted | None:
    """A ccxt trade as a print; None when ccxt does not know the aggressor's side.

    Raises:
        DataError: a price or amount is not a number.
    """
    side = item.get("side")
    if side not in ("buy", "sell"):
        return None
    trade = Trade(
        symbol=str(item["symbol"]),
        price=exact(item["price"]),
        qty=exact(item["amount"]),
        side=Side.BUY if side == "buy" else Side.SELL,
        ts_ns=_stamp_ns(item),
        trade_id=str(item.get("id") or ""),
    )
    return TradePrinted(trade)


def ticker_event(symbol: str, item: Mapping[str, Any]) -> TickerUpdated | None:
    """A ccxt ticker as tradeterm's (fields ccxt lacks default to the last price, volumes to
    zero); None without a last price.

    Raises:
        DataError: a field is not a number.
    """
    last = item.get("last")
    if last is None:
        return None
    price = exact(last)
    bid, ask = item.get("bid"), item.get("ask")
    ticker = Ticker(
        symbol=symbol,
        last=price,
        bid=None if bid is None else exact(bid),
        ask=None if ask is None else exact(ask),
        open_24h=_or(item.get("open"), price),
        high_24h=_or(item.get("high"), price),
        low_24h=_or(item.get("low"), price),
        volume_24h=_or(item.get("baseVolume"), 0),
        quote_volume_24h=_or(item.get("quoteVolume"), 0),
        ts_ns=_stamp_ns(item),
    )
    return TickerUpdated(ticker)


def _or(value: Any, default: Any) -> Decimal:
    return exact(default if value is None else value)
