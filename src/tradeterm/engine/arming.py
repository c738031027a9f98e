"""Arming live accounts: the typed-name check, the journal record, and the idle disarm timer.

A live account starts every session DISARMED; while disarmed the pre-trade checks refuse its
orders (cancels still pass). Arming needs the account's name typed exactly. Each armed
account has a timer on the engine's clock: when no key was pressed for the account's
``disarm_after_s`` it disarms itself. Arming and disarming are journaled (an audit trail);
a restart never re-arms.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import ArmingChanged
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.clock import Timer
from tradeterm.engine.ledger import Record

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.arming")

ARM_HOW = "type :arm and then the account's name to arm it"


class Arming:
    """Arms and disarms the engine's live accounts; ``activity`` is told of every key press."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.last_activity_ns = engine.clock.now_ns()
        self._timers: dict[str, Timer] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def activity(self) -> None:
        """A key was pressed: the idle timers count from now."""
        self.last_activity_ns = self.engine.clock.now_ns()

    async def arm(self, account: AccountState, typed_name: str) -> None:
        """Arm ``account`` when ``typed_name`` is its name.

        Raises:
            TradetermError: a paper account, or the typed name is not the account's.
        """
        if account.mode is not AccountMode.LIVE:
            raise TradetermError(f"account {account.name} is paper: only live accounts are armed")
        if typed_name.strip() != account.name:
            raise TradetermError(
                f"{typed_name.strip()!r} is not the account's name: type {account.name} "
                "exactly to arm it; it stays DISARMED"
            )
        self.activity()
        if account.armed:
            return
        await self._set(account, armed=True, reason="by the user, name typed")
        self._schedule(account)

    async def disarm(self, account: AccountState, reason: str = "by the user") -> None:
        """Disarm ``account`` (nothing to do when it is not armed)."""
        timer = self._timers.pop(account.name, None)
        if timer is not None:
            timer.cancel()
        if account.armed:
            await self._set(account, armed=False, reason=reason)

    def close(self) -> None:
        """Stop the idle timers (the engine is stopping)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    async def _set(self, account: AccountState, *, armed: bool, reason: str) -> None:
        payload = json.dumps({"armed": armed, "reason": reason}, separators=(",", ":"))
        record = Record(self.engine.clock.now_ns(), account.name, "arming", None, payload)

        def acknowledge() -> None:
            account.armed = armed
            self.engine.bus.publish(ArmingChanged(account.name, armed, reason))

        await self.engine.trading.durable([record], acknowledge)
        word = "ARMED" if armed else "DISARMED"
        log.warning("live account %s %s (%s)", account.name, word, reason)

    def _schedule(self, account: AccountState) -> None:
        idle_ns = int(account.spec.disarm_after_s * 1e9)
        when = self.last_activity_ns + idle_ns
        self._timers[account.name] = self.engine.clock.call_at(
            when, lambda: self._due(account, idle_ns)
        )

    def _due(self, account: AccountState, idle_ns: int) -> None:
        self._timers.pop(account.name, None)
        if not account.armed:
            return
        quiet_ns = self.engine.clock.now_ns() - self.last_activity_ns
        if quiet_ns < idle_ns:
            self._schedule(account)
            return
        minutes = account.spec.disarm_after_s / 60
        reason = f"idle: no key pressed for {minutes:g} min"
        task = asyncio.get_running_loop().create_task(self.disarm(account, reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
