"""ccxt's unified markets as tradeterm ``Market``s, the choice of symbols (a list, or every
active spot market in a quote), and the conversions from ccxt's floats to exact Decimals.

No ccxt import here: the functions read the plain dicts ccxt builds, so they are cheap to
test and the precision rules are in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from tradeterm.domain.errors import DataError
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ZERO

# ccxt's precision modes (ccxt.base.decimal_to_precision), repeated so this module needs no ccxt
DECIMAL_PLACES = 2
SIGNIFICANT_DIGITS = 3
TICK_SIZE = 4

DEFAULT_FEE = Decimal("0.001")
"""The fee rate assumed when ccxt knows none for a market (0.1 %)."""


def exact(value: Any) -> Decimal:
    """A ccxt number (a float parsed from the exchange's text, or a string) as the Decimal the
    exchange sent: ``repr`` of a float is the shortest text that reads back as it.

    Raises:
        DataError: the value is no finite number.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, (int, str)):
        text = str(value)
    else:
        raise DataError(f"not a number: {value!r}")
    try:
        number = Decimal(text)
    except ArithmeticError as exc:
        raise DataError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise DataError(f"not a number: {value!r}")
    return number


def step_of(value: Any, mode: int) -> Decimal:
    """A ccxt precision entry as a step: a tick size as it is, a number of decimal places
    ``n`` as ``10**-n``. Significant-digit precision has no fixed step: the smallest one its
    digits allow for a value near 1 (``10**-(n-1)``) is used.

    Raises:
        DataError: the entry is missing or not a number.
    """
    if value is None:
        raise DataError("precision missing")
    number = exact(value)
    if mode == TICK_SIZE:
        if number <= ZERO:
            raise DataError(f"tick size {number} is not positive")
        return number.normalize()
    places = int(number) if mode == DECIMAL_PLACES else int(number) - 1
    return Decimal(1).scaleb(-places)


def _optional(value: Any) -> Decimal | None:
    return None if value is None else exact(value)


def parse_market(venue: str, info: Mapping[str, Any], mode: int) -> Market:
    """One ccxt market (``exchange.markets[symbol]``) as a Market: tick and lot from
    ``precision``, minimums from ``limits``, fees from ``maker``/``taker``.

    Raises:
        DataError: the precision tradeterm needs is missing or not a number.
    """
    symbol = str(info.get("symbol", "?"))
    try:
        precision = info.get("precision") or {}
        tick = step_of(precision.get("price"), mode)
        lot = step_of(precision.get("amount"), mode)
        limits = info.get("limits") or {}
        amount = limits.get("amount") or {}
        cost = limits.get("cost") or {}
        min_qty = _optional(amount.get("min")) or lot
        max_qty = _optional(amount.get("max"))
        min_notional = _optional(cost.get("min")) or ZERO
        maker = _optional(info.get("maker"))
        taker = _optional(info.get("taker"))
    except DataError as exc:
        raise DataError(f"market {symbol}: {exc}") from exc
    return Market(
        venue=venue,
        symbol=symbol,
        base=str(info.get("base", "")),
        quote=str(info.get("quote", "")),
        tick_size=tick,
        lot_size=lot,
        min_qty=max(min_qty, lot),
        min_notional=min_notional,
        maker_fee=DEFAULT_FEE if maker is None else maker,
        taker_fee=DEFAULT_FEE if taker is None else taker,
        max_qty=max_qty if max_qty is not None and max_qty > ZERO else None,
        active=info.get("active") is not False,
    )


def choose_symbols(
    venue: str, markets: Mapping[str, Mapping[str, Any]], symbols: Iterable[str], quote: str = ""
) -> list[str]:
    """The symbols to stream: ``symbols`` as listed, or when none are, every active spot
    market (in ``quote`` when one is given), sorted.

    Raises:
        DataError: a listed symbol is not one of the exchange's markets.
    """
    wanted = list(symbols)
    if wanted:
        missing = [s for s in wanted if s not in markets]
        if missing:
            raise DataError(
                f"{venue}: no such market {', '.join(missing)} "
                f"(symbols are written BASE/QUOTE, e.g. BTC/USDT)"
            )
        return wanted
    return sorted(
        symbol
        for symbol, info in markets.items()
        if info.get("spot", info.get("type") == "spot")
        and info.get("active") is not False
        and (not quote or info.get("quote") == quote)
        # the exchange's own word that spot orders are off (Binance's leveraged tokens)
        and (info.get("info") or {}).get("isSpotTradingAllowed") is not False
    )


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged
