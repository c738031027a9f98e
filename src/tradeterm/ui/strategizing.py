"""The workstation's strategy actions: start an entry, pause, resume, and stop one (asking
whether to cancel its orders), from the strategies pane's keys, the command line and the
palette; every refusal is shown and logged, never raised."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from tradeterm.domain.errors import TradetermError
from tradeterm.ui.host import Notifies, Screens

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine
    from tradeterm.strategies.base import StrategyParams
    from tradeterm.strategies.runner import StrategyRunner
    from tradeterm.ui.bridge import UiBridge
    from tradeterm.ui.refresh import Refresher

log = logging.getLogger("tradeterm.ui.strategies")


class StrategizingHost(Notifies, Screens, Protocol):
    """What the strategy actions use of the workstation: the runner they act on, the engine
    (the active instrument and account), toasts, the forms and questions to push, and the
    bridge and refresher that redraw the strategies pane."""

    @property
    def strategies(self) -> StrategyRunner: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def bridge(self) -> UiBridge: ...
    @property
    def refresher(self) -> Refresher: ...


def act(app: StrategizingHost, action: str, name: str | None, cancel: bool | None = None) -> None:
    """``start``, ``pause``, ``resume`` or ``stop`` the strategy ``name``, show its ``log``
    lines, or open the start form (``new``). A stop without ``cancel`` asks first when it
    has open orders."""
    runner = app.strategies
    if action == "new":
        open_form(app)
        return
    if name is None:
        app.notify("no strategy selected", severity="warning", timeout=3)
        return
    broken = runner.broken.get(name)
    if broken is not None:
        app.notify(f"strategy file did not load: {broken}", severity="warning", timeout=6)
        return
    try:
        if action == "log":
            from tradeterm.ui.screens.strategy_log import StrategyLogScreen

            app.push_screen(StrategyLogScreen(runner.host(name)))
            return
        if action == "start":
            host = runner.start(name)
            said = f"strategy {name} started" + (f", {host.reason}" if host.reason else "")
            app.notify(said, timeout=4)
        elif action == "pause":
            runner.pause(name)
        elif action == "resume":
            runner.resume(name)
        elif cancel is None and runner.host(name).open_orders():
            ask_stop(app, name)
            return
        else:
            runner.stop(name, cancel_orders=bool(cancel))
    except TradetermError as exc:
        log.warning("strategy %s: %s", action, exc)
        app.notify(str(exc), severity="warning", timeout=5)
    app.bridge.dirty.add("strategies")
    app.refresher.hurry()


def ask_stop(app: StrategizingHost, name: str) -> None:
    """Ask whether stopping ``name`` also cancels its open orders."""
    from tradeterm.ui.screens.confirm import ConfirmScreen

    count = len(app.strategies.host(name).open_orders())
    question = (
        f"Stop strategy {name}. Cancel its {count} open order(s) too?\n"
        "y: cancel them · n / esc: stop it and leave them working"
    )

    def answered(yes: bool | None) -> None:
        act(app, "stop", name, cancel=bool(yes))

    app.push_screen(ConfirmScreen("STOP STRATEGY", question), answered)


def open_form(app: StrategizingHost) -> None:
    """Pick a strategy, then fill its form; Enter starts it on the active instrument and
    account (a mistake is said in the form, which stays open)."""
    from tradeterm.ui.screens.strategy_form import StrategyKindScreen

    runner = app.strategies
    broken = [str(error) for error in runner.broken.values()]

    def chosen(kind: str | None) -> None:
        if kind is not None:
            open_params(app, kind)

    app.push_screen(StrategyKindScreen(runner.known, broken), chosen)


def open_params(app: StrategizingHost, kind: str) -> None:
    """The form of ``kind``, pre-filled from the first config entry of that kind."""
    from tradeterm.ui.paramform import entry_for, form_fields, fresh_name
    from tradeterm.ui.screens.strategy_form import StrategyFormScreen

    runner = app.strategies
    cls = runner.known[kind]
    state = app.engine.state
    account, symbol = state.account, state.active.symbol
    entry = entry_for(kind, runner.entries.values())

    def taken() -> set[str]:
        return {name for name, host in runner.hosts.items() if host.alive}

    name = entry.name if entry is not None and entry.name not in taken() else ""
    name = name or fresh_name(kind, symbol, set(runner.hosts) | set(runner.entries))

    def start(name: str, params: StrategyParams) -> None:
        if state.active.venue != account.spec.venue:
            raise TradetermError(
                f"{state.label(state.active)} is on {state.active.venue}, and account "
                f"{account.name} trades on {account.spec.venue}: pick an instrument of "
                f"{account.spec.venue} (/) or another account (a)"
            )
        host = runner.start_new(name, kind, params, account.name, symbol)
        said = f"strategy {name} started" + (f", {host.reason}" if host.reason else "")
        app.notify(said, timeout=4)
        app.bridge.dirty.add("strategies")
        app.refresher.hurry()

    where = f"{state.label(state.active)} · account {account.name}"
    fields = form_fields(cls.params_model, entry.params if entry is not None else None)
    app.push_screen(
        StrategyFormScreen(cls, fields, name=name, where=where, taken=taken, start=start)
    )
