"""StrategyRunner: the workstation's strategy instances, from ``[[strategies]]`` entries.

It checks every entry against its strategy's parameter model before anything starts
(errors name the entry and the key), starts an entry by name (``:strategy start NAME``),
starts the ``autostart`` ones with the workstation, keeps every host it started (running,
paused, stopped or failed) for the strategies pane, and stops them all when the kill
switch is pulled, before it cancels anything.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from tradeterm.config.settings import StrategyEntry
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import KillSwitchPulled
from tradeterm.engine.engine import Engine
from tradeterm.strategies.status import LoadError, StrategyState

if TYPE_CHECKING:
    from tradeterm.strategies.base import StrategyParams
    from tradeterm.strategies.host import StrategyHost
    from tradeterm.strategies.registry import StrategyClass

log = logging.getLogger("tradeterm.strategies")

_DONE = (StrategyState.STOPPED, StrategyState.FAILED)


def check_entries(
    entries: Iterable[StrategyEntry], known: Mapping[str, StrategyClass] | None = None
) -> list[str]:
    """What is wrong with ``entries``, one line each naming the entry (empty: nothing);
    ``known``: the strategies by kind (None: the built-ins)."""
    known = _builtins() if known is None else known
    problems = []
    for entry in entries:
        try:
            _strategy_class(entry, known)
        except TradetermError as exc:
            problems.append(str(exc))
    return problems


def _builtins() -> Mapping[str, StrategyClass]:
    from tradeterm.strategies.registry import BUILTINS

    return BUILTINS


def _strategy_class(entry: StrategyEntry, known: Mapping[str, StrategyClass]) -> StrategyClass:
    """The class of ``entry``'s kind, its parameters checked. Raises TradetermError naming
    the entry, and each bad key with what is allowed."""
    cls = known.get(entry.kind)
    if cls is None:
        raise TradetermError(
            f"strategy {entry.name!r}: unknown kind {entry.kind!r}; "
            f"known: {', '.join(sorted(known))}"
        )
    from tradeterm.strategies.registry import make_params

    try:
        make_params(cls, entry.params)
    except TradetermError as exc:
        raise TradetermError(f"strategy {entry.name!r}: params: {exc}") from None
    return cls


class StrategyRunner:
    """The strategy instances of one engine, by name."""

    def __init__(
        self,
        engine: Engine,
        entries: Iterable[StrategyEntry] = (),
        known: Mapping[str, StrategyClass] | None = None,
        broken: Iterable[LoadError] = (),
    ) -> None:
        self.engine = engine
        self.entries = {entry.name: entry for entry in entries}
        self._known = None if known is None else dict(known)
        self.broken = {str(error.path): error for error in broken}
        """The user's strategy files that did not load, by path (the pane lists them)."""
        self.hosts: dict[str, StrategyHost] = {}
        """Every instance started, by name, in the order started (stopped ones stay listed)."""
        self._unsubscribe = engine.bus.subscribe(KillSwitchPulled, self._on_kill)

    @property
    def known(self) -> dict[str, StrategyClass]:
        """The strategies by kind; the built-ins load when first asked for (not at start-up
        when no strategy is configured)."""
        if self._known is None:
            self._known = dict(_builtins())
        return self._known

    def start(self, name: str) -> StrategyHost:
        """Start the entry ``name`` (again, if its last run stopped or failed).

        Raises:
            TradetermError: an unknown name (the message lists the entries), one that runs
                already, bad parameters, an unknown account or symbol.
        """
        entry = self.entries.get(name)
        if entry is None:
            known = ", ".join(self.entries) or "none ([[strategies]] in config)"
            raise TradetermError(f"no strategy entry {name!r}; entries: {known}")
        running = self.hosts.get(name)
        if running is not None and running.state not in _DONE:
            raise TradetermError(f"strategy {name} is {running.state.value} already")
        if entry.kind not in self.known and self.broken:
            files = ", ".join(str(error) for error in self.broken.values())
            raise TradetermError(
                f"strategy {name}: kind {entry.kind!r} is not available; "
                f"strategy files that did not load: {files}"
            )
        from tradeterm.strategies.host import StrategyHost
        from tradeterm.strategies.registry import make_params

        cls = _strategy_class(entry, self.known)
        strategy = cls(make_params(cls, entry.params))
        host = StrategyHost(
            self.engine, strategy, name=entry.name, account=entry.account, symbol=entry.symbol
        )
        host.start()
        self.hosts.pop(name, None)
        self.hosts[name] = host
        return host

    def start_new(
        self, name: str, kind: str, params: StrategyParams, account: str, symbol: str
    ) -> StrategyHost:
        """Start a new instance (the start form): it becomes the entry ``name`` for this
        session, so ``:strategy start NAME`` runs it again once stopped.

        Raises:
            TradetermError: a name that runs already, an unknown kind, bad parameters, an
                unknown account or symbol (the entry is then not kept).
        """
        values = params.model_dump(exclude_unset=True)
        entry = StrategyEntry(name, kind, account, symbol, values)
        before = self.entries.get(name)
        running = self.hosts.get(name)
        if running is not None and running.state not in _DONE:
            raise TradetermError(f"strategy {name} is {running.state.value} already")
        self.entries[name] = entry
        try:
            return self.start(name)
        except TradetermError:
            if before is None:
                del self.entries[name]
            else:
                self.entries[name] = before
            raise

    def start_autostart(self) -> list[str]:
        """Start every ``autostart`` entry; returns one line per entry that could not start
        (the others still start)."""
        problems = []
        for entry in self.entries.values():
            if entry.autostart:
                try:
                    self.start(entry.name)
                except TradetermError as exc:
                    log.error("strategy %s did not start: %s", entry.name, exc)
                    problems.append(f"strategy {entry.name} did not start: {exc}")
        return problems

    def host(self, name: str) -> StrategyHost:
        """Raises TradetermError for a name that was never started (lists the started ones)."""
        host = self.hosts.get(name)
        if host is None:
            known = ", ".join(self.hosts) or "none"
            raise TradetermError(f"strategy {name!r} is not running; started: {known}")
        return host

    def pause(self, name: str) -> None:
        host = self.host(name)
        if host.state is not StrategyState.RUNNING:
            raise TradetermError(f"strategy {name} is {host.state.value}: only running ones pause")
        host.pause()

    def resume(self, name: str) -> None:
        """Raises TradetermError when it is not paused, or its account is HALTED or disarmed."""
        host = self.host(name)
        if host.state is not StrategyState.PAUSED:
            raise TradetermError(f"strategy {name} is {host.state.value}: only paused ones resume")
        host.resume()

    def stop(self, name: str, cancel_orders: bool) -> None:
        host = self.host(name)
        if host.state in _DONE:
            raise TradetermError(f"strategy {name} is {host.state.value} already")
        host.stop(cancel_orders=cancel_orders)

    def stop_all(self, reason: str, cancel_orders: bool = False) -> int:
        """Stop every instance still running or paused; returns how many."""
        stopped = 0
        for host in self.hosts.values():
            if host.state not in _DONE and host.state is not StrategyState.NEW:
                host.stop(cancel_orders=cancel_orders, reason=reason)
                stopped += 1
        return stopped

    def _on_kill(self, _event: KillSwitchPulled) -> None:
        # the kill switch cancels every order itself, right after this
        stopped = self.stop_all("kill switch")
        if stopped:
            log.warning("kill switch: stopped %d strategy(ies)", stopped)

    def close(self) -> None:
        self._unsubscribe()
