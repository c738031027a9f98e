"""The log pane: engine and feed events with time and level, filterable by level."""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.strip import Strip

from tradeterm.engine.logbook import LogBook, LogEntry
from tradeterm.ui.format import clock_text
from tradeterm.ui.widgets.base import LineWidget, fit, line

LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)
LEVEL_NAMES = {
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARN",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRIT",
}


class LogPane(LineWidget, can_focus=True):
    """Newest entries at the bottom; scrolling up stops following until End is pressed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll(-1)", "Up", show=False),
        Binding("down,j", "scroll(1)", "Down", show=False),
        Binding("pageup", "scroll(-10)", "Page up", show=False),
        Binding("pagedown", "scroll(10)", "Page down", show=False),
        Binding("end", "follow", "Follow", show=False, id="log.follow"),
    ]

    def __init__(self, logbook: LogBook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.logbook = logbook
        self.min_level = logging.INFO
        self._seen_seq = -1
        self._entries: list[LogEntry] = []
        self._follow = True
        self._top = 0

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.min_level]

    def cycle_level(self) -> str:
        """Show only entries at the next level up (wrapping to DEBUG); returns its name."""
        index = LEVELS.index(self.min_level) if self.min_level in LEVELS else 0
        self.set_level(LEVELS[(index + 1) % len(LEVELS)])
        return self.level_name

    def set_level(self, level: int) -> None:
        self.min_level = level
        self._seen_seq = -1
        self.sync()

    def sync(self) -> None:
        """Pick up new entries from the log book (cheap when nothing is new)."""
        if self.logbook.seq == self._seen_seq:
            return
        self._seen_seq = self.logbook.seq
        self._entries = [e for e in self.logbook.entries if e.level >= self.min_level]
        if self._follow:
            self._top = max(0, len(self._entries) - self.area.height)
        self.refresh()

    def resized(self) -> None:
        self._seen_seq = -1
        self.sync()

    def action_scroll(self, delta: int) -> None:
        bottom = max(0, len(self._entries) - self.area.height)
        self._top = max(0, min(bottom, self._top + delta))
        self._follow = self._top >= bottom
        self.refresh()

    def action_follow(self) -> None:
        self._follow = True
        self._seen_seq = -1
        self.sync()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.action_scroll(-3)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.action_scroll(3)

    def _style(self, level: int) -> Style:
        p = self.palette
        if level >= logging.ERROR:
            return p.error
        if level >= logging.WARNING:
            return p.warning
        return p.text if level >= logging.INFO else p.muted

    def render_line(self, y: int) -> Strip:
        width = self.area.width
        index = self._top + y
        if index >= len(self._entries):
            if index == 0:
                return line(
                    [(fit(f"no entries at {self.level_name} or above", width), self.palette.muted)],
                    width,
                )
            return Strip.blank(width)
        entry = self._entries[index]
        style = self._style(entry.level)
        return line(
            [
                (clock_text(entry.ts_ns) + " ", self.palette.muted),
                (fit(LEVEL_NAMES.get(entry.level, str(entry.level)), 5) + " ", style),
                (fit(entry.source, 12) + " ", self.palette.muted),
                (entry.message, style),
            ],
            width,
        )
