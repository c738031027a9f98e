"""PollLoop: a live venue's REST rounds, now and then at a pace that can change (often while
no private stream carries the account's updates, seldom while one does)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tradeterm.domain.errors import TradetermError
from tradeterm.engine.clock import Clock, Timer

log = logging.getLogger("tradeterm.venues.ccxt")


class PollLoop:
    """Runs ``poll`` at once, then every ``interval_s`` of the clock, until cancelled; a failed
    round is logged and the next one tries again."""

    def __init__(
        self, clock: Clock, poll: Callable[[], Awaitable[None]], label: str, interval_s: float
    ) -> None:
        self.clock = clock
        self._poll = poll
        self.label = label
        self.interval_s = interval_s
        self._wake = asyncio.Event()
        self._timer: Timer | None = None

    def every(self, interval_s: float, *, now: bool = True) -> None:
        """Poll every ``interval_s`` from here on (and at once when ``now``)."""
        self.interval_s = interval_s
        if self._timer is not None:
            self._timer.cancel()
            self._timer = self.clock.call_every(interval_s, self._wake.set)
        if now:
            self._wake.set()

    async def run(self) -> None:
        self._wake.set()
        self._timer = self.clock.call_every(self.interval_s, self._wake.set)
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                try:
                    await self._poll()
                except TradetermError as exc:
                    log.warning("%s: poll failed: %s", self.label, exc)
        finally:
            self._timer.cancel()
            self._timer = None
