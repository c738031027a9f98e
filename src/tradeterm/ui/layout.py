"""Pane containers and the switch between the wide grid and tabs on small terminals."""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.widget import Widget

#: Below either size the panes become tabs (one group at a time).
WIDE_MIN_WIDTH = 120
WIDE_MIN_HEIGHT = 32

#: From this width the chart gets its own column in the top row (scanner | book + tape |
#: chart) and orders and fills sit side by side; narrower wide layouts put the chart under
#: the scanner and the fills under the orders, so every pane is on screen from 120x32. The
#: alerts sit under the log at every size.
THREE_COLUMN_WIDTH = 200

#: Tab groups in order: (group id, title); keys 1..9 map panes to these groups.
GROUPS = (
    ("market", "1·2 Book & tape"),
    ("scanner", "3 Scanner"),
    ("positions", "4 Positions"),
    ("log", "5·9 Log"),
    ("trading", "6·7 Orders"),
    ("chart", "8 Chart"),
)
#: The tab bar is one line as wide as the terminal: its titles (each with a cell either side)
#: must fit in the narrowest tabbed terminal.
TAB_BAR_MIN_WIDTH = 80
#: The panes in key order: (widget id, numbered title).
PANES = (
    ("book-pane", "1 Order book"),
    ("tape-pane", "2 Trades"),
    ("scanner-pane-box", "3 Scanner"),
    ("positions-pane", "4 Positions"),
    ("log-pane", "5 Log"),
    ("orders-pane", "6 Orders"),
    ("fills-pane", "7 Fills"),
    ("chart-pane", "8 Chart"),
    ("alerts-pane", "9 Alerts"),
)
PANE_GROUP = {
    "book": "market",
    "tape": "market",
    "scanner": "scanner",
    "positions": "positions",
    "log": "log",
    "orders": "trading",
    "fills": "trading",
    "chart": "chart",
    "alerts": "log",
}
#: What the refresh tick can redraw (see ``ui/bridge.py``); all of it after a change of
#: layout or account.
ALL = frozenset(
    {"book", "tape", "scanner", "positions", "orders", "fills", "status", "chart", "own", "alerts"}
)
#: The groups in the top row of the wide layout; the others are in the bottom row.
TOP_GROUPS = frozenset({"market", "scanner", "chart"})


class Pane(Vertical):
    """A bordered pane with a numbered title; it lights up when its content has focus."""

    def __init__(self, title: str, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, id=id, classes="pane")
        self.border_title = title
        self._titles = (title, "")

    def set_titles(self, title: str | None = None, subtitle: str | None = None) -> None:
        """Change the title and/or subtitle. Assigning either repaints the whole pane, with
        its contents: done on every frame, that was half the CPU of a calm market."""
        old_title, old_subtitle = self._titles
        title = old_title if title is None else title
        subtitle = old_subtitle if subtitle is None else subtitle
        if title != old_title:
            self.border_title = title
        if subtitle != old_subtitle:
            self.border_subtitle = subtitle
        self._titles = (title, subtitle)


class Group(Horizontal):
    """One tab's worth of panes (book and tape share one, and so do orders and fills)."""

    def __init__(self, *children: Widget, id: str) -> None:
        super().__init__(*children, id=id, classes="group")


def is_wide(width: int, height: int) -> bool:
    return width >= WIDE_MIN_WIDTH and height >= WIDE_MIN_HEIGHT
