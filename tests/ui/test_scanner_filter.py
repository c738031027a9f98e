"""The scanner's filter line: rows follow a valid filter as it is typed, an invalid one shows a
caret under the bad token while the table keeps the last valid filter, Enter keeps, Esc
clears, and Enter on a filtered row makes its symbol active."""

from __future__ import annotations

from textual.widgets import Input

from tests.ui.conftest import build_rig, rich_text
from tests.ui.scanner_kit import WIDE, redraw, type_text
from tradeterm.analysis.filter import compile_filter


def _border_subtitle(rig) -> str:  # type: ignore[no-untyped-def]
    return str(rig.app.scanner_box.border_subtitle)


async def test_filter_line_filters_shows_errors_keeps_and_clears() -> None:
    rig = build_rig()
    app = rig.app
    scanner, table = app.scanner, app.scanner.table
    async with app.run_test(size=WIDE) as pilot:
        result = app.scans.run_now()
        await redraw(rig, pilot)
        total = table.row_count
        assert total == len(rig.engine.state.markets_on(rig.engine.feed.venue))
        up = {s for s, t in zip(result.symbols, result.column("trend").tolist(), strict=True)
              if t == "up"}  # fmt: skip
        assert 0 < len(up) < total

        await pilot.press("3", "f")
        line = scanner.filter_line
        assert line.is_open and app.focused is line.input
        await type_text(pilot, "trend")  # each edit is compiled; a partial one is invalid
        assert line.error.display
        line.input.insert_text_at_cursor(' == "up"')
        await pilot.pause()
        assert set(table.ordered_keys) == up
        assert _border_subtitle(rig) == f'trend == "up" · {len(up)} of {total}'

        # an invalid continuation: the caret points at the bad token, the rows stay
        line.input.insert_text_at_cursor(" and rsx > 5")
        await pilot.pause()
        assert line.error.display
        shown = rich_text(line.error.content)
        bad = line.input.value.index("rsx")
        caret_line = shown.splitlines()[1]
        assert caret_line.index("^") == bad
        assert "unknown column 'rsx'" in shown and "did you mean rsi?" in shown
        assert set(table.ordered_keys) == up
        await pilot.press("enter")  # not while the text is wrong
        assert line.is_open

        line.input.value = line.input.value.replace("rsx > 5", "rsi > 50")
        await pilot.pause()
        assert not line.error.display
        rule = compile_filter('trend == "up" and rsi > 50')
        passing = {s for s, ok in zip(result.symbols, rule.mask(result).tolist(), strict=True)
                   if ok}  # fmt: skip
        assert set(table.ordered_keys) == passing
        await pilot.press("enter")
        assert not line.is_open and app.focused is table
        assert scanner.rule is not None and scanner.rule.text == 'trend == "up" and rsi > 50'
        assert f"{len(passing)} of {total}" in _border_subtitle(rig)

        # the filter stays across scans; f reopens it with its text; Esc clears it
        rig.feed.step(rig.engine, 60)
        result = app.scans.run_now()
        await redraw(rig, pilot)
        passing = {s for s, ok in zip(result.symbols, rule.mask(result).tolist(), strict=True)
                   if ok}  # fmt: skip
        assert set(table.ordered_keys) == passing
        await pilot.press("f")
        assert line.query_one(Input).value == 'trend == "up" and rsi > 50'
        await pilot.press("escape")
        assert not line.is_open and scanner.rule is None
        assert table.row_count == total
        assert "f filter" in _border_subtitle(rig)


async def test_enter_on_a_filtered_row_makes_its_symbol_active() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        app.scans.run_now()
        await redraw(rig, pilot)
        await pilot.press("3", "f")
        app.scanner.filter_line.input.value = 'symbol ~ "SOL" or symbol ~ "DOGE"'
        await pilot.press("enter")
        table = app.scanner.table
        assert set(table.ordered_keys) == {"SOL/USDT", "DOGE/USDT"}
        await pilot.press("end", "enter")
        await redraw(rig, pilot)
        chosen = table.ordered_keys[-1]
        assert rig.engine.state.active_symbol == chosen
        assert chosen in str(app.book_pane.border_title)
        row = table.row(chosen)
        assert row is not None and row.cells[0].startswith("▸")
