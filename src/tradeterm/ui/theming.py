"""The app's theme choice: the theme files registered, one applied by name, cycled, saved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App

from tradeterm.domain.errors import TradetermError
from tradeterm.ui.themes import load_themes

log = logging.getLogger("tradeterm.ui")

DEFAULT_THEME = "tradeterm-dark"


class ThemeChoice:
    """Registers tradeterm's themes and the user's copies (from ``user_themes``) with ``app``;
    ``save`` keeps the user's choice (None: it is not kept)."""

    def __init__(
        self, app: App[Any], user_themes: Path | None, save: Callable[[str], None] | None
    ) -> None:
        self.app = app
        self.save = save
        self.names: list[str] = []
        for loaded in load_themes(user_themes):
            app.register_theme(loaded)
            self.names.append(loaded.name)

    def apply(self, name: str, *, save: bool) -> None:
        app = self.app
        if name not in app.available_themes:
            log.warning(
                "theme %r not found; using %s (themes: %s)",
                name,
                DEFAULT_THEME,
                ", ".join(self.names),
            )
            name = DEFAULT_THEME
        app.theme = name
        if save and self.save is not None:
            try:
                self.save(name)
            except TradetermError as exc:
                app.notify(f"theme not saved: {exc}", severity="warning")

    def cycle(self) -> None:
        """Apply the next theme (and keep the choice)."""
        app = self.app
        names = self.names or [app.theme]
        index = names.index(app.theme) if app.theme in names else -1
        self.apply(names[(index + 1) % len(names)], save=True)
        app.notify(f"theme {app.theme}", timeout=1.5)
