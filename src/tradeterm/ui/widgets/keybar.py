"""The footer: the keys that act now, on one line."""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip

from tradeterm.ui.widgets.base import LineWidget, line


class ShownKey(NamedTuple):
    key: str  # the key's name, as pressed ("question_mark")
    display: str  # as shown ("?")
    description: str
    enabled: bool  # False: it waits (shown dimmed, a click does nothing)


def shown_keys(screen: Screen[object]) -> tuple[list[ShownKey], ShownKey | None]:
    """The keys to show for ``screen``'s focus, in Textual's order (the focused widget's,
    then its containers', then the app's), one per action; and the command palette's key."""
    app = screen.app
    palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else ""
    keys: list[ShownKey] = []
    actions: set[str] = set()
    palette: ShownKey | None = None
    for key, active in screen.active_bindings.items():
        binding = active.binding
        shown = ShownKey(key, app.get_key_display(binding), binding.description, active.enabled)
        if key == palette_key:
            palette = shown
        elif binding.show and binding.action not in actions:
            actions.add(binding.action)
            keys.append(shown)
    return keys, palette


class KeyBar(LineWidget):
    """The keys that act now, with the command palette's key at the right; a click on a key
    presses it. Textual's Footer is a widget per key, all made again at every change of
    focus: about 50 ms here each time, and five times over while the workstation opens.
    This is one line, drawn again only when the keys change."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: tuple[list[ShownKey], ShownKey | None] = ([], None)
        self._spans: list[tuple[int, int, ShownKey]] = []  # where each key was drawn

    def on_mount(self) -> None:
        super().on_mount()
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        keys = shown_keys(screen)
        if keys != self.keys:
            self.keys = keys
            self.refresh()

    def _styles(self, shown: ShownKey) -> tuple[Style, Style]:
        p = self.palette
        return (p.key, p.text) if shown.enabled else (p.muted, p.muted)

    def render_line(self, y: int) -> Strip:
        width = self.area.width
        keys, palette = self.keys
        right = f"▏{palette.display} {palette.description} " if palette else ""
        room = width - len(right)
        parts: list[tuple[str, Style | None]] = []
        spans: list[tuple[int, int, ShownKey]] = []
        x = 0
        for shown in keys:
            key_text, text = f" {shown.display}", f" {shown.description} "
            size = len(key_text) + len(text)
            if x + size > room:
                break
            key_style, text_style = self._styles(shown)
            parts += [(key_text, key_style), (text, text_style)]
            spans.append((x, x + size, shown))
            x += size
        if palette is not None and len(right) <= width:
            parts.append((" " * (width - len(right) - x), None))
            key_style, text_style = self._styles(palette)
            parts.append(("▏", self.palette.muted))
            parts += [(palette.display, key_style), (f" {palette.description} ", text_style)]
            spans.append((width - len(right), width, palette))
        self._spans = spans
        return line(parts, width, self.palette.key_bar)

    def on_click(self, event: events.Click) -> None:
        for start, end, shown in self._spans:
            if start <= event.x < end and shown.enabled:
                self.app.simulate_key(shown.key)
                return
