"""A line widget's new frame reaches the screen wherever its lines changed: runs of changed
lines apart from each other are all repainted (Textual's cache of styled lines keeps the
others)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.strip import Strip

from tradeterm.ui.widgets.base import LineWidget, line


class Lines(LineWidget):
    DEFAULT_CSS = "Lines { width: 20; height: 8; }"


class LinesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Lines()


async def test_every_run_of_changed_lines_is_repainted() -> None:
    app = LinesApp()
    async with app.run_test(size=(20, 8)) as pilot:
        lines = app.query_one(Lines)
        await pilot.pause()

        def frame(texts: list[str]) -> None:
            lines.set_lines([line([(text, lines.palette.text)], 20) for text in texts])

        frame([f"old{y}" for y in range(8)])
        await pilot.pause()
        assert "old1" in app.export_screenshot() and "old7" in app.export_screenshot()
        frame(["old0", "new1", "old2", "old3", "new4", "new5", "old6", "new7"])
        await pilot.pause()
        shot = app.export_screenshot()
        for y in (1, 4, 5, 7):
            assert f"new{y}" in shot and f"old{y}" not in shot, y
        for y in (0, 2, 3, 6):
            assert f"old{y}" in shot, y


async def test_a_line_equal_to_the_one_shown_keeps_the_shown_strip() -> None:
    """The compositor asks for every line at each repaint: a kept Strip hands back the
    filtered and cut copies it made before."""
    app = LinesApp()
    async with app.run_test(size=(20, 8)) as pilot:
        lines = app.query_one(Lines)
        await pilot.pause()

        def frame(texts: list[str]) -> list[Strip]:
            strips = [line([(text, lines.palette.text)], 20) for text in texts]
            lines.set_lines(list(strips))
            return strips

        first = frame([f"old{y}" for y in range(8)])
        second = frame(["old0", "new1", *(f"old{y}" for y in range(2, 8))])
        assert lines.render_line(0) is first[0] and lines.render_line(1) is second[1]
        assert all(lines.render_line(y) is first[y] for y in range(2, 8))
        await pilot.pause()
        assert "new1" in app.export_screenshot()
