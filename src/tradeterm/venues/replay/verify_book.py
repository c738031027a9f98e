"""A book for ``replay --verify``: exact levels in a dict, the best price from a lazy heap.

Verification reads a Binance book's best level only where a bookTicker is compared, and
its top levels once, for the report; nothing reads the full price order between updates.
The engine's ``BookSide`` keeps every price in a sorted list, so a new or removed level
costs a ``bisect`` (a dozen ``Decimal`` comparisons) and a list insert or delete. Here a
new level is pushed on a heap (a comparison or two on average) and a removed one is only
dropped from the dict: its heap entry is discarded when it reaches the top, or when the
heap, grown to twice the levels, is rebuilt from them. Prices and sizes stay the exact
``Decimal`` objects the side was given, so every read answers as ``BookSide`` does, down
to the spelling of each price.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from decimal import Decimal

from tradeterm.domain.book import BookSide, Level, OrderBook
from tradeterm.domain.numbers import ZERO

_negate = Decimal.copy_negate  # exact (no context rounding), as BookSide's ask keys are
SLACK = 64
"""Heap entries allowed beyond twice the levels before the heap is rebuilt."""


class HeapSide(BookSide):
    """One side: ``_levels`` as in ``BookSide``; ``_heap`` holds prices (asks) or their exact
    negations (bids), best first, including stale ones; ``_objects`` maps a price to the
    object it was last inserted as (the one ``_levels`` keeps as its key)."""

    __slots__ = ("_heap", "_objects")

    def __init__(self, is_bid: bool) -> None:
        super().__init__(is_bid)
        self._heap: list[Decimal] = []
        self._objects: dict[Decimal, Decimal] = {}

    def __len__(self) -> int:
        return len(self._levels)

    def set(self, price: Decimal, qty: Decimal) -> Decimal:
        """Set the size at a price (zero removes the level); returns the previous size."""
        old = self._levels.get(price)
        self.set_many(((price, qty),))
        return ZERO if old is None else old

    def set_many(self, levels: Iterable[Level]) -> None:
        """Apply absolute sizes (zero removes): the same book as ``BookSide.set_many``."""
        book, heap, objects = self._levels, self._heap, self._objects
        push, bid = heapq.heappush, self.is_bid
        for price, qty in levels:
            if qty:
                if price not in book:
                    objects[price] = price
                    push(heap, _negate(price) if bid else price)
                book[price] = qty
            else:
                book.pop(price, None)
        if len(heap) > 2 * len(book) + SLACK:
            self._rebuild()

    def _rebuild(self) -> None:
        """The heap and object map again from the levels alone (stale entries dropped)."""
        book = self._levels
        self._objects = {price: price for price in book}
        self._heap = [_negate(p) for p in book] if self.is_bid else list(book)
        heapq.heapify(self._heap)

    def clear(self) -> None:
        self._levels.clear()
        self._heap = []
        self._objects = {}

    def load(self, levels: Iterable[Level]) -> None:
        """Replace the whole side (a snapshot); zero sizes are skipped."""
        self._levels = {p: q for p, q in levels if q}
        self._rebuild()

    def best(self) -> Decimal | None:
        heap, book = self._heap, self._levels
        while heap:
            price = _negate(heap[0]) if self.is_bid else heap[0]
            if price in book:
                return self._objects[price]
            heapq.heappop(heap)  # a level removed since it was pushed
        return None

    def best_level(self) -> Level | None:
        price = self.best()
        return None if price is None else (price, self._levels[price])

    def _best_first(self) -> list[Decimal]:
        return sorted(self._levels, reverse=self.is_bid)

    def top(self, n: int) -> list[Level]:
        """The best ``n`` levels, best first."""
        if n <= 0:
            return []
        levels = self._levels
        pick = heapq.nlargest if self.is_bid else heapq.nsmallest
        return [(p, levels[p]) for p in pick(n, levels)]

    def prices_best_first(self) -> Iterator[Decimal]:
        return iter(self._best_first())

    def levels_best_first(self) -> Iterator[Level]:
        levels = self._levels
        for price in self._best_first():
            yield price, levels[price]

    def truncate(self, depth: int) -> None:
        """Keep only the best ``depth`` levels."""
        if len(self._levels) > depth:
            self._levels = dict(self.top(depth))
            self._rebuild()

    def qty_ahead(self, price: Decimal) -> Decimal:
        """Total size resting at prices strictly better than ``price``."""
        if self.is_bid:
            return sum((q for p, q in self._levels.items() if p > price), ZERO)
        return sum((q for p, q in self._levels.items() if p < price), ZERO)


class HeapBook(OrderBook):
    """An ``OrderBook`` whose sides are ``HeapSide``: for verification, never for an engine."""

    __slots__ = ()

    def __init__(self, symbol: str) -> None:
        super().__init__(symbol)
        self.bids = HeapSide(is_bid=True)
        self.asks = HeapSide(is_bid=False)
