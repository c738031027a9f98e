"""An exchange's dead-man's switch, kept alive while a live account is armed.

Where the exchange has one (ccxt's ``cancel_all_orders_after``: Kraken, Bybit, OKX; not
Binance spot), every refresh sets the exchange's timer to ``timeout_s`` again: if tradeterm,
its machine or its link dies, the exchange cancels every resting order when the timer runs
out. Disarming (and so the kill switch) and quitting turn it off with a timeout of 0.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from tradeterm.domain.errors import TradetermError

log = logging.getLogger("tradeterm.venues.ccxt")


class DeadMansSwitch:
    """Args:
    label: the exchange's name for messages ("Kraken").
    available: whether the exchange has one (asked lazily: the ccxt client is made late).
    send: sets the exchange's timer in milliseconds (0: off); raises TradetermError.
    timeout_s: the timer set by each refresh.
    """

    def __init__(
        self,
        label: str,
        available: Callable[[], bool],
        send: Callable[[int], Awaitable[object]],
        timeout_s: float = 60.0,
    ) -> None:
        self.label = label
        self.available = available
        self.send = send
        self.timeout_s = timeout_s
        self.armed = False
        self.on = False

    def note(self) -> str:
        """Whether this exchange has one, in words (the arm dialog shows it)."""
        if self.available():
            return (
                f"{self.label} has a dead-man's switch: while armed, resting orders are "
                f"cancelled {self.timeout_s:g} s after tradeterm stops refreshing it"
            )
        return (
            f"{self.label} has no dead-man's switch: resting orders stay on the book if "
            "tradeterm or its link dies"
        )

    async def refresh(self) -> None:
        """Armed: set the timer again. Disarmed: turn it off if it is on. A failure is logged
        (the next refresh tries again); nothing is raised."""
        if not self.available() or (not self.armed and not self.on):
            return
        timeout_ms = int(self.timeout_s * 1000) if self.armed else 0
        try:
            await self.send(timeout_ms)
        except TradetermError as exc:
            log.warning("%s: dead-man's switch not refreshed: %s", self.label, exc)
            return
        self.on = self.armed

    async def off(self) -> None:
        """Turn it off (quitting is not a crash)."""
        self.armed = False
        await self.refresh()
