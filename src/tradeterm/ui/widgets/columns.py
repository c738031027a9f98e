"""Table columns and their layout: which columns fit a width, and how wide each one is.

A column asks for the width of its widest cell (at least its declared ``width`` and its
label). When the columns do not all fit, those with the highest ``priority`` number go first.
Only when the columns of priority 0 do not fit whole are the others all left out and those
with a ``min_width`` cut (to it at most, with an ellipsis), then the rightmost dropped.
What is left over after every shown column has its full width is shared out: to the flexible
columns if any are shown, else evenly, so there is no block of blank columns at the right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GAP = 1
"""Blank cells between two columns."""


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    """The width the column asks for at least; wider cells widen it."""
    align: str = "right"
    flex: bool = False
    """A flexible column takes the width left over once every column has its full width."""
    priority: int = 0
    """When the table is too narrow, columns with the highest priority number go first
    (0: the last to go)."""
    keep_end: bool = False
    """Cut a long cell from the left, without an ellipsis (a sparkline keeps its newest
    points); the column does not widen for its cells."""
    min_width: int | None = None
    """The narrowest the column may be cut to (None: it is shown whole or not at all, as
    numbers must be). A flexible column is cut to make room for the columns after it in
    priority; any other only when the columns of priority 0 do not fit."""


def natural_widths(
    columns: Sequence[Column], cells: Sequence[Sequence[str]], sort_column: int | None
) -> list[int]:
    """Each column's full width: its declared width, its label (with the sort arrow), its
    widest cell."""
    widths = []
    for i, col in enumerate(columns):
        width = max(col.width, len(col.label) + (i == sort_column))
        if not col.keep_end:
            for row in cells:
                if i < len(row) and len(row[i]) > width:
                    width = len(row[i])
        widths.append(width)
    return widths


def layout(columns: Sequence[Column], natural: Sequence[int], width: int) -> list[int]:
    """Each column's width in a table ``width`` cells wide; 0 for a column left out.

    The shown columns and their gaps fill ``width`` exactly when anything is shown (a single
    column wider than the table is cut by the drawing).
    """
    count = len(columns)
    if count == 0 or width <= 0:
        return [0] * count
    least = [
        min(full, col.min_width) if col.min_width is not None else full
        for col, full in zip(columns, natural, strict=True)
    ]
    # keep the most wanted (lowest priority number, then the leftmost) that fit whole (a
    # flexible column that may be cut asks only for its least: it takes what is left); only
    # when even the columns of priority 0 do not fit, cut the columns that may be cut
    wanted = sorted(range(count), key=lambda i: (columns[i].priority, i))
    ask = [least[i] if col.flex else natural[i] for i, col in enumerate(columns)]
    shown = _fitting(wanted, ask, width)
    if any(columns[i].priority == 0 for i in wanted[len(shown) :]):
        shown = _fitting([i for i in wanted if columns[i].priority == 0], least, width)
    widths = [0] * count
    for i in shown:
        widths[i] = least[i]
    # cut columns grow back to full width, the most wanted first
    spare = width - sum(widths) - GAP * (len(shown) - 1)
    for i in shown:
        if spare <= 0:
            break
        grow = min(spare, natural[i] - widths[i])
        widths[i] += grow
        spare -= grow
    if spare > 0:
        takers = [i for i in shown if columns[i].flex] or shown
        share, extra = divmod(spare, len(takers))
        for n, i in enumerate(takers):
            widths[i] += share + (1 if n < extra else 0)
    return widths


def _fitting(wanted: Sequence[int], widths: Sequence[int], width: int) -> list[int]:
    """The longest start of ``wanted`` whose ``widths`` and gaps fit in ``width`` (at least
    one column)."""
    total = -GAP
    for n, i in enumerate(wanted):
        total += widths[i] + GAP
        if total > width:
            return list(wanted[: max(1, n)])
    return list(wanted)
