"""One Binance spot order book kept in sync: the diff-depth update-id rules and a crossed check.

Binance's procedure (spot): buffer the stream and take a REST snapshot; drop buffered
events with ``u <= lastUpdateId``; the first applied event must have
``U <= lastUpdateId + 1 <= u``; afterwards every event must have ``U == previous u + 1``.
The first rule holds whether that event was buffered or arrives after the snapshot (a
snapshot can be answered before the stream has sent anything: its next event then usually
starts before ``lastUpdateId + 1``). A break, or a book whose best bid reaches its best ask,
asks for a fresh snapshot. (USD-M futures differ: ``U <= lastUpdateId <= u``, then ``pu``
chains each event to the previous ``u``; this module serves spot only.)

Prices are parsed once per distinct string (a cache); the engine's ``BookChanged``
takes Decimal levels, so the conversion happens here, once per level, and the book kept
for the crossed check reuses those Decimals.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from tradeterm.domain.book import Level
from tradeterm.domain.events import BookChanged
from tradeterm.domain.numbers import dec

BUFFER_LIMIT = 5_000
"""Diff events held while waiting for a snapshot; past that the oldest are dropped (and the
snapshot that follows is then likely too new to bridge, so it is fetched again)."""

Emit = Callable[[BookChanged], None]
Resync = Callable[[str], None]


_PRICES: dict[str, Decimal] = {}
"""Parsed price strings: a book quotes the same prices again and again."""
_PRICES_LIMIT = 200_000


def _levels(raw: Sequence[Sequence[str]]) -> list[Level]:
    """``[["0.35", "12.0"], ...]`` as Decimal pairs (the hot path: one call per side per event).

    Raises:
        ValueError: a price or size is not a plain number >= 0 (as Binance writes them).
        ArithmeticError: a text starting with a digit is still no number.
    """
    out: list[Level] = []
    prices = _PRICES
    for p, q in raw:
        price = prices.get(p)
        if price is None:
            if not p[:1].isdigit():
                raise ValueError(f"level price {p!r} is not a number > 0")
            if len(prices) >= _PRICES_LIMIT:
                prices.clear()
            price = prices[p] = dec(p)
        if not q[:1].isdigit():
            raise ValueError(f"level size {q!r} is not a number >= 0")
        out.append((price, Decimal(q)))
    return out


class Diff(NamedTuple):
    """A ``depthUpdate`` event, checked and parsed before it touches any state."""

    first: int
    last: int
    ts_ns: int
    bids: list[Level]
    asks: list[Level]

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Diff:
        """Raises KeyError, TypeError or ValueError for a malformed event."""
        first, last = data["U"], data["u"]
        if not isinstance(first, int) or not isinstance(last, int) or first > last:
            raise ValueError(f"bad update ids U={first!r} u={last!r}")
        return cls(
            first, last, int(data.get("E", 0)) * 1_000_000, _levels(data["b"]), _levels(data["a"])
        )


class _Side:
    """One side's sizes by price, with its best price kept up to date cheaply."""

    __slots__ = ("best", "bids", "sizes")

    def __init__(self, bids: bool) -> None:
        self.bids = bids
        self.sizes: dict[Decimal, Decimal] = {}
        self.best: Decimal | None = None

    def load(self, levels: Sequence[Level]) -> None:
        self.sizes = {p: q for p, q in levels if q}
        self._rescan()

    def apply(self, levels: Sequence[Level]) -> None:
        sizes, rescan = self.sizes, False
        for price, qty in levels:
            if qty:
                sizes[price] = qty
                best = self.best
                if best is None or (price > best if self.bids else price < best):
                    self.best = price
            elif sizes.pop(price, None) is not None and price == self.best:
                rescan = True
        if rescan:
            self._rescan()

    def _rescan(self) -> None:
        sizes = self.sizes
        self.best = (max(sizes) if self.bids else min(sizes)) if sizes else None


class DepthSync:
    """The update-id state machine of one symbol; emits ``BookChanged`` with unified names.

    Args:
        symbol: the unified symbol (``BTC/USDT``) the events carry.
        emit: where book events go (the engine's ``on_market``).
        resync: called with the reason when a fresh snapshot is needed.
    """

    def __init__(self, symbol: str, emit: Emit, resync: Resync) -> None:
        self.symbol = symbol
        self.emit = emit
        self.resync = resync
        self.synced = False
        self.bridged = False
        """Synced and an event has continued the snapshot (until then the first-event rule)."""
        self.last_u = 0
        self.buffer: deque[Diff] = deque(maxlen=BUFFER_LIMIT)
        self.bids = _Side(bids=True)
        self.asks = _Side(bids=False)
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
        last_u = self.last_u
        if diff.last <= last_u:
            return
        if self.bridged:
            if diff.first != last_u + 1:
                self._lose(f"gap: U={diff.first} but the previous u was {last_u}", diff)
                return
        elif diff.first > last_u + 1:
            self._lose(f"snapshot {last_u} is older than the stream (next U={diff.first})", diff)
            return
        self._apply(diff)

    def on_snapshot(self, body: dict[str, Any]) -> bool:
        """A REST depth snapshot: load it, then bridge with the buffered events.

        Returns False (and asks for another snapshot) when the buffer cannot bridge it.
        """
        snap = int(body["lastUpdateId"])
        bids, asks = _levels(body["bids"]), _levels(body["asks"])
        self.bids.load(bids)
        self.asks.load(asks)
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

    def _apply(self, diff: Diff) -> None:
        self.bids.apply(diff.bids)
        self.asks.apply(diff.asks)
        self.last_u = diff.last
        self.bridged = True
        self.applied += 1
        self.emit(BookChanged(self.symbol, diff.bids, diff.asks, seq=diff.last, ts_ns=diff.ts_ns))
        bid, ask = self.bids.best, self.asks.best
        if bid is not None and ask is not None and bid >= ask:
            self._lose(f"crossed book: bid {bid} >= ask {ask} after u={diff.last}", None)

    def _lose(self, reason: str, diff: Diff | None) -> None:
        self.synced = self.bridged = False
        self.resyncs += 1
        self.buffer.clear()
        if diff is not None:
            self.buffer.append(diff)
        self.resync(reason)
