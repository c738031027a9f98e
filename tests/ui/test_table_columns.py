"""Column layout: which columns a width keeps, how wide each is, and that what is kept fills
the width exactly (``ui/widgets/columns.py``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradeterm.ui.panes import fills, orders, positions
from tradeterm.ui.panes.scanner_rows import COLUMNS as SCANNER_COLUMNS
from tradeterm.ui.screens import history
from tradeterm.ui.widgets.columns import GAP, Column, layout, natural_widths

COLUMNS = (
    Column("sym", "SYMBOL", 8, "left", min_width=5),
    Column("qty", "QTY", 7),
    Column("type", "TYPE", 6, "left", priority=1),
    Column("pnl", "PNL", 9),
    Column("fee", "FEE", 6, priority=2),
)
NATURAL = [8, 7, 6, 9, 6]  # the declared widths: no cell is wider


def shown_width(widths: list[int]) -> int:
    shown = [w for w in widths if w]
    return sum(shown) + GAP * (len(shown) - 1)


def test_all_columns_fit_and_the_spare_is_shared_out_evenly() -> None:
    widths = layout(COLUMNS, NATURAL, 50)
    # 36 of columns and 4 gaps leave 10 cells: 2 for each column
    assert widths == [10, 9, 8, 11, 8]


def test_the_highest_priority_number_goes_first_then_the_next() -> None:
    # FEE (priority 2) went: 6 spare, 1 each and 1 more for the two most wanted
    assert layout(COLUMNS, NATURAL, 39) == [8 + 2, 7 + 2, 6 + 1, 9 + 1, 0]
    assert layout(COLUMNS, NATURAL, 33) == [8, 7, 6, 9, 0]
    assert layout(COLUMNS, NATURAL, 32) == [10, 9, 0, 11, 0]  # TYPE (1) went too


def test_only_when_priority_zero_does_not_fit_are_columns_cut() -> None:
    # SYMBOL QTY PNL need 8+7+9 and 2 gaps = 26: at 23 SYMBOL is cut to 5, nothing else
    assert layout(COLUMNS, NATURAL, 23) == [5, 7, 0, 9, 0]
    assert layout(COLUMNS, NATURAL, 25) == [7, 7, 0, 9, 0]
    # below that, the rightmost essential column goes, and SYMBOL is whole again
    assert layout(COLUMNS, NATURAL, 20) == [8 + 2, 7 + 2, 0, 0, 0]


def test_a_flexible_column_takes_all_the_spare() -> None:
    flex = (*COLUMNS[:2], Column("note", "NOTE", 4, "left", flex=True))
    assert layout(flex, [8, 7, 4], 40) == [8, 7, 4 + 19]


def test_a_flexible_column_that_may_be_cut_is_cut_before_others_go() -> None:
    note = Column("note", "NOTE", 4, "left", flex=True, priority=1, min_width=6)
    columns = (*COLUMNS[:2], note, Column("fee", "FEE", 6, priority=2))
    natural = [8, 7, 30, 6]  # a long note
    assert layout(columns, natural, 60) == [8, 7, 30 + 6, 6]  # whole, and the spare
    assert layout(columns, natural, 40) == [8, 7, 40 - 8 - 7 - 6 - 3, 6]  # cut, FEE kept
    assert layout(columns, natural, 29) == [8, 7, 29 - 8 - 7 - 2, 0]  # FEE (2) went
    assert layout(columns, natural, 21) == [8 + 3, 7 + 2, 0, 0]  # too narrow for its least


def test_a_cell_or_a_label_widens_its_column_and_a_sparkline_does_not() -> None:
    columns = (
        Column("a", "LONG LABEL", 3),
        Column("b", "B", 3),
        Column("spark", "RECENT", 4, keep_end=True),
    )
    cells = [("1", "123456", "▁▂▃▄▅▆▇█"), ("22", "7", "▁")]
    assert natural_widths(columns, cells, None) == [10, 6, 6]
    assert natural_widths(columns, cells, 1) == [10, 6, 6]  # the arrow fits beside "B"
    assert natural_widths(columns, [], 0) == [11, 3, 6]  # "LONG LABEL▲"


TABLES = [
    history.COLUMNS,
    orders.COLUMNS,
    fills.COLUMNS,
    positions.BALANCE_COLUMNS,
    positions.POSITION_COLUMNS,
    SCANNER_COLUMNS,
]


@given(st.sampled_from(TABLES), st.integers(1, 260), st.lists(st.integers(0, 6), max_size=16))
def test_any_width_is_filled_exactly_by_what_is_most_wanted(
    columns: tuple[Column, ...], width: int, extra: list[int]
) -> None:
    natural = [
        max(c.width, len(c.label)) + (extra[i] if i < len(extra) else 0)
        for i, c in enumerate(columns)
    ]
    widths = layout(columns, natural, width)
    shown = [i for i, w in enumerate(widths) if w]
    assert shown, "a table always shows a column"
    if len(shown) > 1 or widths[shown[0]] <= width:
        assert shown_width(widths) == width
    essentials_whole = all(widths[i] >= natural[i] for i, c in enumerate(columns) if not c.priority)
    for i, column in enumerate(columns):
        least = natural[i] if column.min_width is None else min(natural[i], column.min_width)
        if widths[i]:
            assert widths[i] >= least
        if essentials_whole:
            # nothing shown is cut (but a flexible column, which takes what is left), and a
            # column left out is never more wanted than one shown
            assert not widths[i] or column.flex or widths[i] >= natural[i]
            if not widths[i]:
                assert all(columns[j].priority <= column.priority for j in shown)
