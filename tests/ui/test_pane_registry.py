"""The pane registry is the one list of panes: every registered pane is composed in its tab
group with its numbered title, its key focuses the widget the registry names (showing its
tab on a small terminal), and the tab titles name the keys of the panes they hold."""

from __future__ import annotations

from textual.widgets import Tab

from tests.ui.conftest import Rig
from tradeterm.ui.layout import Pane
from tradeterm.ui.panes.registry import PANES


async def test_every_registered_pane_is_in_its_group_and_its_key_focuses_it(rig: Rig) -> None:
    app = rig.app
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        workstation = app.workstation
        assert workstation is not None
        for spec in PANES:
            box = app.query_one(f"#{spec.box}", Pane)
            assert box.parent is not None and box.parent.id == spec.group, spec.id
            assert str(box.border_title).startswith(f"{spec.key} {spec.title}"), spec.id
            assert workstation.contents[spec.id].parent is box, spec.id
            await pilot.press(spec.key)
            await pilot.pause()
            assert app.focused is spec.focus(workstation.contents[spec.id]), spec.id


async def test_on_a_small_terminal_a_pane_key_shows_its_tab_and_focuses_it(rig: Rig) -> None:
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        workstation = app.workstation
        assert workstation is not None
        tabs = {tab.id: tab.label_text for tab in app.query(Tab)}
        groups = {spec.group for spec in PANES}
        assert set(tabs) == {f"tab-{group}" for group in groups}
        for spec in PANES:
            assert spec.key in tabs[f"tab-{spec.group}"].split()[0].split("·"), spec.id
            await pilot.press(spec.key)
            await pilot.pause()
            for group in groups:
                assert app.query_one(f"#{group}").display == (group == spec.group), spec.id
            assert app.focused is spec.focus(workstation.contents[spec.id]), spec.id
