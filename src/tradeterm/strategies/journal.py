"""Journal: one strategy instance's recent log lines (its decisions, orders, vetoes, errors).

The host writes its own lines (started, paused, an order accepted, filled, cancelled or
refused with the reason, a failure in one line) and, while one of the strategy's callbacks
runs, every record the strategy logs to the ``tradeterm.strategies`` logger lands here
too. Tracebacks never do: they go to the log file only.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

CAPACITY = 500
"""Lines kept per instance."""


@dataclass(frozen=True, slots=True)
class JournalLine:
    ts_ns: int
    level: int
    text: str


class Journal:
    """The last ``capacity`` lines of one instance, oldest first."""

    def __init__(self, now_ns: Callable[[], int], capacity: int = CAPACITY) -> None:
        self.now_ns = now_ns
        self.lines: deque[JournalLine] = deque(maxlen=capacity)
        self.count = 0
        """Lines written so far (readers compare it to see whether anything is new)."""

    def add(self, level: int, text: str) -> None:
        self.lines.append(JournalLine(self.now_ns(), level, text))
        self.count += 1


OWN = {"journaled": True}
"""``extra=`` of a record the host wrote to the journal itself (not copied again)."""


class _Writing:
    """The journal of the callback running now (callbacks are plain methods run one at a time
    on the event loop; a plain slot costs far less than a context variable per book)."""

    journal: Journal | None = None


def writing(journal: Journal | None) -> Journal | None:
    """Send what the strategies logger logs from now on to ``journal`` too; returns what
    ``done`` takes to put the previous one back."""
    before = _Writing.journal
    _Writing.journal = journal
    return before


def done(before: Journal | None) -> None:
    _Writing.journal = before


class _Capture(logging.Filter):
    """Copies the strategies logger's records to the journal of the callback that runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        journal = _Writing.journal
        if journal is not None and not getattr(record, "journaled", False):
            try:
                message = record.getMessage()
            except Exception:  # a bad format string must never break a strategy
                message = str(record.msg)
            journal.add(record.levelno, message)
        return True


_CAPTURE = _Capture()
logging.getLogger("tradeterm.strategies").addFilter(_CAPTURE)
