"""One Kraken v2 order book: snapshot and updates, depth truncation, the CRC32 checksum check.

Kraken's v2 procedure: apply every level of an update (qty 0 deletes), truncate each side
to the subscribed depth (no deletes are sent for levels that fall out of range), then
compare ``checksum`` with CRC32 over the top 10 asks (low to high) then the top 10 bids
(high to low), each price and qty printed at the pair's precision with the decimal point
and leading zeros removed. A mismatch, or a crossed book, asks for a fresh snapshot; the
engine is only told about a book that passed its checksum.

The book is written once: into the engine's own book when the sink lends it
(``FeedSink.keep_book``: the engine then applies no update again), else into a cheap
``CheckBook``. An update is written, checked, and taken back level by level when the check
fails, so readers of the engine's book never see a book that failed its checksum; a
snapshot is checked before it is loaded.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any, Protocol

from tradeterm.domain.book import Level, OrderBook
from tradeterm.domain.events import BookChanged

Emit = Callable[[BookChanged], None]
Resync = Callable[[str], None]
Keep = Callable[[str], OrderBook]

ZERO = Decimal(0)

_NUMBERS: dict[float, Decimal] = {}
"""Parsed wire numbers (orjson gives floats): a book quotes the same prices again and again."""
_NUMBERS_LIMIT = 200_000


def number(value: Any) -> Decimal:
    """A v2 price or qty (a JSON number, read by orjson as a float) as the Decimal it was
    written as: the shortest repr of a float is the decimal text it was parsed from.

    Raises:
        ValueError: not a number >= 0.
    """
    cached = _NUMBERS.get(value) if isinstance(value, float) else None
    if cached is not None:
        return cached
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{value!r} is not a number >= 0")
    out = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if len(_NUMBERS) >= _NUMBERS_LIMIT:
        _NUMBERS.clear()
    if isinstance(value, float):
        _NUMBERS[value] = out
    return out


def levels(raw: Iterable[Mapping[str, Any]]) -> list[Level]:
    """``[{"price": 1.5, "qty": 2.0}, ...]`` as Decimal pairs.

    Raises:
        KeyError, TypeError, ValueError: a malformed level.
    """
    return [(number(level["price"]), number(level["qty"])) for level in raw]


_DIGITS: dict[tuple[Decimal, int], str] = {}
"""Checksum text by (value, places): the same prices and sizes come back again and again."""


def _digits(value: Decimal, places: int) -> str:
    key = (value, places)
    text = _DIGITS.get(key)
    if text is None:
        if len(_DIGITS) >= _NUMBERS_LIMIT:
            _DIGITS.clear()
        text = _DIGITS[key] = f"{value:.{places}f}".replace(".", "").lstrip("0")
    return text


def checksum(
    asks: Sequence[Level], bids: Sequence[Level], price_decimals: int, qty_decimals: int
) -> int:
    """Kraken's v2 book checksum over the first 10 ``asks`` (best first) and ``bids``."""
    text = "".join(
        _digits(p, price_decimals) + _digits(q, qty_decimals)
        for side in (asks[:10], bids[:10])
        for p, q in side
    )
    return zlib.crc32(text.encode()) & 0xFFFFFFFF


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


Undo = list[tuple[Side, Decimal, Decimal]]
"""(side, price, size before) for every level written by an update, in order."""


def _write(side: Side, changes: list[Level], depth: int, undo: Undo) -> list[Level]:
    """Write ``changes`` to ``side`` and drop the levels past ``depth``, noting each old size
    in ``undo``; returns the changes with the dropped levels added as deletions."""
    put = side.set
    for price, qty in changes:
        undo.append((side, price, put(price, qty)))
    if len(side) <= depth:
        return changes
    gone = list(islice(side.prices_best_first(), depth, None))
    qty_at = side.qty_at
    undo.extend((side, price, qty_at(price)) for price in gone)
    side.truncate(depth)
    return changes + [(price, ZERO) for price in gone]


def _side_levels(raw: Sequence[Level], depth: int, bids: bool) -> list[Level]:
    """A snapshot side as the book will hold it: best first, no zero sizes, ``depth`` long."""
    sizes = {p: q for p, q in raw if q}
    return [(p, sizes[p]) for p in sorted(sizes, reverse=bids)[:depth]]


class KrakenBook:
    """The checked book of one pair; emits ``BookChanged`` with the unified symbol.

    Args:
        symbol: the unified (and v2) symbol.
        price_decimals: the pair's price precision (AssetPairs ``pair_decimals``).
        qty_decimals: the pair's qty precision (``lot_decimals``).
        depth: the subscribed depth (10, 25, 100, 500 or 1000).
        emit: where book events go (the engine's ``on_market``).
        resync: called with the reason when a fresh snapshot is needed.
        keep: the engine sink's ``keep_book``: the book is then the engine's, taken at the
            first snapshot; None keeps a ``CheckBook`` of its own.
    """

    def __init__(
        self,
        symbol: str,
        price_decimals: int,
        qty_decimals: int,
        depth: int,
        emit: Emit,
        resync: Resync,
        keep: Keep | None = None,
    ) -> None:
        self.symbol = symbol
        self.price_decimals = price_decimals
        self.qty_decimals = qty_decimals
        self.depth = depth
        self.emit = emit
        self.resync = resync
        self.keep = keep
        self.book: Book | None = None
        """The book this one writes (None before the first snapshot)."""
        self.synced = False
        self.checksum = 0
        """The last checksum that matched."""
        self.last_computed = 0
        """The checksum of the last check, matched or not."""
        self.updates = 0
        self.resyncs = 0

    def reset(self) -> None:
        """Forget sync (a new connection): updates are ignored until the next snapshot."""
        self.synced = False

    def on_snapshot(self, data: Mapping[str, Any], ts_ns: int = 0) -> None:
        """Check a snapshot (v2 snapshots carry a checksum), then load it as the book.

        Raises:
            KeyError, TypeError, ValueError: a malformed snapshot (the book is left as it was).
        """
        depth = self.depth
        bids = _side_levels(levels(data["bids"]), depth, bids=True)
        asks = _side_levels(levels(data["asks"]), depth, bids=False)
        want = data.get("checksum")
        if want is not None and not self._verify(int(want), asks, bids, "snapshot"):
            return
        book = self.book
        if book is None:
            keep = self.keep
            book = self.book = CheckBook() if keep is None else keep(self.symbol)
        book.load(bids, asks)
        self.synced = True
        self.emit(BookChanged(self.symbol, bids, asks, snapshot=True, ts_ns=ts_ns))

    def on_update(self, data: Mapping[str, Any], ts_ns: int = 0) -> None:
        """Apply one update, truncate, and pass it on only if its checksum matches (else it
        is taken back out of the book and a fresh snapshot is asked for).

        Raises:
            KeyError, TypeError, ValueError: a malformed update (nothing is applied).
        """
        book = self.book
        if not self.synced or book is None:
            return
        bids, asks = levels(data.get("bids", ())), levels(data.get("asks", ()))
        want = int(data["checksum"])
        undo: Undo = []
        bid_side, ask_side = book.bids, book.asks
        bids = _write(bid_side, bids, self.depth, undo)
        asks = _write(ask_side, asks, self.depth, undo)
        self.updates += 1
        if not self._verify(want, ask_side.top(10), bid_side.top(10), f"update {self.updates}"):
            _take_back(undo)
            return
        bid, ask = bid_side.best(), ask_side.best()
        if bid is not None and ask is not None and bid >= ask:
            _take_back(undo)
            self._lose(f"crossed book: bid {bid} >= ask {ask} after update {self.updates}")
            return
        self.emit(BookChanged(self.symbol, bids, asks, seq=self.updates, ts_ns=ts_ns))

    def computed(self) -> int:
        """The checksum of the last check (over the update or snapshot a failed one refused)."""
        return self.last_computed

    def _verify(self, want: int, asks: Sequence[Level], bids: Sequence[Level], where: str) -> bool:
        got = self.last_computed = checksum(asks, bids, self.price_decimals, self.qty_decimals)
        if got == want:
            self.checksum = got
            return True
        self._lose(f"checksum mismatch at {where}: Kraken says {want}, the book gives {got}")
        return False

    def _lose(self, reason: str) -> None:
        self.synced = False
        self.resyncs += 1
        self.resync(reason)


def _take_back(undo: Undo) -> None:
    """Put back every level an update wrote, last first: the book is as it was before it."""
    for side, price, qty in reversed(undo):
        side.set(price, qty)
