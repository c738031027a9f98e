"""One Binance spot order book kept in sync: the diff-depth update-id rules and a crossed check.

Binance's procedure (spot): buffer the stream and take a REST snapshot; drop buffered
events with ``u <= lastUpdateId``; the first applied event must have
``U <= lastUpdateId + 1 <= u``; afterwards every event must have ``U == previous u + 1``.
The first rule holds whether that event was buffered or arrives after the snapshot (a
snapshot can be answered before the stream has sent anything: its next event then usually
starts before ``lastUpdateId + 1``). A break, or a book whose best bid reaches its best ask,
asks for a fresh snapshot. (USD-M futures differ: ``U <= lastUpdateId <= u``, then ``pu``
chains each event to the previous ``u``; this module serves spot only.)

Levels arrive as Decimals from ``decode`` (each distinct string parsed once); the engine's
``BookChanged`` takes them as they are. The book itself is written once: into the engine's
book when the sink lends it (``FeedSink.keep_book``: the engine then applies no update
again), else into a cheap book of its own; the crossed check reads it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from tradeterm.domain.book import Level, OrderBook
from tradeterm.domain.events import BookChanged
from tradeterm.venues.binance.decode import Diff, levels

BUFFER_LIMIT = 5_000
"""Diff events held while waiting for a snapshot; past that the oldest are dropped (and the
snapshot that follows is then likely too new to bridge, so it is fetched again)."""

Emit = Callable[[BookChanged], None]
Resync = Callable[[str], None]
__all__ = ["BUFFER_LIMIT", "CheckBook", "DepthSync", "Diff"]


class _Side:
    """One side's sizes by price, with its best price kept up to date cheaply."""

    __slots__ = ("best_price", "is_bid", "sizes")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.sizes: dict[Decimal, Decimal] = {}
        self.best_price: Decimal | None = None

    def __len__(self) -> int:
        return len(self.sizes)

    def best(self) -> Decimal | None:
        return self.best_price

    def top(self, n: int) -> list[Level]:
        """The best ``n`` levels, best first (sorted when asked: only tests ask)."""
        return sorted(self.sizes.items(), reverse=self.is_bid)[: max(n, 0)]

    def load(self, levels: Sequence[Level]) -> None:
        self.sizes = {p: q for p, q in levels if q}
        self._rescan()

    def apply(self, levels: Iterable[Level]) -> None:
        sizes, best, bids, pop = self.sizes, self.best_price, self.is_bid, self.sizes.pop
        lost = False  # the best level went: found again from every level once at the end
        for price, qty in levels:
            if qty:
                sizes[price] = qty
                if best is None or (price > best if bids else price < best):
                    best = price
            elif pop(price, None) is not None and price == best:
                lost = True
        if lost:
            self._rescan()
        else:
            self.best_price = best

    def _rescan(self) -> None:
        sizes = self.sizes
        self.best_price = (max(sizes) if self.is_bid else min(sizes)) if sizes else None


class CheckBook:
    """The book of a sync whose sink lends none (no engine behind it): sizes by price and
    each side's best, all the crossed check needs; cheaper than a sorted ``OrderBook``."""

    __slots__ = ("asks", "bids", "seq")

    def __init__(self) -> None:
        self.bids = _Side(is_bid=True)
        self.asks = _Side(is_bid=False)
        self.seq = 0

    def load(self, bids: Sequence[Level], asks: Sequence[Level], seq: int = 0) -> None:
        self.bids.load(bids)
        self.asks.load(asks)
        self.seq = seq

    def apply(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        self.bids.apply(bids)
        self.asks.apply(asks)


class DepthSync:
    """The update-id state machine of one symbol; emits ``BookChanged`` with unified names.

    Args:
        symbol: the unified symbol (``BTC/USDT``) the events carry.
        emit: where book events go (the engine's ``on_market``).
        resync: called with the reason when a fresh snapshot is needed.
        keep: the engine sink's ``keep_book``: the book is then the engine's, taken at the
            first snapshot; None keeps a ``CheckBook`` of its own.
    """

    def __init__(
        self,
        symbol: str,
        emit: Emit,
        resync: Resync,
        keep: Callable[[str], OrderBook] | None = None,
    ) -> None:
        self.symbol = symbol
        self.emit = emit
        self.resync = resync
        self.synced = False
        self.bridged = False
        """Synced and an event has continued the snapshot (until then the first-event rule)."""
        self.last_u = 0
        self.buffer: deque[Diff] = deque(maxlen=BUFFER_LIMIT)
        self.keep = keep
        self.book: OrderBook | CheckBook | None = None
        """The book this sync writes (None before the first snapshot)."""
        self.applied = 0
        self.resyncs = 0

    def reset(self) -> None:
        """Forget sync (a new connection): buffer until the next snapshot."""
        self.synced = self.bridged = False
        self.buffer.clear()

    def on_diff(self, diff: Diff) -> None:
        """One depth event: buffered until synced, then applied if it continues the sequence."""
        if not self.synced:
            self.buffer.append(diff)
            return
        if diff.last <= self.last_u:
            return
        reason = self._breaks(diff)
        if reason is not None:
            self._lose(reason, diff)
            return
        self._apply(diff)

    def _breaks(self, diff: Diff) -> str | None:
        """Why ``diff`` (newer than the book) cannot follow it by the update-id rules: a gap
        after the first bridging event, or a snapshot older than the stream; None if it can."""
        last_u = self.last_u
        if self.bridged:
            if diff.first != last_u + 1:
                return f"gap: U={diff.first} but the previous u was {last_u}"
        elif diff.first > last_u + 1:
            return f"snapshot {last_u} is older than the stream (next U={diff.first})"
        return None

    def on_diffs(self, diffs: Sequence[Diff]) -> None:
        """Consecutive depth events (one socket read's), each checked by the update-id rules
        exactly as ``on_diff`` checks it; the run of them that continues the book is then
        written at once: one ``apply`` with their levels in order (sizes are absolute, so
        that is the book of applying them one by one) and one ``BookChanged`` carrying every
        level (what the paper venue's queues read), stamped with the last one's update id
        and the exchange's own time. (Writing each price once, with its last size, was
        measured: the depth@100ms stream repeats a fifth of its prices within 10 messages,
        but hashing the Decimals to find them cost more than the writes it saved.)

        A gap or a stale snapshot ends the run where it is found: the events before it are
        applied, then the resync starts as ``on_diff`` would start it. The crossed check
        reads the book once the run is written (Binance's depth@100ms already nets out what
        happened within its 100 ms; a run of two of them is the same kind of summary).
        """
        if len(diffs) == 1:
            self.on_diff(diffs[0])
            return
        run: list[Diff] = []
        for diff in diffs:
            if not self.synced:
                self.buffer.append(diff)
                continue
            if diff.last <= self.last_u:
                continue
            reason = self._breaks(diff)
            if reason is not None:
                self._lose_after(run, reason, diff)
                run = []
                continue
            run.append(diff)
            self.last_u = diff.last
            self.bridged = True
        if run:
            self._apply_run(run)

    def _lose_after(self, run: list[Diff], reason: str, diff: Diff) -> None:
        """Write ``run``, then lose sync at ``diff`` (unless the run's book was crossed, which
        lost it already: ``diff`` is then buffered for the snapshot that is on its way)."""
        if run:
            self._apply_run(run)
        if self.synced:
            self._lose(reason, diff)
        else:
            self.buffer.append(diff)

    def _apply_run(self, run: list[Diff]) -> None:
        if len(run) == 1:
            self._apply(run[0])
            return
        bids: list[Level] = []
        asks: list[Level] = []
        for diff in run:
            bids += diff.bids
            asks += diff.asks
        last = run[-1]
        self._apply(Diff(run[0].first, last.last, last.ts_ns, bids, asks), len(run))

    def on_snapshot(self, body: dict[str, Any]) -> bool:
        """A REST depth snapshot: load it, then bridge with the buffered events.

        Returns False (and asks for another snapshot) when the buffer cannot bridge it.
        """
        snap = int(body["lastUpdateId"])
        bids, asks = levels(body["bids"]), levels(body["asks"])
        book = self.book
        if book is None:
            keep = self.keep
            book = self.book = CheckBook() if keep is None else keep(self.symbol)
        book.load(bids, asks, snap)
        self.last_u = snap
        self.synced, self.bridged = True, False
        self.emit(BookChanged(self.symbol, bids, asks, snapshot=True, seq=snap))
        pending = list(self.buffer)
        self.buffer.clear()
        for diff in pending:
            if self.synced:
                self.on_diff(diff)
            else:
                self.buffer.append(diff)
        return self.synced

    def _apply(self, diff: Diff, events: int = 1) -> None:
        book = self.book
        assert book is not None  # (synced: a snapshot came)
        book.apply(diff.bids, diff.asks)
        book.seq = self.last_u = diff.last
        self.bridged = True
        self.applied += events
        self.emit(BookChanged(self.symbol, diff.bids, diff.asks, seq=diff.last, ts_ns=diff.ts_ns))
        bid, ask = book.bids.best(), book.asks.best()
        if bid is not None and ask is not None and bid >= ask:
            self._lose(f"crossed book: bid {bid} >= ask {ask} after u={diff.last}", None)

    def _lose(self, reason: str, diff: Diff | None) -> None:
        self.synced = self.bridged = False
        self.resyncs += 1
        self.buffer.clear()
        if diff is not None:
            self.buffer.append(diff)
        self.resync(reason)
