"""Markets for replayed symbols: recorded ones when a recording has them, else inferred."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ZERO
from tradeterm.venues.replay.state import SymbolState, split_symbol

DEFAULT_FEE = Decimal("0.001")
FALLBACK_STEP = Decimal("0.00000001")


def decimals_used(texts: Iterable[str]) -> int:
    """The most digits after the point in any of ``texts``, trailing zeros not counted."""
    most = 0
    for text in texts:
        if "e" in text or "E" in text:
            exponent = Decimal(text).normalize().as_tuple().exponent
            places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        else:
            places = len(text.partition(".")[2].rstrip("0"))
        most = max(most, places)
    return most


def step_of(places: int) -> Decimal:
    """``2`` -> ``Decimal("0.01")``; ``0`` -> ``Decimal("1")``."""
    return Decimal(f"0.{'0' * (places - 1)}1") if places > 0 else Decimal(1)


def infer_market(state: SymbolState, venue: str) -> Market:
    """A market from what the data shows: tick and lot from the digits the snapshot used.

    Fees default to 0.1 %, the minimum notional to zero; a symbol seen without any
    snapshot gets steps of 1e-8.
    """
    if state.first_levels is not None:
        prices, sizes = state.first_levels
        tick, lot = step_of(decimals_used(prices)), step_of(decimals_used(sizes))
    else:
        tick = lot = FALLBACK_STEP
    base, quote = split_symbol(state.exchange_symbol)
    return Market(
        venue=venue,
        symbol=state.symbol,
        base=base,
        quote=quote,
        tick_size=tick,
        lot_size=lot,
        min_qty=lot,
        min_notional=ZERO,
        maker_fee=DEFAULT_FEE,
        taker_fee=DEFAULT_FEE,
    )


def session_markets(
    states: Iterable[SymbolState], recorded: Iterable[Market], venue: str
) -> list[Market]:
    """Recorded markets (renamed to ``venue``) first, then inferred ones for the other symbols."""
    out: dict[str, Market] = {}
    for market in recorded:
        out.setdefault(market.symbol, replace(market, venue=venue))
    for state in states:
        if state.symbol not in out:
            out[state.symbol] = infer_market(state, venue)
    return list(out.values())
