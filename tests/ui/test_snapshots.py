"""Snapshot tests: the workstation at 80x24 and 160x48, seeded sim and frozen clock."""

from __future__ import annotations

from tests.ui.conftest import build_rig, chart_drawn


def test_wide_workstation(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(build_rig().app, terminal_size=(160, 48), run_before=chart_drawn)


def test_small_terminal_book_tab(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(build_rig().app, terminal_size=(80, 24))


def test_small_terminal_scanner_tab(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(build_rig().app, terminal_size=(80, 24), press=["3"])


def test_wide_grouped_ladder_light_theme(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def group_and_switch_theme(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("right_square_bracket", "right_square_bracket", "t")
        pilot.app.clear_notifications()  # toasts expire in real time; keep them out
        await chart_drawn(pilot)

    assert snap_compare(build_rig().app, terminal_size=(160, 48), run_before=group_and_switch_theme)


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(build_rig().app, terminal_size=(80, 24), press=["question_mark"])
