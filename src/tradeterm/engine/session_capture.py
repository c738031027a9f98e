"""What a session report needs, captured as the session plays: mid paths and every fill."""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.events import BookChanged, OrderFilled
from tradeterm.domain.fills import Fill

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

MAX_SAMPLES = 2_000_000


class SessionCapture:
    """Per symbol, ``(ts_ns, mid)`` each time the mid changes, and every fill, in order.

    Subscribes to the engine's bus; a replay that seeks backwards calls ``drop_after``.
    At most ``MAX_SAMPLES`` mid samples are kept per symbol (the oldest go first).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.paths: dict[str, list[tuple[int, Decimal]]] = {}
        self.fills: list[Fill] = []
        engine.bus.subscribe(BookChanged, self._on_book)
        engine.bus.subscribe(OrderFilled, self._on_fill)

    def _on_book(self, event: BookChanged) -> None:
        book = self.engine.state.books.get(event.instrument)
        mid = book.mid() if book is not None else None
        if mid is None:
            return
        path = self.paths.get(event.symbol)
        if path is None:
            path = self.paths[event.symbol] = []
        if not path or path[-1][1] != mid:
            path.append((self.engine.clock.now_ns(), mid))
            if len(path) > MAX_SAMPLES:
                del path[: len(path) - MAX_SAMPLES]

    def _on_fill(self, event: OrderFilled) -> None:
        self.fills.append(event.fill)

    def marks(self) -> dict[str, Decimal]:
        return {symbol: path[-1][1] for symbol, path in self.paths.items() if path}

    def drop_after(self, ts_ns: int) -> None:
        """Forget what happened after ``ts_ns`` (the replay jumped back in time)."""
        for path in self.paths.values():
            del path[bisect_right(path, (ts_ns, Decimal("Infinity"))) :]
        self.fills = [f for f in self.fills if f.ts_ns <= ts_ns]
