"""A fast exact limit order book: a dict of levels plus a sorted price list per side.

Both sides keep their price list with the best price at the end, so the levels
that change most (those near the touch) are inserted and deleted near the end
of the list, where a list insert or delete moves few pointers. Bids sort their
prices ascending; asks sort exact negations of theirs (``copy_negate``, which
never rounds) in a second, parallel list. Updating a level that exists is one
dict store; a new or removed level is one ``bisect`` and a C-level list insert
or delete near the end. Reading the top N levels is a slice. Prices and sizes
are ``Decimal`` so the book agrees with the exchange to the last digit (Kraken
checksums are computed over the strings as received, and ``Decimal`` keeps
those digits). ``set_many``, the per-level loop of every depth message, runs in C when the
optional extension is built (``book_kernel``), with the same results, and so does
``set``; there each side searches a ``PriceIndex`` (its prices as sorted int64 keys)
instead of bisecting the ``Decimal`` objects, and keeps no negated ask keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from tradeterm.domain.book_kernel import new_index
from tradeterm.domain.book_kernel import set_level as _set_level
from tradeterm.domain.book_kernel import set_many as _set_many
from tradeterm.domain.enums import Side
from tradeterm.domain.numbers import ZERO, ceil_to, floor_to

Level = tuple[Decimal, Decimal]

_negate = Decimal.copy_negate


class BookSide:
    """One side of a book. Prices are kept best last: bids ascending, asks descending.

    Where the C path runs, ``_index`` (``book_kernel.PriceIndex``) is what is searched:
    the prices as a sorted array of int64 keys, kept in step with ``_prices`` by every
    change. On the Python path ``_keys`` is what is bisected, ascending in every case:
    for bids the price list itself, for asks the negated prices, index for index beside
    ``_prices`` (the C path keeps no ask keys: it searches the descending prices directly).
    """

    __slots__ = ("_index", "_keys", "_levels", "_prices", "is_bid")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self._levels: dict[Decimal, Decimal] = {}
        self._prices: list[Decimal] = []
        self._index = new_index(is_bid)
        self._keys: list[Decimal] | None = (
            self._prices if is_bid else [] if self._index is None else None
        )

    def __len__(self) -> int:
        return len(self._prices)

    def __contains__(self, price: Decimal) -> bool:
        return price in self._levels

    def set(self, price: Decimal, qty: Decimal) -> Decimal:
        """Set the size at a price (zero removes the level); returns the previous size."""
        old = _set_level(
            self._levels, self._prices, self._keys, self.is_bid, price, qty, self._index
        )
        return ZERO if old is None else old

    def set_many(self, levels: Iterable[Level]) -> None:
        """``set`` for many levels at once (zero removes): the same result, less overhead.

        Runs ``book_kernel.set_many``: the C loop where it is built, else its Python twin.
        """
        _set_many(self._levels, self._prices, self._keys, self.is_bid, levels, self._index)

    def clear(self) -> None:
        self._levels.clear()
        self._prices.clear()
        if self._keys is not None:
            self._keys.clear()
        if self._index is not None:
            self._index.reset(self._prices)

    def load(self, levels: Iterable[Level]) -> None:
        """Replace the whole side (a snapshot); zero sizes are skipped."""
        self._levels = {p: q for p, q in levels if q}
        if self.is_bid:
            self._prices = self._keys = sorted(self._levels)
        else:
            self._prices = sorted(self._levels, reverse=True)
            if self._keys is not None:
                self._keys = [_negate(p) for p in self._prices]
        if self._index is not None:
            self._index.reset(self._prices)

    def qty_at(self, price: Decimal) -> Decimal:
        return self._levels.get(price, ZERO)

    def best(self) -> Decimal | None:
        prices = self._prices
        return prices[-1] if prices else None

    def best_level(self) -> Level | None:
        prices = self._prices
        if not prices:
            return None
        price = prices[-1]
        return price, self._levels[price]

    def top(self, n: int) -> list[Level]:
        """The best ``n`` levels, best first."""
        if n <= 0:
            return []
        levels = self._levels
        return [(p, levels[p]) for p in self._prices[: -n - 1 : -1]]

    def prices_best_first(self) -> Iterator[Decimal]:
        return reversed(self._prices)

    def levels_best_first(self) -> Iterator[Level]:
        levels = self._levels
        for price in reversed(self._prices):
            yield price, levels[price]

    def truncate(self, depth: int) -> None:
        """Keep only the best ``depth`` levels (Kraken sends no deletes past its depth)."""
        prices = self._prices
        extra = len(prices) - depth
        if extra <= 0:
            return
        dropped, self._prices = prices[:extra], prices[extra:]
        if self.is_bid:
            self._keys = self._prices
        elif self._keys is not None:
            self._keys = self._keys[extra:]
        if self._index is not None:
            self._index.drop(extra)
        for price in dropped:
            del self._levels[price]

    def qty_ahead(self, price: Decimal) -> Decimal:
        """Total size resting at prices strictly better than ``price``."""
        total = ZERO
        for p in reversed(self._prices):
            if (p <= price) if self.is_bid else (p >= price):
                break
            total += self._levels[p]
        return total

    def grouped(self, n: int, step: Decimal) -> list[Level]:
        """The best ``n`` levels after bucketing prices to multiples of ``step``.

        Bids round down and asks round up, so a group never looks better than
        the prices inside it.
        """
        out: list[Level] = []
        if n <= 0:
            return out
        rounder = floor_to if self.is_bid else ceil_to
        current: Decimal | None = None
        total = ZERO
        for price, qty in self.levels_best_first():
            bucket = rounder(price, step)
            if bucket != current:
                if current is not None:
                    out.append((current, total))
                    if len(out) == n:
                        return out
                current, total = bucket, ZERO
            total += qty
        if current is not None:
            out.append((current, total))
        return out


class OrderBook:
    """Both sides of one symbol's book, with the last applied sequence id and time."""

    __slots__ = ("asks", "bids", "seq", "symbol", "ts_ns", "version")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)
        self.seq = 0
        self.ts_ns = 0
        self.version = 0

    def side(self, side: Side) -> BookSide:
        return self.bids if side is Side.BUY else self.asks

    def load(self, bids: Iterable[Level], asks: Iterable[Level], seq: int = 0) -> None:
        """Replace the book with a snapshot."""
        self.bids.load(bids)
        self.asks.load(asks)
        self.seq = seq
        self.version += 1

    def apply(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        """Apply absolute level sizes (zero deletes) to both sides."""
        self.bids.set_many(bids)
        self.asks.set_many(asks)
        self.version += 1

    def best_bid(self) -> Decimal | None:
        return self.bids.best()

    def best_ask(self) -> Decimal | None:
        return self.asks.best()

    def mid(self) -> Decimal | None:
        bid, ask = self.bids.best(), self.asks.best()
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    def spread(self) -> Decimal | None:
        bid, ask = self.bids.best(), self.asks.best()
        if bid is None or ask is None:
            return None
        return ask - bid

    def spread_bps(self) -> float | None:
        bid, ask = self.bids.best(), self.asks.best()
        if bid is None or ask is None or bid + ask == 0:
            return None
        return float((ask - bid) / ((ask + bid) / 2)) * 10_000.0

    def is_crossed(self) -> bool:
        bid, ask = self.bids.best(), self.asks.best()
        return bid is not None and ask is not None and bid >= ask
