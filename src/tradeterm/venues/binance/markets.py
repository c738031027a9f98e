"""Binance spot markets from GET /api/v3/exchangeInfo, and their on-disk cache with an expiry."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import orjson

from tradeterm.domain.errors import DataError
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ZERO
from tradeterm.venues.net import CACHE_MAX_AGE_S, MarketsCache

log = logging.getLogger("tradeterm.venues.binance")

__all__ = ["CACHE_MAX_AGE_S", "DEFAULT_FEE", "MarketsCache", "parse_exchange_info", "parse_market"]

DEFAULT_FEE = Decimal("0.001")
"""Binance's base spot fee (0.1 %, maker and taker) when no account tier is known."""


def _step(text: str) -> Decimal:
    """``"0.01000000"`` -> ``Decimal("0.01")``; ``"1.00000000"`` -> ``Decimal("1")``."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text or "0")


def parse_market(venue: str, info: Mapping[str, Any]) -> Market:
    """One exchangeInfo symbol as a Market: tick from PRICE_FILTER, lot and limits from LOT_SIZE,
    the minimum order value from NOTIONAL or MIN_NOTIONAL.

    Raises:
        DataError: a filter tradeterm needs is missing or not a number.
    """
    filters = {f.get("filterType"): f for f in info.get("filters", ())}
    name = info.get("symbol", "?")
    try:
        tick = _step(filters["PRICE_FILTER"]["tickSize"])
        lot_filter = filters["LOT_SIZE"]
        lot = _step(lot_filter["stepSize"])
        min_qty = _step(lot_filter["minQty"])
        max_qty = _step(lot_filter["maxQty"])
        notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
        min_notional = _step(notional.get("minNotional", "0"))
        base, quote = info["baseAsset"], info["quoteAsset"]
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise DataError(f"exchangeInfo symbol {name}: filter field {exc} missing or bad") from exc
    return Market(
        venue=venue,
        symbol=f"{base}/{quote}",
        base=base,
        quote=quote,
        tick_size=tick,
        lot_size=lot,
        min_qty=max(min_qty, lot),
        min_notional=min_notional,
        maker_fee=DEFAULT_FEE,
        taker_fee=DEFAULT_FEE,
        max_qty=max_qty if max_qty > ZERO else None,
        active=info.get("status") == "TRADING",
    )


def parse_exchange_info(
    venue: str, body: bytes, symbols: Iterable[str] = (), quote: str = ""
) -> tuple[list[Market], dict[str, str]]:
    """Markets for ``symbols`` (unified names; empty: every trading spot market, in ``quote``
    when given) and the map
    from unified symbol to Binance's own (``BTC/USDT`` -> ``BTCUSDT``).

    Raises:
        DataError: the body is not exchangeInfo, or a wanted symbol is not listed.
    """
    try:
        data = orjson.loads(body)
        listed = data["symbols"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(f"exchangeInfo is not readable: {exc}") from exc
    wanted = list(symbols)
    by_name: dict[str, Mapping[str, Any]] = {}
    for info in listed:
        if not isinstance(info, dict) or "baseAsset" not in info:
            continue
        by_name[f"{info['baseAsset']}/{info['quoteAsset']}"] = info
    if not wanted:
        wanted = [
            s
            for s, i in by_name.items()
            if i.get("status") == "TRADING"
            and i.get("isSpotTradingAllowed", True)
            and (not quote or i.get("quoteAsset") == quote)
        ]
    missing = [s for s in wanted if s not in by_name]
    if missing:
        raise DataError(
            f"{venue}: no such market {', '.join(missing)} "
            f"(symbols are written BASE/QUOTE, e.g. BTC/USDT)"
        )
    markets = [parse_market(venue, by_name[s]) for s in wanted]
    return markets, {s: str(by_name[s]["symbol"]) for s in wanted}
