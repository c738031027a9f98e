"""Clocks: the wall clock for live use and a manual one that tests can freeze and step."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Where every timestamp in the engine and the venues comes from."""

    def now_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""
        ...


class SystemClock:
    """The machine's wall clock."""

    def now_ns(self) -> int:
        return time.time_ns()


class ManualClock:
    """A clock that only moves when told to: frozen by default, stepped by tests and replays."""

    def __init__(self, start_ns: int = 1_767_225_600_000_000_000) -> None:
        self._now = start_ns

    def now_ns(self) -> int:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += int(seconds * 1_000_000_000)

    def set_ns(self, ns: int) -> None:
        """Move forward to ``ns`` (never back: time only moves on)."""
        self._now = max(self._now, ns)

    def rewind_ns(self, ns: int) -> None:
        """Move to ``ns`` even when it is earlier: a replay jumping back in time."""
        self._now = ns
