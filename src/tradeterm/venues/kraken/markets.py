"""Kraken spot markets from GET /0/public/AssetPairs: tick, lot, minimums, fees, book precisions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from tradeterm.domain.errors import DataError
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ZERO

ALIASES = {"XBT": "BTC", "XDG": "DOGE"}
"""Kraken's own asset codes in ``wsname`` and the names the rest of the world uses (and v2)."""


@dataclass(frozen=True, slots=True)
class PairInfo:
    """What the stream needs about one pair: its v2 name and the checksum's precisions."""

    symbol: str
    """The unified name, which is also the v2 ``symbol`` (``BTC/USD``)."""
    price_decimals: int
    qty_decimals: int
    altname: str = ""
    """Kraken's REST name (``XBTUSDT``)."""


def unify(wsname: str) -> str:
    """``XBT/USD`` -> ``BTC/USD`` (v2 and tradeterm both use the common codes)."""
    base, _, quote = wsname.partition("/")
    return f"{ALIASES.get(base, base)}/{ALIASES.get(quote, quote)}"


def _fee(table: Any) -> Decimal:
    """The first tier's rate of a Kraken fee table ``[[volume, percent], ...]`` as a fraction."""
    return Decimal(str(table[0][1])) / 100 if table else Decimal("0.0026")


def parse_pair(venue: str, info: Mapping[str, Any]) -> tuple[Market, PairInfo]:
    """One AssetPairs entry as a Market and its stream precisions.

    Raises:
        DataError: a field tradeterm needs is missing or not a number.
    """
    name = info.get("altname", "?")
    try:
        symbol = unify(str(info["wsname"]))
        base, quote = symbol.split("/")
        price_dp, qty_dp = int(info["pair_decimals"]), int(info["lot_decimals"])
        tick = (
            Decimal(str(info["tick_size"])) if "tick_size" in info else Decimal(1).scaleb(-price_dp)
        )
        lot = Decimal(1).scaleb(-qty_dp)
        ordermin = Decimal(str(info.get("ordermin", "0")))
        costmin = Decimal(str(info.get("costmin", "0")))
        taker = _fee(info.get("fees"))
        maker = _fee(info.get("fees_maker") or info.get("fees"))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise DataError(f"AssetPairs {name}: field {exc} missing or bad") from exc
    market = Market(
        venue=venue,
        symbol=symbol,
        base=base,
        quote=quote,
        tick_size=tick,
        lot_size=lot,
        min_qty=max(ordermin, lot),
        min_notional=max(costmin, ZERO),
        maker_fee=maker,
        taker_fee=taker,
        active=info.get("status", "online") == "online",
    )
    return market, PairInfo(symbol, price_dp, qty_dp, str(info.get("altname", "")))


def parse_asset_pairs(
    venue: str, body: bytes, symbols: Iterable[str] = (), quote: str = ""
) -> tuple[list[Market], dict[str, PairInfo]]:
    """Markets for ``symbols`` (``BTC/USD`` or Kraken's ``XBT/USD``; empty: every online pair,
    quoted in ``quote`` when given)
    and the stream facts of each, by unified symbol. Dark-pool ``.d`` pairs are left out.

    Raises:
        DataError: the body is not AssetPairs, Kraken reported an error, or a wanted symbol
            is not listed.
    """
    try:
        data = orjson.loads(body)
        errors = data.get("error") or []
        if errors:
            raise DataError(f"{venue}: AssetPairs refused: {'; '.join(map(str, errors))}")
        listed = data["result"]
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"AssetPairs is not readable: {exc}") from exc
    by_name: dict[str, Mapping[str, Any]] = {}
    for key, info in listed.items():
        if key.endswith(".d") or not isinstance(info, dict) or "wsname" not in info:
            continue
        by_name[unify(info["wsname"])] = info
    wanted = [unify(s) for s in symbols]
    if not wanted:
        wanted = [
            s
            for s, i in by_name.items()
            if i.get("status", "online") == "online" and (not quote or s.endswith(f"/{quote}"))
        ]
    missing = [s for s in wanted if s not in by_name]
    if missing:
        raise DataError(
            f"{venue}: no such market {', '.join(missing)} "
            f"(symbols are written BASE/QUOTE, e.g. BTC/USD)"
        )
    markets: list[Market] = []
    pairs: dict[str, PairInfo] = {}
    for symbol in wanted:
        market, pair = parse_pair(venue, by_name[symbol])
        markets.append(market)
        pairs[symbol] = pair
    return markets, pairs
