"""Instrument: a venue plus a symbol, the key of every book, ticker, candle series and alert.

Two venues can list the same symbol (``BTC/USDT`` on the sim and on Binance); an instrument
tells them apart. It is shown as ``BTC/USDT`` where that is unambiguous and as
``BTC/USDT@binance`` where it is not, and parsed from either form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from tradeterm.domain.errors import TradetermError

SEPARATOR = "@"
MAX_MADE = 50_000
"""How many instruments per venue ``Instrument.of`` keeps for reuse."""


class Instrument(NamedTuple):
    """An immutable (venue, symbol) pair; hashable, ordered by venue then symbol. A tuple, so
    dict lookups on the hot paths hash and compare it in C."""

    venue: str
    symbol: str

    def __repr__(self) -> str:
        return f"Instrument({self.venue!r}, {self.symbol!r})"

    def __str__(self) -> str:
        return f"{self.symbol}{SEPARATOR}{self.venue}"

    @staticmethod
    def of(venue: str, symbol: str) -> Instrument:
        """The same as ``Instrument(venue, symbol)``, made once and then reused (the hot
        paths ask for it on every book update)."""
        known = _MADE.get(venue)
        if known is None:
            known = _MADE[venue] = {}
        inst = known.get(symbol)
        if inst is None:
            inst = Instrument(venue, symbol)
            if len(known) < MAX_MADE:  # a symbol typed by hand need not stay forever
                known[symbol] = inst
        return inst

    def label(self, ambiguous: bool) -> str:
        """``BTC/USDT`` where only one venue lists the symbol, ``BTC/USDT@binance`` otherwise."""
        return str(self) if ambiguous else self.symbol


_MADE: dict[str, dict[str, Instrument]] = {}


def split(text: str) -> tuple[str, str | None]:
    """``"BTC/USDT@binance"`` -> ``("BTC/USDT", "binance")``; a bare symbol has no venue."""
    symbol, sep, venue = text.strip().rpartition(SEPARATOR)
    if not sep:
        return venue, None
    return symbol.strip(), venue.strip()


def resolve(text: str, known: Iterable[Instrument], prefer: str | None = None) -> Instrument:
    """The instrument ``text`` names among ``known``: ``SYMBOL@VENUE`` exactly, or a bare
    ``SYMBOL`` that one venue lists (or that ``prefer``, the venue in use, lists).

    Raises:
        TradetermError: no venue lists it, or several do and ``text`` does not say which
            (the message lists the ways to write it).
    """
    symbol, venue = split(text)
    if not symbol:
        raise TradetermError(f"no symbol in {text!r}; write it as SYMBOL or SYMBOL@VENUE")
    matches = [i for i in known if i.symbol.upper() == symbol.upper()]
    if venue is not None:
        exact = [i for i in matches if i.venue.lower() == venue.lower()]
        if exact:
            return exact[0]
        venues = sorted({i.venue for i in known})
        where = f"; it is listed on {', '.join(str(i) for i in matches)}" if matches else ""
        raise TradetermError(
            f"{symbol} is not listed on {venue!r}{where} (venues: {', '.join(venues)})"
        )
    if not matches:
        raise TradetermError(f"unknown symbol {symbol!r}")
    if len(matches) == 1:
        return matches[0]
    preferred = [i for i in matches if i.venue == prefer]
    if len(preferred) == 1:
        return preferred[0]
    choices = ", ".join(sorted(str(i) for i in matches))
    raise TradetermError(f"{symbol} is listed on several venues; say which: {choices}")


def ambiguous_symbols(instruments: Iterable[Instrument]) -> frozenset[str]:
    """The symbols that more than one venue lists (shown with their venue)."""
    seen: dict[str, str] = {}
    twice: set[str] = set()
    for inst in instruments:
        first = seen.setdefault(inst.symbol, inst.venue)
        if first != inst.venue:
            twice.add(inst.symbol)
    return frozenset(twice)
