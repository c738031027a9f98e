"""Which rows of a table are in view and which one has the cursor, as rows come and go.

Until the user moves the cursor it stays on the first row, and the view shows the first rows
(where the newest orders and fills are, or the top of a new sort). Once the user moves it, it
stays on the row they chose; once they scroll away from the top, the view keeps the same row
at its top while rows come and go above it.
"""

from __future__ import annotations

from collections.abc import Sequence


class TableView:
    """The cursor's row key and the index of the first row in view, for a table whose rows
    are ``order`` (keys, top to bottom) with ``height`` rows on screen."""

    def __init__(self) -> None:
        self.cursor_key: str | None = None
        self.top_row = 0
        self.follow = True
        """The cursor is on the first row and follows it (the user has not moved it)."""
        self.anchor: str | None = None
        """The row the user scrolled to the top of the view (None: the view is at the top)."""

    def place(self, order: Sequence[str], height: int) -> None:
        """Put the cursor and the view where they belong after the rows, their order or the
        height changed."""
        if self.cursor_key not in order:
            self.follow = True
        if self.follow:
            self.cursor_key = order[0] if order else None
        if self.anchor is not None and self.anchor in order:
            self.top_row = order.index(self.anchor)
        else:
            self.anchor = None
            self.top_row = 0
            if not self.follow:
                self.show_cursor(order, height)
        self.clamp(order, height)

    def to_top(self, order: Sequence[str], height: int) -> None:
        """A new sort: the view goes back to the top of the new order."""
        self.anchor = None
        self.place(order, height)

    def choose(self, key: str, order: Sequence[str], height: int, follow: bool = False) -> None:
        """The user put the cursor on ``key`` (``follow``: the first row, to be followed)."""
        self.cursor_key = key
        self.follow = follow
        self.show_cursor(order, height)
        self.scrolled(order, height)

    def scroll(self, rows: int, order: Sequence[str], height: int) -> None:
        """The user scrolled the view by ``rows`` (the cursor stays where it is)."""
        self.top_row += rows
        self.scrolled(order, height)

    def show_cursor(self, order: Sequence[str], height: int) -> None:
        """Scroll as little as needed for the cursor's row to be in view."""
        if self.cursor_key is None or self.cursor_key not in order:
            return
        index = order.index(self.cursor_key)
        height = max(1, height)
        if index < self.top_row:
            self.top_row = index
        elif index >= self.top_row + height:
            self.top_row = index - height + 1

    def clamp(self, order: Sequence[str], height: int) -> None:
        self.top_row = max(0, min(self.top_row, max(0, len(order) - max(1, height))))

    def scrolled(self, order: Sequence[str], height: int) -> None:
        """The view moved by the user's hand: remember the row at its top."""
        self.clamp(order, height)
        self.anchor = order[self.top_row] if self.top_row > 0 else None
