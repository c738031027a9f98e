"""A widget base for line-API drawing: keeps a Palette in step with the app's theme."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.filter import ANSIToTruecolor
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.theme import Theme
from textual.widget import Widget

from tradeterm.ui.palette import Palette, true_colours


class LineWidget(Widget):
    """Draws its own lines with styles from the theme; redraws when the theme changes.

    Subclasses that draw whole frames hand them to ``set_lines``, which repaints
    only the lines that differ from the last frame: the compositor's cost then
    follows what changed on screen, not how often the data changed.
    """

    DIRECT_LINES: ClassVar[bool] = False
    """True where ``render_line`` hands back lines the widget keeps (``set_lines``, a cache of
    rows: the ladder, tape, tables, chart): they go to the compositor as they are when the
    widget is ``plain``. Widgets that make a line at each call keep Textual's cache of styled
    lines."""

    PALETTE_LINES: ClassVar[bool] = False
    """True where every line is made of the palette's styles only (or sums of them, or none):
    while the palette's colours are all RGB and not dim (``true_colours``), Textual's
    ANSI-to-truecolor filter would hand each line back unchanged, so it is not run on them
    (a new line cost ~12 us there: a new Strip of new Segments, for the ladder's changed
    rows every frame)."""

    _lines: list[Strip]
    _area: Size | None = None
    _direct = False  # the last lines were drawn without Textual's line cache

    @property
    def area(self) -> Size:
        """The content size, as of the last resize. ``size`` finds the widget on its screen
        at each call, which cost a tenth of the CPU when read for every line drawn."""
        return self.size if self._area is None else self._area

    def on_resize(self, _event: events.Resize) -> None:
        self._sync_area()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The compositor may paint a widget at its new size before the widget has handled
        # the Resize event (a pane shown again after a change of layout): lines drawn then for
        # the old width would stay on screen, so the size is checked here too, once a paint.
        self._sync_area()
        if not (self.DIRECT_LINES and self.plain):
            if self._direct:  # Textual's line cache missed what was drawn directly
                self._direct = False
                self.refresh()
            return super().render_lines(crop)
        self._direct = True
        return self._direct_lines(crop)

    @property
    def plain(self) -> bool:
        """Whether Textual's styling of a line would hand it back unchanged: no border,
        padding, outline, scrollbar, hatch, tint or opacity on this widget."""
        styles = self.styles
        gutter = styles.gutter
        bars = self.scrollbar_gutter
        return (
            gutter.width == gutter.height == bars.width == bars.height == 0
            and not any(edge for edge, _ in styles.outline)
            and not styles.has_rule("hatch")
            and styles.tint.a == 0
            and styles.text_opacity == 1.0
            and self.opacity == 1.0
        )

    def _direct_lines(self, crop: Region) -> list[Strip]:
        """The lines of ``crop`` as Textual's ``render_lines`` makes them for a plain widget
        (each line fitted to the width, the app's line filters, the crop's columns), without
        its per-line styling pass and a new Strip for each line: 23 new ladder lines took
        2.0 ms there, 0.5 ms here, and a busy feed changes most of the ladder's, tape's and
        scanner's lines every frame."""
        width, height = self.outer_size
        render_line = self.render_line
        strips = [render_line(y) for y in crop.line_range if y < height]
        palette_only = self.PALETTE_LINES
        if len(strips) < crop.height or any(strip.cell_length != width for strip in strips):
            base, background = self.background_colors
            inner = TextualStyle(background=base + background).rich_style
            strips = [strip.adjust_cell_length(width, inner) for strip in strips]
            strips += [Strip.blank(width, inner)] * (crop.height - len(strips))
            palette_only = False  # filled with the widget's background, not the palette's
        filters = self.get_line_filters()
        if filters and palette_only and true_colours(self.palette):
            filters = [f for f in filters if type(f) is not ANSIToTruecolor]
        if filters:
            background = self.background_colors[1]
            for line_filter in filters:
                strips = [strip.apply_filter(line_filter, background) for strip in strips]
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _sync_area(self) -> None:
        size = self.size
        if size != self._area:
            self._area = size
            self.resized()

    def resized(self) -> None:
        """Subclasses redraw for their new ``area`` here."""

    def set_lines(self, lines: list[Strip]) -> None:
        """Show ``lines`` (the widget keeps the list). A line equal to the one shown keeps
        the shown Strip: the compositor asks for every line of the widget at each repaint,
        and a kept Strip hands back its filtered and cut copies from its caches."""
        old = getattr(self, "_lines", [])
        self._lines = lines
        if len(old) != len(lines):
            self.refresh()
            return
        width = self.area.width
        start = -1
        changed = []  # one refresh for them all: each call costs ~50 us, whatever its regions
        for y, (before, after) in enumerate(zip(old, lines, strict=True)):
            if before != after:
                if start < 0:
                    start = y
                continue
            lines[y] = before
            if start >= 0:
                changed.append(Region(0, start, width, y - start))
                start = -1
        if start >= 0:
            changed.append(Region(0, start, width, len(lines) - start))
        if changed:
            self.refresh(*changed)

    def render_line(self, y: int) -> Strip:
        lines = getattr(self, "_lines", [])
        return lines[y] if y < len(lines) else Strip.blank(self.area.width)

    def on_mount(self) -> None:
        self.palette = Palette.from_app(self.app)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Theme) -> None:
        self.palette = Palette.from_app(self.app)
        self.theme_changed()
        self.refresh()

    def theme_changed(self) -> None:
        """Hook for subclasses that cache styled lines."""


def fit(text: str, width: int, align: str = "left") -> str:
    """Pad or cut ``text`` to exactly ``width`` cells (cut text ends with an ellipsis)."""
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: width - 1] + "…" if width > 1 else text[:width]
    return text.rjust(width) if align == "right" else text.ljust(width)


def line(parts: list[tuple[str, Style | None]], width: int, base: Style | None = None) -> Strip:
    """A Strip of exactly ``width`` cells from (text, style) parts."""
    segments = []
    used = 0
    for text, style in parts:
        if used >= width:
            break
        cut = text[: width - used]
        segments.append(Segment(cut, style if base is None else base + style if style else base))
        used += len(cut)
    if used < width:
        segments.append(Segment(" " * (width - used), base))
    return Strip(segments, width)
