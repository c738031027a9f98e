"""The order book's level path: the optional C functions (``_book.c``) or their Python twins.

``tradeterm.domain._book`` is built by ``setup.py`` when a C compiler is present. It holds
the loops that run once per level of every depth message: ``set_many`` (apply price/size
pairs to one side of a ``BookSide``), ``set_level`` (``BookSide.set``, one level) and
``parse`` (level strings to ``Decimal`` pairs). The Python functions here do the
same, step for step, and are used when the module is not built, or when the environment
variable ``TRADETERM_KERNELS=numpy`` is set when this module is first imported (the same
switch as the indicator kernels; the book reads it once, as its loops are too hot to read
it per call). Both paths give the same books, holding the same ``Decimal`` objects, and
the same errors for the same steps; the C functions also refuse a level that is not a
pair of Decimals with a ``TypeError`` where Python would fail later or not at all.
"""

from __future__ import annotations

import importlib
import os
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from types import ModuleType
from typing import Protocol

Level = tuple[Decimal, Decimal]
Side = dict[Decimal, Decimal]


class PriceIndex(Protocol):
    """The C path's search structure of one side (``_book.PriceIndex``): its prices as a
    sorted array of int64 keys, kept by ``set_many``/``set_level`` and told of every other
    change to the price list (``reset`` after a load or clear, ``drop`` after a truncate)."""

    @property
    def valid(self) -> bool: ...
    def reset(self, prices: list[Decimal], /) -> None: ...
    def drop(self, count: int, /) -> None: ...


SetMany = Callable[
    [Side, list[Decimal], list[Decimal] | None, bool, Iterable[Level], PriceIndex | None], None
]
SetLevel = Callable[
    [Side, list[Decimal], list[Decimal] | None, bool, Decimal, Decimal, PriceIndex | None],
    Decimal | None,
]
Parse = Callable[[Sequence[Sequence[str]], dict[str, Decimal], dict[str, Decimal]], list[Level]]

SWITCH = "TRADETERM_KERNELS"
"""Set to ``numpy`` (as for the indicators) to run the Python loops even where C is built."""

_negate = Decimal.copy_negate


def set_many_python(
    book: dict[Decimal, Decimal],
    prices: list[Decimal],
    keys: list[Decimal] | None,
    is_bid: bool,
    levels: Iterable[Level],
    index: PriceIndex | None = None,
) -> None:
    """Apply absolute sizes (zero removes) to one side's dict, price list and key list (an
    ``index`` given is rebuilt after: the Python path keeps none of its own)."""
    if is_bid:
        for price, qty in levels:
            if qty:
                if price not in book:
                    insort(prices, price)
                book[price] = qty
            elif book.pop(price, None) is not None:
                del prices[bisect_left(prices, price)]
    else:
        _asks_python(book, prices, _key_list(keys), levels)
    if index is not None:
        index.reset(prices)


def _key_list(keys: list[Decimal] | None) -> list[Decimal]:
    if keys is None:
        raise TypeError("the Python path bisects an ask side's negated keys: pass its key list")
    return keys


def _asks_python(
    book: dict[Decimal, Decimal],
    prices: list[Decimal],
    keys: list[Decimal],
    levels: Iterable[Level],
) -> None:
    for price, qty in levels:
        if qty:
            if price not in book:
                key = _negate(price)
                i = bisect_left(keys, key)
                keys.insert(i, key)
                prices.insert(i, price)
            book[price] = qty
        elif book.pop(price, None) is not None:
            i = bisect_left(keys, _negate(price))
            del keys[i]
            del prices[i]


def set_level_python(
    book: dict[Decimal, Decimal],
    prices: list[Decimal],
    keys: list[Decimal] | None,
    is_bid: bool,
    price: Decimal,
    qty: Decimal,
    index: PriceIndex | None = None,
) -> Decimal | None:
    """Set one level (zero removes it); the previous size, or None when there was none (an
    ``index`` given is rebuilt after a new or removed level)."""
    ascending = prices if is_bid else _key_list(keys)
    key = price if is_bid else _negate(price)
    if qty:
        old = book.get(price)
        book[price] = qty
        if old is not None:
            return old
        i = bisect_left(ascending, key)
        if not is_bid:
            ascending.insert(i, key)
        prices.insert(i, price)
    else:
        old = book.pop(price, None)
        if old is None:
            return None
        i = bisect_left(ascending, key)
        if not is_bid:
            del ascending[i]
        del prices[i]
    if index is not None:
        index.reset(prices)
    return old


def parse_python(
    raw: Sequence[Sequence[str]], prices: dict[str, Decimal], sizes: dict[str, Decimal]
) -> list[Level]:
    """``[[price, size], ...]`` strings as Decimal pairs through two caches (whose
    ``__missing__`` parses a string once, or refuses it).

    The C ``parse`` makes a plain number (ASCII digits, at most one '.', a digit first) itself,
    a fresh ``Decimal(text)`` with its hash computed, and asks the caches only about other
    text: a cache must give ``Decimal(text)`` for a plain number. In Python the caches stay
    for every level: their ``__missing__`` holds the checks and errors, and a warm hit costs
    about what a bare ``Decimal(text)`` would (460-640 vs 370-550 ns a level measured).
    """
    return [(prices[p], sizes[q]) for p, q in raw]


def load_compiled(name: str) -> ModuleType | None:
    """The optional C extension ``name`` (``tradeterm.domain._book``), or None where it was
    not built (whatever the switch says)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


C_MODULE = load_compiled("tradeterm.domain._book")
"""The built C module, or None (whatever the switch says)."""

ON = C_MODULE is not None and os.environ.get(SWITCH) != "numpy"
"""True when the book runs the C loops."""


def new_index(is_bid: bool) -> PriceIndex | None:
    """A new side's ``PriceIndex`` where the C path runs, else None."""
    return C_MODULE.PriceIndex(is_bid) if ON and C_MODULE else None


set_many: SetMany = C_MODULE.set_many if ON and C_MODULE else set_many_python
set_level: SetLevel = C_MODULE.set_level if ON and C_MODULE else set_level_python
parse: Parse = C_MODULE.parse if ON and C_MODULE else parse_python
