"""Pane containers and the switch between the wide grid and tabs on small terminals."""

from __future__ import annotations

from collections.abc import Mapping

from textual.containers import Horizontal, Vertical
from textual.widget import Widget

from tradeterm.ui.panes.registry import ALL, PANES

__all__ = ["ALL", "GROUPS", "Group", "Pane", "is_wide", "pane_boxes"]

#: Below either size the panes become tabs (one group at a time).
WIDE_MIN_WIDTH = 120
WIDE_MIN_HEIGHT = 32

#: From this width the chart gets its own column in the top row (scanner | book + tape |
#: chart) and orders and fills sit side by side; narrower wide layouts put the chart under
#: the scanner and the fills under the orders, so every pane is on screen from 120x32. The
#: alerts sit under the log at every size.
THREE_COLUMN_WIDTH = 200

#: Tab groups in order: (group id, name); a tab's title starts with its panes' keys
#: (``GROUPS``), from the pane registry.
GROUP_NAMES = (
    ("market", "Book & tape"),
    ("scanner", "Scanner"),
    ("positions", "Positions"),
    ("log", "Log"),
    ("trading", "Orders"),
    ("chart", "Chart"),
)
GROUPS = tuple(
    (gid, "·".join(p.key for p in PANES if p.group == gid) + f" {name}")
    for gid, name in GROUP_NAMES
)
#: The tab bar is one line as wide as the terminal: its titles (each with a cell either side)
#: must fit in the narrowest tabbed terminal.
TAB_BAR_MIN_WIDTH = 80
#: The groups of the wide layout's top row and bottom row, left to right.
TOP_ROW = ("scanner", "market", "chart")
BOTTOM_ROW = ("positions", "trading", "log")
TOP_GROUPS = frozenset(TOP_ROW)


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


def pane_boxes(contents: Mapping[str, Widget] | None) -> dict[str, Pane]:
    """Every pane's bordered box by pane id, holding its content if ``contents`` has it."""
    contents = contents or {}
    return {
        p.id: Pane(p.numbered_title, *((contents[p.id],) if p.id in contents else ()), id=p.box)
        for p in PANES
    }
