"""An exchange's dead-man's switch, kept alive while a live account is armed.

Where the exchange has one (ccxt's ``cancel_all_orders_after``: Kraken, Bybit, OKX; Binance
USD-M futures' ``countdownCancelAll`` per symbol, see ``Countdown``; not Binance spot), every
refresh sets the exchange's timer to ``timeout_s`` again: if tradeterm,
its machine or its link dies, the exchange cancels every resting order when the timer runs
out. Disarming (and so the kill switch) and quitting turn it off with a timeout of 0.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from tradeterm.domain.errors import TradetermError

log = logging.getLogger("tradeterm.venues.ccxt")


class DeadMansSwitch:
    """Args:
    label: the exchange's name for messages ("Kraken").
    available: whether the exchange has one (asked lazily: the ccxt client is made late).
    send: sets the exchange's timer in milliseconds (0: off); raises TradetermError.
    timeout_s: the timer set by each refresh.
    countdown: a per-symbol switch (Binance USD-M futures), which ``send`` drives.
    """

    def __init__(
        self,
        label: str,
        available: Callable[[], bool],
        send: Callable[[int], Awaitable[object]],
        timeout_s: float = 60.0,
        countdown: Countdown | None = None,
    ) -> None:
        self.label = label
        self.available = available
        self.send = send
        self.timeout_s = timeout_s
        self.countdown = countdown
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
            if self.countdown is not None:
                await self.countdown.send(timeout_ms)
            else:
                await self.send(timeout_ms)
        except TradetermError as exc:
            log.warning("%s: dead-man's switch not refreshed: %s", self.label, exc)
            return
        self.on = self.armed

    async def cover(self, symbol: str) -> None:
        """A symbol's first order while a per-symbol switch is on: start its timer first (a
        failure is logged; the next refresh covers it)."""
        if self.countdown is None or not self.on:
            return
        try:
            await self.countdown.cover(symbol, int(self.timeout_s * 1000))
        except TradetermError as exc:
            log.warning("%s: dead-man's switch not set for %s: %s", self.label, symbol, exc)

    async def off(self) -> None:
        """Turn it off (quitting is not a crash)."""
        self.armed = False
        await self.refresh()


class Countdown:
    """Binance USD-M futures' switch: ``countdownCancelAll`` sets one timer per symbol, so
    each refresh sets it for every symbol the account trades, and turning it off sends 0 to
    every symbol that has one running.

    Args:
        call: one signed ``POST /fapi/v1/countdownCancelAll`` with these parameters.
        market_id: the exchange's id of a symbol ("BTC/USDT:USDT" -> "BTCUSDT").
        symbols: the symbols to cover now (configured ones and those with orders).
    """

    def __init__(
        self,
        call: Callable[[dict[str, object]], Awaitable[object]],
        market_id: Callable[[str], str],
        symbols: Callable[[], Iterable[str]],
    ) -> None:
        self.call = call
        self.market_id = market_id
        self.symbols = symbols
        self.counting: set[str] = set()

    async def send(self, timeout_ms: int) -> None:
        wanted = set(self.symbols()) if timeout_ms else set()
        for symbol in sorted(wanted | self.counting):
            await self._one(symbol, timeout_ms if symbol in wanted else 0)
        self.counting = wanted

    async def cover(self, symbol: str, timeout_ms: int) -> None:
        """Start the timer for a symbol that gets its first order while armed."""
        if symbol not in self.counting:
            await self._one(symbol, timeout_ms)
            self.counting.add(symbol)

    async def _one(self, symbol: str, timeout_ms: int) -> None:
        await self.call({"symbol": self.market_id(symbol), "countdownTime": timeout_ms})
