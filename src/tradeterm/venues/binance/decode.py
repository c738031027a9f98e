"""Decoding of Binance depth frames: the C decoder of ``venues.wire`` reads a frame's text
straight into Decimal levels; any frame it does not read (or without it), msgspec reads the
frame into its level strings, and ``levels`` turns them into the levels the engine's book
takes. Both give equal levels, digit for digit.

The level loop is ``book_kernel.parse``. Where C is built it makes each plain number fresh
from its digits (cheaper than a look-up in a big memo) and asks ``PRICES``/``SIZES`` only
about other text, whose ``__missing__`` refuses it or parses it. Without C the Python loop
subscripts the two caches for every level (their ``__missing__`` holds the checks; each
distinct string becomes a Decimal once). Both caches are bounded (cleared when full).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import msgspec

from tradeterm.domain.book import Level
from tradeterm.domain.book_kernel import parse
from tradeterm.venues import wire

CACHE_LIMIT = 200_000
"""Distinct strings kept per cache; past that the cache starts again."""


class _Numbers(dict[str, Decimal]):
    """Price or size strings to Decimals, parsed on a miss (``__missing__``; the C parse
    asks only about text that is not a plain number)."""

    def __init__(self, what: str, limit: int = CACHE_LIMIT) -> None:
        super().__init__()
        self.what = what
        self.limit = limit

    def __missing__(self, text: str) -> Decimal:
        """Raises:
        ValueError: not a plain number >= 0 (as Binance writes them).
        ArithmeticError: a text starting with a digit is still no number.
        """
        if not text[:1].isdigit():  # no sign, no NaN or Infinity: what remains is finite
            raise ValueError(f"level {self.what} {text!r} is not a number >= 0")
        if len(self) >= self.limit:
            self.clear()
        value = self[text] = Decimal(text)
        return value


PRICES = _Numbers("price")
SIZES = _Numbers("size")


def levels(raw: Sequence[Sequence[str]]) -> list[Level]:
    """``[["0.35", "12.0"], ...]`` as Decimal pairs (one call per side per event).

    Raises:
        ValueError: a price or size is not a plain number >= 0, or a level is no pair.
        ArithmeticError: a text starting with a digit is still no number.
        TypeError: a price or size is not a string.
    """
    return parse(raw, PRICES, SIZES)


class Depth(msgspec.Struct):
    """The ``data`` of a ``depthUpdate`` frame, levels still as the exchange wrote them."""

    e: str
    s: str
    U: int
    u: int
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]
    E: int = 0


class _Frame(msgspec.Struct):
    data: Depth


_DECODER = msgspec.json.Decoder(_Frame)


def depth_frame(raw: str | bytes) -> Depth | None:
    """The depth event of a combined-stream frame, or None when the frame is anything else
    or does not have the expected shape (the caller then reads it the general way, which
    says what is wrong with it)."""
    if not _depth_stream(raw):
        return None
    return _typed(raw)


def _depth_stream(raw: str | bytes) -> bool:
    """Whether a frame names a depth stream near its start (a bounded find: no copy)."""
    return (raw.find("@depth", 0, 64) if isinstance(raw, str) else raw.find(b"@depth", 0, 64)) >= 0


def _typed(raw: str | bytes) -> Depth | None:
    try:
        data = _DECODER.decode(raw).data
    except msgspec.MsgspecError:
        return None
    return data if data.e == "depthUpdate" else None


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
            first, last, int(data.get("E", 0)) * 1_000_000, levels(data["b"]), levels(data["a"])
        )

    @classmethod
    def from_depth(cls, data: Depth) -> Diff:
        """A typed depth event (``decode.depth_frame``); raises as ``parse`` does."""
        first, last = data.U, data.u
        if first > last:
            raise ValueError(f"bad update ids U={first!r} u={last!r}")
        return cls(first, last, data.E * 1_000_000, levels(data.b), levels(data.a))


def depth_event(raw: str | bytes) -> tuple[str, Diff] | None:
    """The native symbol and the checked, parsed diff of a combined-stream depth frame; None
    when the frame is anything else or not of the expected shape (the caller then reads it
    the general way, which says what is wrong with it). The feed's one depth decode: the
    compiled ``wire.depth`` where built, msgspec for a frame it does not read (spaces,
    escapes, exponents: it answers None) and without it; the same levels either way.

    Raises:
        ValueError, ArithmeticError, TypeError: as ``Diff.parse`` for a malformed event.
    """
    if not _depth_stream(raw):
        return None
    if wire.c_depth is not None:
        fast = wire.c_depth(raw)
        if fast is not None:
            first, last, _, event_ms, symbol, bids, asks = fast
            if first > last:
                raise ValueError(f"bad update ids U={first!r} u={last!r}")
            return symbol, Diff(first, last, event_ms * 1_000_000, bids, asks)
    depth = _typed(raw)
    if depth is None:
        return None
    return depth.s, Diff.from_depth(depth)
