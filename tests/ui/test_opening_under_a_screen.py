"""The market opens into the workstation's frame even when another screen (the command
palette, a dialog) is on top of it as the session becomes ready; ``on_open`` (where the CLI
turns the garbage collector back on) is still called."""

from __future__ import annotations

from textual.screen import Screen

from tests.ui.conftest import Rig, ladder_text
from tests.ui.trading_kit import until
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.screens.workstation import WorkstationScreen
from tradeterm.ui.session import Session


async def test_a_screen_on_top_of_the_frame_does_not_stop_the_opening(rig: Rig) -> None:
    calls: list[str] = []

    def open_session() -> Session:
        app.push_screen(Screen())  # e.g. ctrl+p (the palette) pressed while it starts
        return Session(rig.engine, rig.app.logbook)

    app = TradetermApp(
        open_session, start_feed=False, refresh_hz=20, on_open=lambda: calls.append("open")
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: bool(calls))
        assert app.opened and calls == ["open"]
        assert not isinstance(app.screen, WorkstationScreen)  # the other screen stays on top
        app.pop_screen()
        await until(pilot, lambda: any("spread" in row for row in ladder_text(app)))
        frame = app.screen
        assert isinstance(frame, WorkstationScreen) and frame.workstation is app.workstation
