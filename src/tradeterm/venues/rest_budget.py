"""A venue's REST request budget: the exchange's request weight per window, shared by every
request of the venue (markets, snapshots, candles), and the pause a 429 or 418 puts on all
of them.

A request that would take the weight spent in the last window past the limit waits, on the
engine's clock, until enough of it has aged out; requests go out one after another in the
order they asked. The window slides (the weight of any ``window_s`` span stays within the
limit), which keeps within an exchange's fixed windows too, however they are aligned. What
the exchange says it has counted (Binance's ``X-MBX-USED-WEIGHT-1M``: another program on
the same address, a restart within the minute) is added when it is more than this budget
counted; a lower figure (the exchange's minute started again) is not taken, so the budget
is at most one window more careful than the exchange.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from tradeterm.engine.clock import Clock, SystemClock

log = logging.getLogger("tradeterm.venues")

NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``weight`` of request weight in any ``window_s`` seconds."""

    weight: int
    window_s: float

    def __str__(self) -> str:
        return f"{self.weight} per {self.window_s:g}s"


class WeightWindow:
    """The weight spent in the last ``limit.window_s`` seconds: pure arithmetic on the times
    it is given (seconds on any clock that does not go back)."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._spent: deque[tuple[float, int]] = deque()  # (when, weight), oldest first
        self._total = 0

    def _expire(self, now: float) -> None:
        spent, start = self._spent, now - self.limit.window_s
        while spent and spent[0][0] <= start:
            self._total -= spent.popleft()[1]

    def used(self, now: float) -> int:
        """The weight spent in ``(now - window_s, now]``."""
        self._expire(now)
        return self._total

    def wait(self, weight: int, now: float) -> float:
        """Seconds from ``now`` until ``weight`` more fits (0.0: it fits now). A weight above
        the limit is taken as the limit (it goes out alone, into an empty window)."""
        excess = self.used(now) + min(weight, self.limit.weight) - self.limit.weight
        if excess <= 0:
            return 0.0
        freed = 0
        for when, spent in self._spent:
            freed += spent
            if freed >= excess:
                return when + self.limit.window_s - now
        raise AssertionError("unreachable: the window holds more than the excess")

    def take_over(self, other: WeightWindow) -> None:
        """Hold what ``other`` spent (a window replaced by one with another limit)."""
        self._spent.extend(other._spent)
        self._total += other._total

    def spend(self, weight: int, now: float) -> None:
        self._spent.append((now, weight))
        self._total += weight

    def observe(self, counted: int, now: float) -> int:
        """The exchange says ``counted`` weight is spent in its current window: the part of
        it this window does not hold is spent now. Returns that part (0 when none)."""
        extra = counted - self.used(now)
        if extra > 0:
            self.spend(extra, now)
        return max(extra, 0)


class RestBudget:
    """Every REST request of one venue asks here first (``acquire``) and reports its answer's
    headers (``observe``); a 429 or 418 pauses them all (``pause``).

    Args:
        venue: the venue's name, for the log.
        limit: the request weight allowed per window; None: no weight limit (pauses only).
        weigh: a request path's weight (``depth?symbol=X&limit=1000`` -> 50 on Binance).
        used_header: the response header carrying the weight the exchange has counted.
        clock: the engine's clock (waits are its timers); the wall clock by default.
        on_paced: told ``"REST paced: next request in 12s"`` when requests start waiting and
            ``""`` when one goes out at once with none waiting behind it (the feed shows it
            on its status).
    """

    def __init__(
        self,
        venue: str,
        limit: Limit | None,
        weigh: Callable[[str], int] = lambda _path: 1,
        used_header: str = "",
        clock: Clock | None = None,
        logger: logging.Logger | None = None,
        on_paced: Callable[[str], None] | None = None,
    ) -> None:
        self.venue = venue
        self.window = WeightWindow(limit) if limit is not None else None
        self.weigh = weigh
        self.used_header = used_header
        self.clock: Clock = clock or SystemClock()
        self.log = logger or log
        self.on_paced = on_paced
        self.paused_until = 0.0
        self.paced = False
        self.waits = 0
        """Requests that had to wait (for the weight window or a pause)."""
        self._turn = asyncio.Lock()
        self._queued = 0

    @property
    def limit(self) -> Limit | None:
        return self.window.limit if self.window is not None else None

    def now(self) -> float:
        return self.clock.now_ns() / NS

    def adopt(self, limit: Limit) -> None:
        """Count against ``limit`` from now on (the exchange's own, read from its metadata);
        the weight already spent still counts."""
        window = self.window
        if window is not None and window.limit == limit:
            return
        fresh = self.window = WeightWindow(limit)
        if window is not None:
            fresh.take_over(window)
        self.log.info("%s: REST request weight limit %s", self.venue, limit)

    def paused_s(self) -> float:
        """Seconds left of a pause the exchange asked for (0.0 when none)."""
        return max(0.0, self.paused_until - self.now())

    def pause(self, seconds: float) -> None:
        """No request of this venue goes out for ``seconds`` (a 429's or 418's Retry-After)."""
        self.paused_until = max(self.paused_until, self.now() + seconds)

    async def acquire(self, path: str) -> None:
        """Wait until ``path``'s weight fits the window and no pause holds, then count it."""
        weight = self.weigh(path)
        self._queued += 1
        try:
            await self._take(weight)
        finally:
            self._queued -= 1

    async def _take(self, weight: int) -> None:
        async with self._turn:  # one at a time, in order: only the first in line waits
            waited = False
            while True:
                now = self.now()
                window = self.window
                wait = max(self.paused_until - now, window.wait(weight, now) if window else 0.0)
                if wait <= 0:
                    break
                if not waited:
                    self.waits += 1
                    waited = True
                self._pacing(wait, now)
                await self.sleep(wait)
            if window is not None:
                window.spend(weight, now)
            if self.paced and not waited and self._queued == 1:  # (no one left waiting)
                self.paced = False
                self.log.info("%s: REST no longer paced", self.venue)
                if self.on_paced is not None:
                    self.on_paced("")

    def _pacing(self, wait: float, now: float) -> None:
        """Say once, when requests start to wait, why and for how long."""
        if self.paced:
            return
        self.paced = True
        window = self.window
        why = (
            "paused by the exchange"
            if self.paused_until > now
            else f"request weight {window.used(now)} of {window.limit}"
            if window is not None
            else "paused"
        )
        self.log.warning(
            "%s: REST requests paced (%s): the next waits %.1fs", self.venue, why, wait
        )
        if self.on_paced is not None:
            self.on_paced(f"REST paced: next request in {wait:.0f}s")

    def observe(self, headers: Message | None) -> None:
        """An answer's headers: the weight the exchange says it has counted, if it says."""
        if headers is None or not self.used_header or self.window is None:
            return
        text = headers.get(self.used_header)
        if text is None:
            return
        try:
            counted = int(text)
        except ValueError:
            return
        extra = self.window.observe(counted, self.now())
        if extra:  # (on every answer while another program spends: the pacing is what is said)
            self.log.debug(
                "%s: the exchange counts %d weight; %d more than sent from here",
                self.venue,
                counted,
                extra,
            )

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` on the budget's clock (a timer; cancelling the wait cancels it)."""
        if seconds <= 0:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not done.done():
                done.set_result(None)

        timer = self.clock.call_at(self.clock.now_ns() + int(seconds * NS), wake)
        try:
            await done
        finally:
            timer.cancel()
