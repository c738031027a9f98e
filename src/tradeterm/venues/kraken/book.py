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
snapshot is checked before it is loaded. Each level's checksum text (its digits at the
pair's precisions) is made when the level is written and kept by price, so a check joins
20 kept strings.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any

from tradeterm.domain.book import Level, OrderBook
from tradeterm.domain.events import BookChanged
from tradeterm.venues.kraken.check_book import Book, CheckBook, Side

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


def _digits(value: Decimal, places: int) -> str:
    """``value`` as the checksum prints it: ``places`` decimals, no point, no leading zeros."""
    return f"{value:.{places}f}".replace(".", "").lstrip("0")


_PRINTED: dict[int, dict[Decimal, str]] = {}
"""Checksum digits by value, one table per number of places (shared by every book that
prints at those places, and kept across reconnects: the same numbers come back)."""


def _printed(places: int) -> dict[Decimal, str]:
    return _PRINTED.setdefault(places, {})


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


Texts = dict[Decimal, str]
"""One side's checksum text by price: the level's price and qty digits, kept as written."""

Undo = list[tuple[Side, Texts, Decimal, Decimal]]
"""(side, its texts, price, size before) for every level an update wrote, in order."""


def _side_levels(raw: Sequence[Level], depth: int, bids: bool) -> list[Level]:
    """A snapshot side as the book will hold it: best first, no zero sizes, ``depth`` long."""
    sizes = {p: q for p, q in raw if q}
    return [(p, sizes[p]) for p in sorted(sizes, reverse=bids)[:depth]]


def _crc(asks: str, bids: str) -> int:
    return zlib.crc32((asks + bids).encode()) & 0xFFFFFFFF


class KrakenBook:
    """The checked book of one pair; emits ``BookChanged`` with the unified symbol.

    Each level's checksum text (its price and qty digits at the pair's precisions) is made
    when the level is written and kept beside the book, so a check joins the top 10 texts
    of each side instead of printing 40 numbers.

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
        self._bid_texts: Texts = {}
        self._ask_texts: Texts = {}
        self._price_digits = _printed(price_decimals)
        self._qty_digits = _printed(qty_decimals)

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
        text = self._text
        bid_texts = {p: text(p, q) for p, q in bids}
        ask_texts = {p: text(p, q) for p, q in asks}
        if want is not None:
            got = _crc(
                "".join(ask_texts[p] for p, _ in asks[:10]),
                "".join(bid_texts[p] for p, _ in bids[:10]),
            )
            if not self._verify(got, int(want), "snapshot"):
                return
        book = self.book
        if book is None:
            keep = self.keep
            book = self.book = CheckBook() if keep is None else keep(self.symbol)
        book.load(bids, asks)
        self._bid_texts, self._ask_texts = bid_texts, ask_texts
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
        bids = self._write(bid_side, self._bid_texts, bids, undo)
        asks = self._write(ask_side, self._ask_texts, asks, undo)
        self.updates += 1
        if not self._verify(self._computed(book), want, f"update {self.updates}"):
            self._take_back(undo)
            return
        bid, ask = bid_side.best(), ask_side.best()
        if bid is not None and ask is not None and bid >= ask:
            self._take_back(undo)
            self._lose(f"crossed book: bid {bid} >= ask {ask} after update {self.updates}")
            return
        self.emit(BookChanged(self.symbol, bids, asks, seq=self.updates, ts_ns=ts_ns))

    def computed(self) -> int:
        """The checksum of the last check (over the update or snapshot a failed one refused)."""
        return self.last_computed

    # --- writing -----------------------------------------------------------

    def _write(self, side: Side, texts: Texts, changes: list[Level], undo: Undo) -> list[Level]:
        """Write ``changes`` to ``side`` and drop the levels past the depth, noting each old
        size in ``undo``; returns the changes with the dropped levels added as deletions."""
        put, text = side.set, self._text
        for price, qty in changes:
            undo.append((side, texts, price, put(price, qty)))
            if qty:
                texts[price] = text(price, qty)
            else:
                texts.pop(price, None)
        depth = self.depth
        if len(side) <= depth:
            return changes
        gone = list(islice(side.prices_best_first(), depth, None))
        qty_at = side.qty_at
        undo.extend((side, texts, price, qty_at(price)) for price in gone)
        side.truncate(depth)
        for price in gone:
            del texts[price]
        return changes + [(price, ZERO) for price in gone]

    def _take_back(self, undo: Undo) -> None:
        """Put back every level an update wrote, last first: the book is as it was before."""
        text = self._text
        for side, texts, price, qty in reversed(undo):
            side.set(price, qty)
            if qty:
                texts[price] = text(price, qty)
            else:
                texts.pop(price, None)

    def _text(self, price: Decimal, qty: Decimal) -> str:
        """A level's checksum text: price and qty at the pair's precisions, no point, no
        leading zeros (each distinct number printed once per precision)."""
        prices, qtys = self._price_digits, self._qty_digits
        p = prices.get(price)
        if p is None:
            if len(prices) >= _NUMBERS_LIMIT:
                prices.clear()
            p = prices[price] = _digits(price, self.price_decimals)
        q = qtys.get(qty)
        if q is None:
            if len(qtys) >= _NUMBERS_LIMIT:
                qtys.clear()
            q = qtys[qty] = _digits(qty, self.qty_decimals)
        return p + q

    # --- checking ----------------------------------------------------------

    def _computed(self, book: Book) -> int:
        """The checksum of the book's top 10 levels a side, from the kept level texts."""
        return _crc(
            "".join(map(self._ask_texts.__getitem__, islice(book.asks.prices_best_first(), 10))),
            "".join(map(self._bid_texts.__getitem__, islice(book.bids.prices_best_first(), 10))),
        )

    def _verify(self, got: int, want: int, where: str) -> bool:
        self.last_computed = got
        if got == want:
            self.checksum = got
            return True
        self._lose(f"checksum mismatch at {where}: Kraken says {want}, the book gives {got}")
        return False

    def _lose(self, reason: str) -> None:
        self.synced = False
        self.resyncs += 1
        self.resync(reason)
