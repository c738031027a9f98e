"""One Kraken v2 order book: snapshot and updates, depth truncation, the CRC32 checksum check.

Kraken's v2 procedure: apply every level of an update (qty 0 deletes), truncate each side
to the subscribed depth (no deletes are sent for levels that fall out of range), then
compare ``checksum`` with CRC32 over the top 10 asks (low to high) then the top 10 bids
(high to low), each price and qty printed at the pair's precision with the decimal point
and leading zeros removed. A mismatch, or a crossed book, asks for a fresh snapshot; the
engine is only told about a book that passed its checksum.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradeterm.domain.book import Level
from tradeterm.domain.events import BookChanged

Emit = Callable[[BookChanged], None]
Resync = Callable[[str], None]

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


class _Side:
    """Sizes by price with the prices kept sorted ascending (a bid side's best is the last)."""

    __slots__ = ("bids", "keys", "sizes")

    def __init__(self, bids: bool) -> None:
        self.bids = bids
        self.sizes: dict[Decimal, Decimal] = {}
        self.keys: list[Decimal] = []

    def load(self, new: Sequence[Level]) -> None:
        self.sizes = {p: q for p, q in new if q}
        self.keys = sorted(self.sizes)

    def apply(self, changes: Sequence[Level]) -> None:
        sizes, keys = self.sizes, self.keys
        for price, qty in changes:
            if qty:
                if price not in sizes:
                    bisect.insort(keys, price)
                sizes[price] = qty
            elif sizes.pop(price, None) is not None:
                del keys[bisect.bisect_left(keys, price)]

    def truncate(self, depth: int) -> list[Level]:
        """Drop the levels past ``depth``; returns them as deletions."""
        keys = self.keys
        extra = len(keys) - depth
        if extra <= 0:
            return []
        if self.bids:
            gone = keys[:extra]
            del keys[:extra]
        else:
            gone = keys[depth:]
            del keys[depth:]
        for price in gone:
            del self.sizes[price]
        return [(price, Decimal(0)) for price in gone]

    def top(self, n: int) -> list[Level]:
        sizes, keys = self.sizes, self.keys
        best = reversed(keys[-n:]) if self.bids else keys[:n]
        return [(p, sizes[p]) for p in best]

    def best(self) -> Decimal | None:
        if not self.keys:
            return None
        return self.keys[-1] if self.bids else self.keys[0]


class KrakenBook:
    """The checked book of one pair; emits ``BookChanged`` with the unified symbol.

    Args:
        symbol: the unified (and v2) symbol.
        price_decimals: the pair's price precision (AssetPairs ``pair_decimals``).
        qty_decimals: the pair's qty precision (``lot_decimals``).
        depth: the subscribed depth (10, 25, 100, 500 or 1000).
        emit: where book events go (the engine's ``on_market``).
        resync: called with the reason when a fresh snapshot is needed.
    """

    def __init__(
        self,
        symbol: str,
        price_decimals: int,
        qty_decimals: int,
        depth: int,
        emit: Emit,
        resync: Resync,
    ) -> None:
        self.symbol = symbol
        self.price_decimals = price_decimals
        self.qty_decimals = qty_decimals
        self.depth = depth
        self.emit = emit
        self.resync = resync
        self.synced = False
        self.bids = _Side(bids=True)
        self.asks = _Side(bids=False)
        self.checksum = 0
        self.updates = 0
        self.resyncs = 0

    def reset(self) -> None:
        """Forget sync (a new connection): updates are ignored until the next snapshot."""
        self.synced = False

    def on_snapshot(self, data: Mapping[str, Any], ts_ns: int = 0) -> None:
        """Replace the book with a snapshot and check it (v2 snapshots carry a checksum).

        Raises:
            KeyError, TypeError, ValueError: a malformed snapshot (the book is left as it was).
        """
        bids, asks = levels(data["bids"]), levels(data["asks"])
        want = data.get("checksum")
        self.bids.load(bids)
        self.asks.load(asks)
        self.bids.truncate(self.depth)
        self.asks.truncate(self.depth)
        self.synced = True
        if want is not None and not self._verify(int(want), "snapshot"):
            return
        self.emit(
            BookChanged(
                self.symbol,
                self.bids.top(self.depth),
                self.asks.top(self.depth),
                snapshot=True,
                ts_ns=ts_ns,
            )
        )

    def on_update(self, data: Mapping[str, Any], ts_ns: int = 0) -> None:
        """Apply one update, truncate, and pass it on only if its checksum matches.

        Raises:
            KeyError, TypeError, ValueError: a malformed update (nothing is applied).
        """
        if not self.synced:
            return
        bids, asks = levels(data.get("bids", ())), levels(data.get("asks", ()))
        want = int(data["checksum"])
        self.bids.apply(bids)
        self.asks.apply(asks)
        bids += self.bids.truncate(self.depth)
        asks += self.asks.truncate(self.depth)
        self.updates += 1
        if not self._verify(want, f"update {self.updates}"):
            return
        bid, ask = self.bids.best(), self.asks.best()
        if bid is not None and ask is not None and bid >= ask:
            self._lose(f"crossed book: bid {bid} >= ask {ask} after update {self.updates}")
            return
        self.emit(BookChanged(self.symbol, bids, asks, seq=self.updates, ts_ns=ts_ns))

    def computed(self) -> int:
        return checksum(
            self.asks.top(10), self.bids.top(10), self.price_decimals, self.qty_decimals
        )

    def _verify(self, want: int, where: str) -> bool:
        got = self.computed()
        if got == want:
            self.checksum = got
            return True
        self._lose(f"checksum mismatch at {where}: Kraken says {want}, the book gives {got}")
        return False

    def _lose(self, reason: str) -> None:
        self.synced = False
        self.resyncs += 1
        self.resync(reason)
