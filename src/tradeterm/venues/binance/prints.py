"""Binance trade and 24h ticker events read as ``TradePrinted`` and ``TickerUpdated``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradeterm.domain.enums import Side
from tradeterm.domain.events import TickerUpdated, TradePrinted
from tradeterm.domain.market_data import Ticker, Trade


def trade_event(data: dict[str, Any], unified: Mapping[str, str]) -> TradePrinted | None:
    """A ``trade`` or ``aggTrade`` event, or None for a market this feed does not stream.

    Raises KeyError, TypeError, ValueError or ArithmeticError for a malformed event.
    """
    symbol = unified.get(data["s"])
    if symbol is None:
        return None
    trade = Trade(
        symbol=symbol,
        price=Decimal(data["p"]),
        qty=Decimal(data["q"]),
        side=Side.SELL if data["m"] else Side.BUY,  # m: the buyer was the maker
        ts_ns=int(data["T"]) * 1_000_000,
        trade_id=str(data.get("t", data.get("a", ""))),
    )
    return TradePrinted(trade)


def ticker_event(data: dict[str, Any], unified: Mapping[str, str]) -> TickerUpdated | None:
    """A ``24hrTicker`` or ``24hrMiniTicker`` event, or None for a market not streamed.

    Raises KeyError, TypeError, ValueError or ArithmeticError for a malformed event.
    """
    symbol = unified.get(data["s"])
    if symbol is None:
        return None
    bid, ask = data.get("b"), data.get("a")
    ticker = Ticker(
        symbol=symbol,
        last=Decimal(data["c"]),
        bid=Decimal(bid) if bid is not None else None,
        ask=Decimal(ask) if ask is not None else None,
        open_24h=Decimal(data["o"]),
        high_24h=Decimal(data["h"]),
        low_24h=Decimal(data["l"]),
        volume_24h=Decimal(data["v"]),
        quote_volume_24h=Decimal(data["q"]),
        ts_ns=int(data["E"]) * 1_000_000,
    )
    return TickerUpdated(ticker)
