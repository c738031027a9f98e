"""The panes that keep their drawn lines hand them to the compositor directly: exactly what
Textual's own ``Widget.render_lines`` makes of them (fitted, filtered, cropped), for every
such widget on the workstation, whole or in part, through the app's line filter, and after
a frame changed only some of their lines."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.color import Color
from textual.filter import LineFilter
from textual.geometry import Region
from textual.strip import Strip
from textual.theme import Theme
from textual.widget import Widget

from tests.ui.conftest import Rig, build_rig
from tradeterm.ui.palette import Palette, true_colours
from tradeterm.ui.widgets.base import LineWidget, line


class Shout(LineFilter):
    """Upper-cases the text and marks the background colour in it: a filter that shows."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        mark = background.hex[-1]
        return [Segment(text.upper().replace(" ", mark), style) for text, style, _ in segments]


def crops(widget: Widget) -> list[Region]:
    width, height = widget.outer_size
    return [
        Region(0, 0, width, height),  # the whole widget
        Region(3, 1, max(1, width - 7), max(1, height - 2)),  # cut on every side
        Region(0, height - 1, width, 1),  # its last line
    ]


async def assert_same_as_textual(rig: Rig, filters: Sequence[LineFilter] | None = None) -> None:
    async with rig.app.run_test(size=(120, 40)) as pilot:
        if filters is not None:
            rig.app.get_line_filters = lambda: filters  # type: ignore[method-assign]
        await rig.settle(pilot)
        for _ in range(3):  # frames after the first, with changed lines among unchanged ones
            rig.feed.step(rig.engine, 40)
            await rig.settle(pilot)
            widgets = [w for w in rig.app.screen.query(LineWidget) if w.outer_size.area]
            names = {type(w).__name__ for w in widgets if w.DIRECT_LINES and w.plain}
            assert {"Ladder", "Tape", "FastTable", "ChartPane"} <= names
            for widget in widgets:
                for crop in crops(widget):
                    direct = widget.render_lines(crop)
                    assert direct == Widget.render_lines(widget, crop), (widget, crop)
                    assert len(direct) == crop.height
                    assert all(strip.cell_length == crop.width for strip in direct)


async def test_direct_lines_are_textuals_lines() -> None:
    await assert_same_as_textual(build_rig())


async def test_direct_lines_are_textuals_lines_through_a_filter() -> None:
    await assert_same_as_textual(build_rig(), [Shout()])


class Short(LineWidget):
    """Lines narrower than the widget (as a pane drawn for its old width may have)."""

    DIRECT_LINES = True

    DEFAULT_CSS = "Short { background: $panel; width: 30; height: 5; }"

    def render_line(self, y: int) -> Strip:
        return line([(f"row {y}", self.palette.text)], 10 + y)


class ShortApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Short()


async def test_lines_narrower_than_the_widget_are_filled_as_textual_fills_them() -> None:
    app = ShortApp()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        short = app.query_one(Short)
        assert short.plain
        for crop in crops(short):
            direct = short.render_lines(crop)
            assert direct == Widget.render_lines(short, crop), crop
            assert all(strip.cell_length == crop.width for strip in direct)


class Quotes(LineWidget):
    """Lines of the palette's styles only, as the ladder and the tape draw them."""

    DIRECT_LINES = True
    PALETTE_LINES = True

    DEFAULT_CSS = "Quotes { width: 30; height: 4; }"

    def render_line(self, y: int) -> Strip:
        p = self.palette
        return line([(f"{y} ", p.muted), ("60,000.01", p.bid + p.flash), (" 1.5", p.text)], 30)


class QuotesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Quotes()


async def test_palette_lines_are_textuals_lines_whatever_colours_the_theme_names() -> None:
    """Textual's ANSI-to-truecolor filter is left out for palette lines only while it would
    change nothing: a theme naming a terminal colour ("red") has its lines converted."""
    for bid, rgb_only in (("#2ebd85", True), ("red", False)):
        app = QuotesApp()
        async with app.run_test(size=(40, 8)) as pilot:
            app.register_theme(Theme("quotes", primary="#0178d4", variables={"bid": bid}))
            app.theme = "quotes"
            await pilot.pause()
            quotes = app.query_one(Quotes)
            assert true_colours(quotes.palette) is rgb_only
            assert quotes.palette == Palette.from_app(app)
            for crop in crops(quotes):
                assert quotes.render_lines(crop) == Widget.render_lines(quotes, crop), bid
