"""A widget base for line-API drawing: keeps a Palette in step with the app's theme."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.theme import Theme
from textual.widget import Widget

from tradeterm.ui.palette import Palette


class LineWidget(Widget):
    """Draws its own lines with styles from the theme; redraws when the theme changes."""

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
