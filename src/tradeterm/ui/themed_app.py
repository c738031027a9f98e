"""The Textual app with tradeterm's themes: the shipped and the user's theme files, their
variables ($bid, $ask, $live...), cycling and keeping the choice, and the stylesheet parsed
once at start."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.color import Color
from textual.filter import LineFilter, Monochrome

from tradeterm.ui.themes import default_variables
from tradeterm.ui.theming import ThemeChoice


class ThemedApp(App[None]):
    """An app on tradeterm's themes, starting on ``theme`` (``user_themes``: a folder of the
    user's theme files; ``save_theme`` keeps a choice made later, None: not kept)."""

    def __init__(
        self, theme: str, user_themes: Path | None, save_theme: Callable[[str], None] | None
    ) -> None:
        super().__init__()
        self.themes = ThemeChoice(self, user_themes, save_theme)
        self.themes.apply(theme, save=False)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters; under NO_COLOR its monochrome filter takes unstyled segments too
        (it fails on a segment without a style, and blank padding has none)."""
        filters = super().get_line_filters()
        if not self.no_color:
            return filters
        return [_MONOCHROME if type(f) is Monochrome else f for f in filters]

    @property
    def theme_names(self) -> list[str]:
        return self.themes.names

    def action_cycle_theme(self) -> None:
        self.themes.cycle()

    def apply_theme(self, name: str, *, save: bool) -> None:
        self.themes.apply(name, save=save)

    def refresh_css(self, animate: bool = True) -> None:
        """Setting the configured theme as the app is made has Textual re-parse every
        stylesheet once the app runs, into a new stylesheet whose parses the app's own does
        not keep: the first screen then parsed them all again (each parse about 4 % of the
        work to the first frame). Before there is a screen nothing is styled or parsed yet,
        so the theme's variables are all the stylesheet needs, and it is parsed once."""
        if not self.screen_stack:
            self.stylesheet.set_variables(self.get_css_variables())
            return
        super().refresh_css(animate=animate)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """tradeterm's own variables ($bid, $ask, $live...) for themes that lack them."""
        return {**super().get_theme_variable_defaults(), **default_variables()}


class _UnstyledMonochrome(Monochrome):
    """Textual's monochrome filter, taking a segment with no style as the plain style."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        plain = Style()
        return super().apply(
            [
                Segment(text, plain if style is None else style, control)
                for text, style, control in segments
            ],
            background,
        )


_MONOCHROME = _UnstyledMonochrome()
