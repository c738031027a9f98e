"""The Textual app with tradeterm's themes: the shipped and the user's theme files, their
variables ($bid, $ask, $live...), cycling and keeping the choice, and the stylesheet parsed
once at start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import App

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
