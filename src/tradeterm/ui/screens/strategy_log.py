"""One strategy instance's log lines (its decisions, orders, vetoes, errors; the traceback of
a failure is in the log file only), newest at the bottom, kept up to date while open."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tradeterm.strategies.host import StrategyHost
from tradeterm.strategies.journal import JournalLine
from tradeterm.ui.format import clock_text

SHOWN = 200
"""Lines shown (the newest)."""
EMPTY = "nothing logged yet"


def journal_text(lines: Iterable[JournalLine]) -> str:
    """``HH:MM:SS LEVEL text``, one line each."""
    shown = [
        f"{clock_text(line.ts_ns)} {logging.getLevelName(line.level):<7} {line.text}"
        for line in lines
    ]
    return "\n".join(shown[-SHOWN:]) or EMPTY


class StrategyLogScreen(ModalScreen[None]):
    """Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v,q", "close", "Close", id="strategy_log.close"),
    ]

    def __init__(self, host: StrategyHost) -> None:
        super().__init__()
        self.host = host
        self._count = -1
        self.text = ""
        """The lines shown."""

    def compose(self) -> ComposeResult:
        with Vertical(id="strategy-log-box") as box:
            box.border_title = f"Log of {self.host.name} ({self.host.strategy.kind})"
            box.border_subtitle = "esc: close · the log file has the tracebacks"
            with VerticalScroll(id="strategy-log-lines"):
                yield Static("", id="strategy-log-text", markup=False)

    def on_mount(self) -> None:
        self.update_lines()
        self.set_interval(0.5, self.update_lines)

    def update_lines(self) -> None:
        journal = self.host.journal
        if journal.count == self._count:
            return
        self._count = journal.count
        self.text = journal_text(journal.lines)
        self.query_one("#strategy-log-text", Static).update(self.text)
        self.query_one("#strategy-log-lines", VerticalScroll).scroll_end(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
