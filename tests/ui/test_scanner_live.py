"""The live scanner in the workstation: passes run in a worker thread and only while the
market changes; every symbol's analytic cells match ``scan`` run directly; sorting by an
analytic column and new scans keep the cursor on its symbol; "why this score" adds up."""

from __future__ import annotations

import re
import threading

from textual.widgets import Static

from tests.ui.conftest import build_rig, rich_text
from tests.ui.scanner_kit import WIDE, cell, expected_scan, redraw, shown_number, wait_for_passes
from tests.ui.trading_kit import notifications, table_text
from tradeterm.analysis.scanner import RECIPES, ScanResult, explain
from tradeterm.ui.panes.scanner_rows import COLUMN_INDEX
from tradeterm.ui.screens.why import WhyScreen


async def test_the_worker_scans_every_symbol_in_a_thread_and_only_when_the_market_moved() -> None:
    rig = build_rig(universe="all", scan_interval=0.05)
    app = rig.app
    threads: list[str] = []
    compute = app.scans.compute

    def spy(*args: object) -> tuple[ScanResult, float]:
        threads.append(threading.current_thread().name)
        return compute(*args)  # type: ignore[arg-type]

    app.scans.compute = spy  # type: ignore[method-assign]
    async with app.run_test(size=WIDE) as pilot:
        await wait_for_passes(rig, pilot, 1)
        assert threads and threading.main_thread().name not in threads
        expected = expected_scan(rig)
        symbols = list(rig.engine.state.markets_on(rig.engine.feed.venue))
        assert len(symbols) == 124 and app.scanner.table.row_count == 124
        assert set(app.scans.result.symbols) == set(symbols)  # type: ignore[union-attr]
        for symbol in symbols:
            row = expected.row(symbol)
            assert cell(rig, symbol, "rsi") == shown_number(row["rsi"]), symbol  # type: ignore[arg-type]
            for score in ("trend_score", "meanrev_score", "momentum_score"):
                assert cell(rig, symbol, score) == shown_number(row[score]), (symbol, score)  # type: ignore[arg-type]
            assert cell(rig, symbol, "trend") == (row["trend"] or "—")
        # what the pane draws: the header and the first rows with their scores
        lines = table_text(app.scanner.table)
        assert "RSI" in lines[0] and "MOM" in lines[0]
        first = app.scanner.table.ordered_keys[0]
        assert first in lines[1] and cell(rig, first, "momentum_score") in lines[1]

        await pilot.pause(0.3)  # nothing moved: no new pass
        assert app.scans.passes == 1
        rig.feed.step(rig.engine, 40)
        await wait_for_passes(rig, pilot, 2)
        assert app.scans.passes == 2 and len(threads) == 2


async def test_sorting_by_an_analytic_column_and_new_scans_keep_the_cursor() -> None:
    rig = build_rig()
    app = rig.app
    table = app.scanner.table
    async with app.run_test(size=WIDE) as pilot:
        app.scans.run_now()
        await redraw(rig, pilot)
        await pilot.press("3")
        for _ in range(5):
            await pilot.press("down")
        chosen = table.cursor_key
        assert chosen is not None and chosen != table.ordered_keys[0]
        rsi = COLUMN_INDEX["rsi"]
        for _ in range(len(table.columns)):
            if table.sort_column == rsi:
                break
            await pilot.press("greater_than_sign")
        assert table.sort_column == rsi
        assert table.cursor_key == chosen
        values = [table.row(k).sort[rsi] for k in table.ordered_keys]  # type: ignore[union-attr]
        known = [v for v in values if v is not None]
        assert known == sorted(known, reverse=table.sort_reverse)
        await pilot.press("r")
        assert table.cursor_key == chosen
        assert "RSI" in table_text(table)[0]
        rig.feed.step(rig.engine, 120)  # the market moves, a new scan re-sorts the rows
        app.scans.run_now()
        await redraw(rig, pilot)
        assert table.cursor_key == chosen
        values = [table.row(k).sort[rsi] for k in table.ordered_keys]  # type: ignore[union-attr]
        known = [v for v in values if v is not None]
        assert known == sorted(known, reverse=table.sort_reverse)


def _points(text: str, names: list[str]) -> list[float]:
    points = []
    for name in names:
        line = next(li for li in text.splitlines() if li.strip().startswith(name + " "))
        match = re.search(r"(-?[\d.]+)/\d+", line)
        assert match is not None, line
        points.append(float(match.group(1)))
    return points


async def test_why_lists_each_score_s_components_and_their_points_add_up() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3", "w")
        assert not isinstance(app.screen, WhyScreen)
        assert any("not scanned yet" in n for n in notifications(rig))
        result = app.scans.run_now()
        await redraw(rig, pilot)
        await pilot.press("down", "down", "w")
        assert isinstance(app.screen, WhyScreen)
        symbol = app.scanner.table.cursor_key
        assert symbol is not None and app.screen.symbol == symbol
        tables = app.screen.query(".why-family").results(Static)
        recipes = app.screen.query(".why-recipe").results(Static)
        for family, shown, recipe in zip(RECIPES, tables, recipes, strict=True):
            text = rich_text(shown.content, width=150)
            score = result.row(symbol)[RECIPES[family].column]
            assert isinstance(score, float)
            assert f"{RECIPES[family].column} {score:.1f}" in text
            parts = explain(result, symbol, family)
            assert abs(sum(p.points for p in parts) - score) < 1e-9
            names = [p.name for p in parts]
            shown_points = _points(text, names)
            assert abs(sum(shown_points) - score) <= 0.05 * len(parts) + 1e-9
            flat = " ".join(text.split())
            for part in parts:
                assert " ".join(part.reason.split()) in flat, part.reason
            assert "points" in rich_text(recipe.content, width=150)
        await pilot.press("escape")
        assert not isinstance(app.screen, WhyScreen)


async def test_a_narrow_sparkline_keeps_its_newest_points() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        app.scans.run_now()
        await redraw(rig, pilot)
        table = app.scanner.table
        column = next(i for i, c in enumerate(table.columns) if c.key == "spark")
        row = table.row("BTC/USDT")
        assert row is not None
        spark = row.cells[column]
        width = table.column_widths[column]
        assert 0 < width < len(spark)  # the pane is too narrow for the whole two hours
        line = next(text for text in table_text(table) if "BTC/USDT" in text)
        assert line.rstrip().endswith(spark[-width:]) and "…" not in line
