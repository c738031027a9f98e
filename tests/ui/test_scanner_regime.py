"""The scanner's regime column: each row shows the regime the classifier gives its candles,
the column is laid out by width like the others (the first to go when the pane is narrow),
and the filter line selects by regime."""

from __future__ import annotations

from tests.ui.conftest import build_rig
from tests.ui.scanner_kit import WIDE, cell, redraw, type_text, wait_for_passes
from tradeterm.analysis.regime import classify_candles
from tradeterm.ui.panes.scanner_rows import COLUMN_INDEX

REGIME = COLUMN_INDEX["regime"]


async def test_regime_column_shows_each_symbols_regime_when_the_pane_is_wide() -> None:
    rig = build_rig()
    app = rig.app
    table = app.scanner.table
    async with app.run_test(size=(119, 31)) as pilot:  # one pane at a time: the whole width
        await pilot.press("3")
        passes = app.scans.passes
        app.scans.run_now()
        await wait_for_passes(rig, pilot, passes + 1)  # the scan runs in its own thread
        state = rig.engine.state
        want = {
            state.label(inst): classify_candles(list(candles))
            for inst, candles in state.candles.items()
        }
        assert {"ranging", "trending_up"} <= set(want.values())  # the sim has both
        assert table.column_widths[REGIME] == len("trending_down")
        assert {s: cell(rig, s, "regime") for s in want} == {s: r or "—" for s, r in want.items()}
        ranging = {s for s, r in want.items() if r == "ranging"}

        await pilot.press("f")
        await type_text(pilot, 'regime = "ranging"')
        await pilot.press("enter")
        await redraw(rig, pilot)
        assert set(table.ordered_keys) == ranging


async def test_regime_column_gives_way_first_on_a_narrower_pane() -> None:
    rig = build_rig()
    app = rig.app
    table = app.scanner.table
    async with app.run_test(size=WIDE) as pilot:
        passes = app.scans.passes
        app.scans.run_now()
        await wait_for_passes(rig, pilot, passes + 1)
        widths = table.column_widths
        assert widths[REGIME] == 0
        assert widths[COLUMN_INDEX["trend_score"]] > 0 and widths[COLUMN_INDEX["last"]] > 0
