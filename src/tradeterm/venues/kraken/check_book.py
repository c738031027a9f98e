"""The book a Kraken feed checks when no engine lends one (``CheckBook``), and what the
checked book needs of either kind (``Side``, ``Book``: the engine's ``OrderBook`` fits)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Protocol

from tradeterm.domain.book import Level

ZERO = Decimal(0)


class Side(Protocol):
    """What the Kraken book writes and reads on one side (``BookSide`` and ``CheckSide``)."""

    def __len__(self) -> int: ...

    def set(self, price: Decimal, qty: Decimal) -> Decimal: ...

    def qty_at(self, price: Decimal) -> Decimal: ...

    def prices_best_first(self) -> Iterator[Decimal]: ...

    def truncate(self, depth: int) -> None: ...

    def top(self, n: int) -> list[Level]: ...

    def best(self) -> Decimal | None: ...


class Book(Protocol):
    """The book a ``KrakenBook`` writes: the engine's ``OrderBook`` or a ``CheckBook``."""

    @property
    def bids(self) -> Side: ...

    @property
    def asks(self) -> Side: ...

    def load(self, bids: Iterable[Level], asks: Iterable[Level], seq: int = 0) -> None: ...


class CheckSide:
    """Sizes by price with the prices kept sorted ascending (a bid side's best is the last)."""

    __slots__ = ("is_bid", "keys", "sizes")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.sizes: dict[Decimal, Decimal] = {}
        self.keys: list[Decimal] = []

    def __len__(self) -> int:
        return len(self.keys)

    def load(self, new: Iterable[Level]) -> None:
        self.sizes = {p: q for p, q in new if q}
        self.keys = sorted(self.sizes)

    def set(self, price: Decimal, qty: Decimal) -> Decimal:
        """Set the size at a price (zero removes the level); returns the previous size."""
        sizes = self.sizes
        if qty:
            old = sizes.get(price)
            sizes[price] = qty
            if old is not None:
                return old
            bisect.insort(self.keys, price)
            return ZERO
        gone = sizes.pop(price, None)
        if gone is None:
            return ZERO
        keys = self.keys
        del keys[bisect.bisect_left(keys, price)]
        return gone

    def qty_at(self, price: Decimal) -> Decimal:
        return self.sizes.get(price, ZERO)

    def prices_best_first(self) -> Iterator[Decimal]:
        return reversed(self.keys) if self.is_bid else iter(self.keys)

    def truncate(self, depth: int) -> None:
        """Keep only the best ``depth`` levels."""
        keys = self.keys
        extra = len(keys) - depth
        if extra <= 0:
            return
        if self.is_bid:
            gone = keys[:extra]
            del keys[:extra]
        else:
            gone = keys[depth:]
            del keys[depth:]
        sizes = self.sizes
        for price in gone:
            del sizes[price]

    def top(self, n: int) -> list[Level]:
        """The best ``n`` levels, best first."""
        if n <= 0:
            return []
        sizes, keys = self.sizes, self.keys
        best = reversed(keys[-n:]) if self.is_bid else keys[:n]
        return [(p, sizes[p]) for p in best]

    def best(self) -> Decimal | None:
        keys = self.keys
        if not keys:
            return None
        return keys[-1] if self.is_bid else keys[0]


class CheckBook:
    """The book of a feed whose sink lends none (no engine behind it): what the checksum
    and the crossed check need, cheaper than a sorted ``OrderBook``."""

    __slots__ = ("asks", "bids", "seq")

    def __init__(self) -> None:
        self.bids = CheckSide(is_bid=True)
        self.asks = CheckSide(is_bid=False)
        self.seq = 0

    def load(self, bids: Iterable[Level], asks: Iterable[Level], seq: int = 0) -> None:
        self.bids.load(bids)
        self.asks.load(asks)
        self.seq = seq
