"""FastTable: a keyed, sortable table drawn with the line API, updated in place by row key.

Textual's DataTable spends about 14 ms redrawing 20 rows whatever changed; this
table keeps one Strip per row and redraws only rows whose cells changed. Its columns are laid
out again (``ui/widgets/columns.py``) whenever its width, its cells or its sort change; the
newest rows stay in view unless the user scrolled away (``ui/widgets/table_view.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from tradeterm.ui.palette import Palette
from tradeterm.ui.widgets.base import LineWidget, fit, line
from tradeterm.ui.widgets.columns import Column, layout, natural_widths
from tradeterm.ui.widgets.table_view import TableView

__all__ = ["Column", "FastTable", "Row"]


@dataclass(frozen=True, slots=True)
class Row:
    """One row: formatted cells, an optional style per cell, and sort values per column."""

    key: str
    cells: tuple[str, ...]
    sort: tuple[Any, ...]
    styles: tuple[Callable[[Palette], Style | None] | None, ...] = ()


class FastTable(LineWidget, can_focus=True):
    """A table with a cursor row, column sorting and row selection by key or mouse."""

    DIRECT_LINES = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
        Binding("enter", "select", "Select", show=False, id="table.select"),
        Binding("greater_than_sign", "sort_next(1)", "Sort →", id="table.sort_next"),
        Binding("less_than_sign", "sort_next(-1)", "Sort ←", show=False, id="table.sort_prev"),
        Binding("r", "reverse_sort", "Reverse", show=False, id="table.reverse"),
    ]

    class RowSelected(Message):
        """Enter or a click chose a row."""

        def __init__(self, table: FastTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> FastTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        sort_column: int | None = None,
        sort_reverse: bool = False,
        empty_text: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.sort_column = sort_column
        self.sort_reverse = sort_reverse
        self.empty_text = empty_text
        self._rows: dict[str, Row] = {}
        self._order: list[str] = []
        self._strips: dict[str, Strip] = {}
        self._header: Strip | None = None
        self._widths: list[int] = [0] * len(self.columns)
        self.view = TableView()

    # --- data ---------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the rows; only rows whose cells changed are redrawn."""
        new = {row.key: row for row in rows}
        old = self._rows
        # a pane hands back the very Row it gave before for a row that did not change
        changed = [k for k, r in new.items() if (was := old.get(k)) is not r and was != r]
        for key in changed:
            self._strips.pop(key, None)
        old_order, old_top = self._order, self.top_row
        keys_changed = new.keys() != self._rows.keys()
        self._rows = new
        self._order = self._sorted_keys()
        relaid = self._relayout() if changed or keys_changed else False
        self.view.place(self._order, self._body_height)
        height = self.styles.height
        if len(self._order) != len(old_order) and height is not None and height.is_auto:
            self.refresh(layout=True)  # a table as tall as its rows: its height changed
        if relaid or self._order != old_order or self.top_row != old_top or len(changed) > 8:
            self.refresh()
            return
        for key in changed:
            self._refresh_key(key)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row the cursor is on (None: no rows)."""
        return self.view.cursor_key

    @property
    def top_row(self) -> int:
        """The index of the first row in view."""
        return self.view.top_row

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def ordered_keys(self) -> list[str]:
        return list(self._order)

    @property
    def visible_keys(self) -> list[str]:
        """The keys of the rows in view, top to bottom."""
        return self._order[self.top_row : self.top_row + self._body_height]

    @property
    def column_widths(self) -> list[int]:
        """Each column's width as laid out for the table's width; 0 for a column left out."""
        return list(self._widths)

    def row(self, key: str) -> Row | None:
        """The row with ``key`` as last given (None: no such row)."""
        return self._rows.get(key)

    def _sorted_keys(self) -> list[str]:
        keys = list(self._rows)
        col = self.sort_column
        if col is None:
            return keys

        def sort_key(k: str) -> tuple[bool, Any]:
            value = self._rows[k].sort[col]
            # rows without a value sort last whichever way the sort goes
            return (value is None) != self.sort_reverse, value if value is not None else 0

        keys.sort(key=sort_key, reverse=self.sort_reverse)
        return keys

    def _relayout(self) -> bool:
        """Lay the columns out again for the width, cells and sort; True if they moved (every
        cached line is then dropped)."""
        cells = [row.cells for row in self._rows.values()]
        natural = natural_widths(self.columns, cells, self.sort_column)
        widths = layout(self.columns, natural, self.area.width)
        if widths == self._widths:
            return False
        self._widths = widths
        self._strips.clear()
        self._header = None
        return True

    # --- drawing ------------------------------------------------------------

    def theme_changed(self) -> None:
        self._strips.clear()
        self._header = None

    def resized(self) -> None:
        self._strips.clear()
        self._header = None
        self._relayout()
        self.view.place(self._order, self._body_height)
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The header and every row (an empty table keeps a line for its empty text)."""
        return 1 + max(1, len(self._order))

    @property
    def _body_height(self) -> int:
        return max(0, self.area.height - 1)

    def render_line(self, y: int) -> Strip:
        width = self.area.width
        if y == 0:
            if self._header is None:
                self._header = self._draw_header(width)
            return self._header
        index = self.top_row + y - 1
        if index >= len(self._order):
            if index == 0 and self.empty_text:
                return line([(fit(self.empty_text, width), self.palette.muted)], width)
            return Strip.blank(width)
        key = self._order[index]
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._draw_row(self._rows[key], width)
        if key == self.cursor_key and self.has_focus:
            return strip.apply_style(self.palette.cursor)
        return strip

    def _draw_header(self, width: int) -> Strip:
        parts: list[tuple[str, Style | None]] = []
        for i, (col, col_w) in enumerate(zip(self.columns, self._widths, strict=True)):
            if not col_w:
                continue
            label = col.label
            if i == self.sort_column:
                label += "▼" if self.sort_reverse else "▲"
            parts.append((fit(label, col_w, col.align) + " ", self.palette.header))
        return line(parts, width)

    def _draw_row(self, row: Row, width: int) -> Strip:
        parts: list[tuple[str, Style | None]] = []
        palette = self.palette
        for i, (col, col_w) in enumerate(zip(self.columns, self._widths, strict=True)):
            if not col_w:
                continue
            styler = row.styles[i] if i < len(row.styles) else None
            style = styler(palette) if styler else palette.text
            text = row.cells[i]
            if col.keep_end and len(text) > col_w:
                text = text[-col_w:]
            parts.append((fit(text, col_w, col.align), style))
            parts.append((" ", None))
        return line(parts, width)

    def _refresh_key(self, key: str) -> None:
        try:
            y = self._order.index(key) - self.top_row + 1
        except ValueError:
            return
        if 1 <= y < self.area.height:
            self.refresh(Region(0, y, self.area.width, 1))

    # --- cursor, sorting, selection ------------------------------------------

    def move_cursor(self, key: str, follow: bool = False) -> None:
        """Put the cursor on ``key`` (the user's choice: it stays there as rows come and go;
        ``follow``: it is the first row, and the cursor follows the first row)."""
        if key in self._rows:
            old = self.cursor_key
            before = self.top_row
            self.view.choose(key, self._order, self._body_height, follow)
            if before != self.top_row:
                self.refresh()
            else:
                if old is not None:
                    self._refresh_key(old)
                self._refresh_key(key)

    def action_cursor(self, delta: int) -> None:
        if not self._order:
            return
        index = self._order.index(self.cursor_key) if self.cursor_key in self._rows else 0
        self.move_cursor(self._order[max(0, min(len(self._order) - 1, index + delta))])

    def action_cursor_to(self, index: int) -> None:
        if self._order:
            self.move_cursor(self._order[index], follow=index == 0)  # Home: follow the first

    def action_select(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.RowSelected(self, self.cursor_key))

    def sort_by(self, column: int | None, reverse: bool | None = None) -> None:
        """Sort by ``column``; the view goes back to the top of the new order."""
        self.sort_column = column
        if reverse is not None:
            self.sort_reverse = reverse
        self._order = self._sorted_keys()
        self._header = None
        self._relayout()
        self.view.to_top(self._order, self._body_height)
        self.refresh()

    def action_sort_next(self, step: int) -> None:
        """Sort by the next (previous) column on screen: a column that a narrow table hides
        is skipped, so the sort arrow is always in sight."""
        widths = self._widths if any(self._widths) else [1] * len(self.columns)
        current = -1 if self.sort_column is None else self.sort_column
        for _ in range(len(self.columns)):
            current = (current + step) % len(self.columns)
            if widths[current]:
                break
        self.sort_by(current)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_column, not self.sort_reverse)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 0
            for i, col_w in enumerate(self._widths):
                if not col_w:
                    continue
                if x <= event.x < x + col_w + 1:
                    if i == self.sort_column:
                        self.action_reverse_sort()
                    else:
                        self.sort_by(i)
                    return
                x += col_w + 1
            return
        index = self.top_row + event.y - 1
        if 0 <= index < len(self._order):
            self.move_cursor(self._order[index])
            self.post_message(self.RowSelected(self, self._order[index]))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.view.scroll(3, self._order, self._body_height)
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.view.scroll(-3, self._order, self._body_height)
        self.refresh()
