"""Pane containers and the switch between the wide grid and tabs on small terminals."""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.widget import Widget

#: Below either size the panes become tabs (one group at a time).
WIDE_MIN_WIDTH = 120
WIDE_MIN_HEIGHT = 32

#: Tab groups in order: (group id, title); keys 1..5 map panes to these groups.
GROUPS = (
    ("market", "1·2 Book & tape"),
    ("scanner", "3 Scanner"),
    ("positions", "4 Positions"),
    ("log", "5 Log"),
)
PANE_GROUP = {
    "book": "market",
    "tape": "market",
    "scanner": "scanner",
    "positions": "positions",
    "log": "log",
}


class Pane(Vertical):
    """A bordered pane with a numbered title; it lights up when its content has focus."""

    def __init__(self, title: str, *children: Widget, id: str | None = None) -> None:
        super().__init__(*children, id=id, classes="pane")
        self.border_title = title


class Group(Horizontal):
    """One tab's worth of panes (the book and tape share one)."""

    def __init__(self, *children: Widget, id: str) -> None:
        super().__init__(*children, id=id, classes="group")


def is_wide(width: int, height: int) -> bool:
    return width >= WIDE_MIN_WIDTH and height >= WIDE_MIN_HEIGHT
