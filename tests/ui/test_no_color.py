"""NO_COLOR (no-color.org): Textual then draws through its monochrome filter; every pane
must still draw, with no traceback."""

from __future__ import annotations

import pytest

from conftest import build_rig, ladder_text


async def test_the_workstation_draws_every_pane_under_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    rig = build_rig()
    async with rig.app.run_test(size=(160, 48)) as pilot:
        await rig.settle(pilot)
        for _ in range(3):
            rig.feed.step(rig.engine, 200)
            rig.app.refresher.tick()
            await pilot.pause()
        assert any("spread" in line for line in ladder_text(rig.app))
        assert rig.app.screen.is_active
    assert rig.app.return_code in (None, 0)
