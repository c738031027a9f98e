"""Binance spot markets from GET /api/v3/exchangeInfo, and their on-disk cache with an expiry.

exchangeInfo lists every Binance market (about 3,000; a 20 MB body today): a start wants a
few of them, so it is read with msgspec into the handful of fields that choose a market, each
market's filters left as raw bytes and parsed only for the markets wanted (on the recorded
1.9 MB body 2 ms instead of 9-15 ms for reading all of it). A body of another shape is read
the general way, with the same results.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import msgspec
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


class _Listed(msgspec.Struct):
    """What choosing a market reads of one exchangeInfo symbol (its filters left unread)."""

    symbol: str = ""
    baseAsset: str | None = None  # noqa: N815 (Binance's names)
    quoteAsset: str = ""  # noqa: N815
    status: str = ""
    isSpotTradingAllowed: bool = True  # noqa: N815
    filters: msgspec.Raw = msgspec.Raw(b"[]")

    def info(self) -> dict[str, Any]:
        """The symbol as ``parse_market`` reads it, its filters parsed now."""
        return {
            "symbol": self.symbol,
            "baseAsset": self.baseAsset,
            "quoteAsset": self.quoteAsset,
            "status": self.status,
            "filters": msgspec.json.decode(self.filters),  # (valid JSON: msgspec read it)
        }


class _Listing(msgspec.Struct):
    symbols: list[_Listed]


_LISTING = msgspec.json.Decoder(_Listing)


def _listed(body: bytes) -> dict[str, _Listed | Mapping[str, Any]]:
    """exchangeInfo's symbols by unified name (``BASE/QUOTE``), read the fast way when the
    body has the usual shape, else the general way.

    Raises:
        DataError: the body is not exchangeInfo.
    """
    by_name: dict[str, _Listed | Mapping[str, Any]] = {}
    try:
        for listed in _LISTING.decode(body).symbols:
            if listed.baseAsset is not None:
                by_name[f"{listed.baseAsset}/{listed.quoteAsset}"] = listed
        return by_name
    except msgspec.DecodeError:
        pass  # (another shape, or not JSON: the general reading says which)
    try:
        data = orjson.loads(body)
        listed_all = data["symbols"]
        if not isinstance(listed_all, list):
            raise TypeError(f"symbols is a {type(listed_all).__name__}, not a list")
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(f"exchangeInfo is not readable: {exc}") from exc
    for info in listed_all:
        if not isinstance(info, dict) or "baseAsset" not in info:
            continue
        by_name[f"{info['baseAsset']}/{info['quoteAsset']}"] = info
    return by_name


def parse_exchange_info(
    venue: str, body: bytes, symbols: Iterable[str] = (), quote: str = ""
) -> tuple[list[Market], dict[str, str]]:
    """Markets for ``symbols`` (unified names; empty: every trading spot market, in ``quote``
    when given) and the map
    from unified symbol to Binance's own (``BTC/USDT`` -> ``BTCUSDT``).

    Raises:
        DataError: the body is not exchangeInfo, or a wanted symbol is not listed.
    """
    by_name = _listed(body)
    wanted = list(symbols)
    if not wanted:
        wanted = [
            s
            for s, i in by_name.items()
            if _get(i, "status") == "TRADING"
            and _get(i, "isSpotTradingAllowed", True)
            and (not quote or _get(i, "quoteAsset") == quote)
        ]
    missing = [s for s in wanted if s not in by_name]
    if missing:
        raise DataError(
            f"{venue}: no such market {', '.join(missing)} "
            f"(symbols are written BASE/QUOTE, e.g. BTC/USDT)"
        )
    infos = {s: _info(by_name[s]) for s in wanted}
    markets = [parse_market(venue, infos[s]) for s in wanted]
    return markets, {s: str(infos[s]["symbol"]) for s in wanted}


def _get(info: _Listed | Mapping[str, Any], key: str, default: Any = None) -> Any:
    if isinstance(info, _Listed):
        return getattr(info, key)
    return info.get(key, default)


def _info(info: _Listed | Mapping[str, Any]) -> Mapping[str, Any]:
    return info.info() if isinstance(info, _Listed) else info
