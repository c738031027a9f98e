"""Clocks with timers: the wall clock on the asyncio loop, and a simulated one that moves when told.

Everything in the engine, the venues and strategies that waits uses these
timers (``call_at``, ``call_every``), never ``asyncio.sleep``: on the simulated
clock (``ManualClock``) a wait then lasts exactly as long in simulated time
whatever the machine's speed, which is what makes the deterministic driver
(``tradeterm.engine.driver``) deterministic.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Callable
from itertools import count
from typing import Protocol

from tradeterm.domain.errors import TradetermError

log = logging.getLogger("tradeterm.engine.clock")

Callback = Callable[[], None]


class Timer:
    """A callback due at ``when_ns`` (and every ``interval_ns`` after, when repeating).

    ``cancel()`` stops it for good; cancelling a timer that already fired, or
    twice, does nothing.
    """

    __slots__ = ("_loop_handle", "callback", "cancelled", "interval_ns", "when_ns")

    def __init__(self, when_ns: int, callback: Callback, interval_ns: int = 0) -> None:
        self.when_ns = when_ns
        self.callback = callback
        self.interval_ns = interval_ns
        self.cancelled = False
        self._loop_handle: asyncio.TimerHandle | None = None

    def cancel(self) -> None:
        self.cancelled = True
        if self._loop_handle is not None:
            self._loop_handle.cancel()
            self._loop_handle = None

    def _fire(self) -> None:
        try:
            self.callback()
        except Exception:
            log.exception("timer callback %s failed", self.callback)


def interval_ns(interval_s: float) -> int:
    """``interval_s`` in nanoseconds. Raises TradetermError unless it is above zero."""
    ns = int(interval_s * 1_000_000_000)
    if ns <= 0:
        raise TradetermError(f"a repeating timer needs an interval above 0 s, got {interval_s}")
    return ns


class Clock(Protocol):
    """Where every timestamp in the engine and the venues comes from, and every wait."""

    def now_ns(self) -> int:
        """Nanoseconds since the Unix epoch."""
        ...

    def call_at(self, ts_ns: int, callback: Callback) -> Timer:
        """Call ``callback()`` once the clock reads ``ts_ns`` (soon, if that has passed)."""
        ...

    def call_every(self, interval_s: float, callback: Callback) -> Timer:
        """Call ``callback()`` every ``interval_s`` seconds of this clock, the first time one
        interval from now, until the returned timer is cancelled.

        Raises:
            TradetermError: the interval is not above zero.
        """
        ...


class SystemClock:
    """The machine's wall clock; its timers run on the running asyncio loop."""

    def now_ns(self) -> int:
        return time.time_ns()

    def call_at(self, ts_ns: int, callback: Callback) -> Timer:
        """Raises TradetermError when no asyncio loop is running (timers need one)."""
        timer = Timer(ts_ns, callback)
        self._schedule(timer, _running_loop())
        return timer

    def call_every(self, interval_s: float, callback: Callback) -> Timer:
        """Raises TradetermError for an interval not above 0, or when no loop is running."""
        step = interval_ns(interval_s)
        timer = Timer(time.time_ns() + step, callback, step)
        self._schedule(timer, _running_loop())
        return timer

    def _schedule(self, timer: Timer, loop: asyncio.AbstractEventLoop) -> None:
        delay = max(0.0, (timer.when_ns - time.time_ns()) / 1e9)
        timer._loop_handle = loop.call_later(delay, self._due, timer, loop)

    def _due(self, timer: Timer, loop: asyncio.AbstractEventLoop) -> None:
        timer._loop_handle = None
        if timer.cancelled:
            return
        if timer.interval_ns:
            # the next beat is one interval after this one's due time (no drift); beats the
            # loop was too busy to run are skipped, not fired in a burst
            now = time.time_ns()
            timer.when_ns += timer.interval_ns
            if timer.when_ns <= now:
                behind = (now - timer.when_ns) // timer.interval_ns + 1
                timer.when_ns += behind * timer.interval_ns
            self._schedule(timer, loop)
        timer._fire()


def _running_loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise TradetermError(
            "timers on the system clock need a running asyncio event loop"
        ) from None


_NEVER = 1 << 64
"""A due time later than any timer's (ns since 1970 stay below 2**63)."""


class ManualClock:
    """A simulated clock: it only moves when told (frozen by default, stepped by tests,
    replays and the deterministic driver), and its timers fire as it moves.

    Moving forward (``advance``, ``set_ns``) fires every timer that falls due on
    the way, in time order (ties in the order they were scheduled), each with
    ``now_ns()`` equal to its own due time; a timer scheduled by a callback
    fires in the same move if it falls due within it. ``rewind_ns`` jumps (back
    or forward) without firing anything: a replay's start or seek is a jump, not
    time passing. A timer already due when the clock moves (scheduled in the
    past, or jumped over) fires once at the move's start time; a repeating one
    then resumes its beat after that time instead of firing every missed beat.
    """

    def __init__(self, start_ns: int = 1_767_225_600_000_000_000) -> None:
        self._now = start_ns
        self._timers: list[tuple[int, int, Timer]] = []
        self._head = _NEVER
        """The due time at the top of ``_timers`` (``_NEVER`` when empty): the per-message
        checks compare with it instead of reading the heap."""
        self._seq = count()

    def now_ns(self) -> int:
        return self._now

    def advance(self, seconds: float) -> None:
        self.set_ns(self._now + int(seconds * 1_000_000_000))

    def set_ns(self, ns: int) -> None:
        """Move forward to ``ns`` (never back: time only moves on), firing due timers."""
        # hot: the driver and a replay set the clock for every message
        if ns < self._now:  # noqa: PLR1730 (a call to max costs more)
            ns = self._now
        if self._head <= ns:
            self._run_until(ns)
        if ns > self._now:  # noqa: PLR1730
            self._now = ns

    def move_if_quiet(self, ns: int) -> bool:
        """``set_ns(ns)`` when that fires no timer (True); else nothing moves (False: the
        caller fires the due timers its own way, then calls ``set_ns``). The deterministic
        driver's one call a message, instead of ``next_due_ns`` and ``set_ns``."""
        if ns < self._now:  # noqa: PLR1730 (as set_ns: time only moves on)
            ns = self._now
        if self._head <= ns and self._drop_cancelled() <= ns:
            return False  # (a cancelled head is dropped only when due)
        self._now = ns
        return True

    def rewind_ns(self, ns: int) -> None:
        """Move to ``ns`` even when it is earlier (a replay jumping back in time); no timer
        fires, and pending ones stay due at their own times."""
        self._now = ns

    # --- timers ------------------------------------------------------------------

    def call_at(self, ts_ns: int, callback: Callback) -> Timer:
        timer = Timer(ts_ns, callback)
        self._push(ts_ns, timer)
        return timer

    def call_every(self, interval_s: float, callback: Callback) -> Timer:
        step = interval_ns(interval_s)
        timer = Timer(self._now + step, callback, step)
        self._push(timer.when_ns, timer)
        return timer

    def next_due_ns(self) -> int | None:
        """When the next pending timer falls due, or None when none is pending."""
        head = self._drop_cancelled()
        return None if head == _NEVER else head

    def _push(self, due_ns: int, timer: Timer) -> None:
        heapq.heappush(self._timers, (due_ns, next(self._seq), timer))
        if due_ns < self._head:  # noqa: PLR1730
            self._head = due_ns

    def _drop_cancelled(self) -> int:
        """Pop cancelled timers off the top of the heap; returns the new ``_head``."""
        timers = self._timers
        while timers and timers[0][2].cancelled:
            heapq.heappop(timers)
        self._head = head = timers[0][0] if timers else _NEVER
        return head

    @property
    def pending(self) -> int:
        """Timers scheduled and not yet fired nor cancelled."""
        return sum(1 for _, _, timer in self._timers if not timer.cancelled)

    def _run_until(self, ns: int) -> None:
        timers = self._timers
        while timers and timers[0][0] <= ns:
            due, _, timer = heapq.heappop(timers)
            self._head = timers[0][0] if timers else _NEVER
            if timer.cancelled:
                continue
            self._now = max(self._now, due)
            if timer.interval_ns:  # rescheduled first, so the callback may cancel it
                step = timer.interval_ns
                beat = due + step
                if beat <= self._now:  # it was overdue (the clock jumped): skip missed beats
                    beat += ((self._now - beat) // step + 1) * step
                timer.when_ns = beat
                self._push(beat, timer)
            timer._fire()
