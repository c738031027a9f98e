"""Snapshots of the live scanner: its analytic columns at 160x48 and "why this score" at 80x24
(seeded sim, frozen clock, one scan run synchronously before the picture)."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.ui.conftest import build_rig, chart_drawn
from tradeterm.ui.app import TradetermApp


async def _scanned(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, TradetermApp)
    app.scans.run_now()
    app.refresher.hurry()
    app.refresher.tick()
    await chart_drawn(pilot)


def test_scanner_with_analytic_columns_160x48(snap_compare) -> None:  # type: ignore[no-untyped-def]
    rig = build_rig()
    rig.app.alerting.book.load_config([("ETH/USDT", "rsi < 30", False)])
    assert snap_compare(rig.app, terminal_size=(160, 48), run_before=_scanned)


def test_why_this_score_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def why(pilot: Pilot[None]) -> None:
        await _scanned(pilot)
        await pilot.press("3", "down", "w")
        await pilot.pause()

    assert snap_compare(build_rig().app, terminal_size=(80, 24), run_before=why)
