"""The workstation's strategy actions: start an entry, pause, resume, and stop one (asking
whether to cancel its orders), from the strategies pane's keys, the command line and the
palette; every refusal is shown and logged, never raised."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tradeterm.domain.errors import TradetermError

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp

log = logging.getLogger("tradeterm.ui.strategies")


def act(app: TradetermApp, action: str, name: str | None, cancel: bool | None = None) -> None:
    """``start``, ``pause``, ``resume`` or ``stop`` the strategy ``name``. A stop without
    ``cancel`` asks first when it has open orders."""
    if name is None:
        app.notify("no strategy selected", severity="warning", timeout=3)
        return
    runner = app.strategies
    try:
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


def ask_stop(app: TradetermApp, name: str) -> None:
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
