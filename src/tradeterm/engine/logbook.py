"""An in-memory ring of recent log records, for the log pane, fed by the logging module."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    ts_ns: int
    level: int
    source: str
    message: str


class LogBook(logging.Handler):
    """Keeps the last ``capacity`` records; ``seq`` tells readers whether anything is new.

    Timestamps come from ``now_ns`` so that frozen-clock tests render the same log.
    """

    def __init__(self, now_ns: object = None, capacity: int = 2000) -> None:
        super().__init__(level=logging.DEBUG)
        self._now_ns = now_ns
        self.entries: deque[LogEntry] = deque(maxlen=capacity)
        self.seq = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must never kill the logger
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}: {record.exc_info[1]!r}"
        now = self._now_ns() if callable(self._now_ns) else int(record.created * 1e9)
        self.seq += 1
        source = record.name.removeprefix("tradeterm.")
        self.entries.append(LogEntry(self.seq, now, record.levelno, source, message))
