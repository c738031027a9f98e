"""Command palette entries: every workstation action by name (ctrl+p)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp

LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class WorkstationCommands(Provider):
    """Symbols, themes, panes, log levels, ladder grouping and accounts."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast("TradetermApp", self.app)
        state = app.engine.state
        commands: list[tuple[str, Callable[[], object], str]] = []
        for symbol in state.markets:
            commands.append(
                (
                    f"Symbol: {symbol}",
                    partial(app.select_symbol, symbol),
                    "make this symbol active everywhere",
                )
            )
        for name in app.theme_names:
            commands.append(
                (
                    f"Theme: {name}",
                    partial(app.apply_theme, name, save=True),
                    "switch theme and save the choice",
                )
            )
        for pane in ("book", "tape", "scanner", "positions", "log"):
            commands.append(
                (f"Focus: {pane}", partial(app.action_focus_pane, pane), "focus this pane")
            )
        for label, level in LOG_LEVELS.items():
            commands.append(
                (
                    f"Log level: {label}",
                    partial(app.set_log_level, level),
                    "show log entries at this level and above",
                )
            )
        for name in state.accounts:
            commands.append(
                (f"Account: {name}", partial(app.switch_account, name), "switch the active account")
            )
        commands.append(("Ladder: group coarser", partial(app.action_group, 1), "]"))
        commands.append(("Ladder: group finer", partial(app.action_group, -1), "["))
        commands.append(("Help: keys", app.action_help, "every key binding"))
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            if not title.startswith("Symbol:"):
                yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
