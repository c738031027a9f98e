"""Rich styles derived from the active theme's variables, for widgets that draw their own lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import lru_cache
from operator import attrgetter
from weakref import WeakKeyDictionary

from rich.color import Color, ColorParseError
from rich.style import Style
from textual.app import App

from tradeterm.ui.themes import theme_colour


@dataclass(frozen=True, slots=True)
class Palette:
    text: Style
    muted: Style
    header: Style
    cursor: Style
    bid: Style
    ask: Style
    bid_bar: Style
    ask_bar: Style
    flash: Style
    pnl_up: Style
    pnl_down: Style
    own: Style
    warning: Style
    error: Style
    live: Style
    paper: Style
    accent: Style
    key: Style
    key_bar: Style

    @classmethod
    def from_app(cls, app: App[object]) -> Palette:
        """The palette of the app's current theme, made once per theme (a dozen widgets ask
        for it as they mount, and computing the CSS variables is costly)."""
        made = _MADE.get(app)
        if made is None or made[0] != app.theme:
            made = _MADE[app] = (app.theme, cls.from_variables(app.get_css_variables()))
        return made[1]

    @classmethod
    def from_variables(cls, v: dict[str, str]) -> Palette:
        fg = rich_color(v.get("foreground", "#d8dee9"), Color.parse("#d8dee9"))

        def color(name: str, default: str | Color | None = fg) -> Color | None:
            fallback = Color.parse(default) if isinstance(default, str) else default
            value = v.get(name)
            return fallback if value is None else rich_color(value, fallback)

        return cls(
            text=Style(color=fg),
            muted=Style(color=color("muted")),
            header=Style(color=color("muted"), bold=True),
            cursor=Style(bgcolor=color("primary-darken-2", color("panel"))),
            bid=Style(color=color("bid")),
            ask=Style(color=color("ask")),
            bid_bar=Style(bgcolor=color("bid-bar")),
            ask_bar=Style(bgcolor=color("ask-bar")),
            flash=Style(bgcolor=color("flash")),
            pnl_up=Style(color=color("pnl-up")),
            pnl_down=Style(color=color("pnl-down")),
            own=Style(color=color("own-order"), bold=True),
            warning=Style(color=color("warning")),
            error=Style(color=color("error"), bold=True),
            live=Style(color="#ffffff", bgcolor=color("live"), bold=True),
            paper=Style(color=color("background", "#000000"), bgcolor=color("paper"), bold=True),
            accent=Style(color=color("accent")),
            key=Style(color=color("footer-key-foreground", color("accent")), bold=True),
            key_bar=Style(
                color=color("footer-foreground"),
                bgcolor=color("footer-background", color("panel", "#000000")),
            ),
        )


def rich_color(value: str, default: Color | None) -> Color | None:
    """A theme variable's colour as Rich draws it: as Rich reads it where it can (``#88c0d0``,
    ``red``), else as Textual reads it (``ansi_red``, ``ansi_default``, ``hsl(...)``; an alpha
    after it, ``ansi_green 50%``, is dropped: a cell has no alpha); ``transparent`` is no
    colour, and a value neither reads is ``default`` (a theme never stops the drawing)."""
    try:
        return Color.parse(value)
    except ColorParseError:
        pass
    parsed = theme_colour(value)
    if parsed is None:
        return default
    return None if parsed.a == 0 else parsed.rich_color


_MADE: WeakKeyDictionary[App[object], tuple[str, Palette]] = WeakKeyDictionary()


@lru_cache(maxsize=16)
def true_colours(palette: Palette) -> bool:
    """Whether every style of ``palette`` (and so any sum of them) gives its colours as RGB
    and is not dim: Textual's ANSI-to-truecolor line filter hands a line made only of such
    styles back unchanged. A theme may name a terminal colour ("red"); then this is False."""
    for field in fields(palette):
        style: Style = getattr(palette, field.name)
        color, bgcolor = style.color, style.bgcolor
        if style.dim or (color is not None and color.triplet is None):
            return False
        if bgcolor is not None and bgcolor.triplet is None:
            return False
    return True


Styler = Callable[[Palette], Style | None]
"""A cell's style, looked up in the palette when the cell is drawn (it follows the theme)."""


def role(name: str) -> Styler:
    """The styler for one palette role, e.g. ``role("bid")``."""
    return attrgetter(name)
