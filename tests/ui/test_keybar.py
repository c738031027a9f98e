"""The footer's key bar: the keys that act now, following the focus; a click presses one."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.ui.conftest import Rig
from tradeterm.ui.screens.help import HelpScreen
from tradeterm.ui.widgets.keybar import KeyBar


def bar_text(rig: Rig) -> str:
    return rig.app.query_one(KeyBar).render_line(0).text


async def test_the_keys_follow_the_focused_pane(rig: Rig) -> None:
    async with rig.app.run_test(size=(160, 48)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        text = bar_text(rig)
        assert " e Edit  c Cancel " in text and " f Filter " not in text
        assert " ? Help " in text and " q Quit " in text
        await pilot.press("3")
        await pilot.pause()
        text = bar_text(rig)
        assert " f Filter  w Why score " in text and " e Edit " not in text
        assert len(text) == 160 and text.endswith("▏^p palette ")


async def test_a_narrow_bar_drops_whole_keys_and_keeps_the_palette_key(rig: Rig) -> None:
    async with rig.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys, _ = rig.app.query_one(KeyBar).keys
        text = bar_text(rig)
        assert len(text) == 80 and text.endswith("▏^p palette ")
        drawn = [k for k in keys if f" {k.display} {k.description} " in text]
        assert 3 <= len(drawn) < len(keys)  # not all fit at 80 columns
        assert drawn == keys[: len(drawn)]  # in order, and no key drawn in part
        assert " q Quit " not in text


async def test_a_click_on_a_key_presses_it(rig: Rig) -> None:
    async with rig.app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        x = bar_text(rig).index(" ? Help ") + 1
        assert await pilot.click(KeyBar, offset=(x, 0))
        await pilot.pause()
        assert isinstance(rig.app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        x = bar_text(rig).index("^p palette")
        assert await pilot.click(KeyBar, offset=(x, 0))
        await pilot.pause()
        assert isinstance(rig.app.screen, CommandPalette)
