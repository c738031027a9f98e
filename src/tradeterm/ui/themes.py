"""Theme files: load tradeterm's themes (and the user's copies) as Textual themes."""

from __future__ import annotations

import logging
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

log = logging.getLogger("tradeterm.ui")

REQUIRED_VARIABLES = (
    "bid",
    "ask",
    "bid-bar",
    "ask-bar",
    "flash",
    "pnl-up",
    "pnl-down",
    "live",
    "paper",
    "muted",
    "own-order",
)
_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_THEME_FIELDS = (*_COLOUR_FIELDS, "dark", "luminosity_spread", "text_alpha")


class ThemeFileError(ValueError):
    """A theme file is unreadable or lacks a required colour."""


def builtin_theme_dir() -> Path:
    """The package's themes folder (not importlib.resources: it was 0.6 % of the start)."""
    return Path(__file__).resolve().parents[1] / "themes"


def parse_theme(text: str, source: str) -> Theme:
    """Build a Textual Theme from a theme file's text. Raises ThemeFileError."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"theme {source} is not valid TOML: {exc}") from None
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ThemeFileError(f"theme {source} needs a `name`")
    if "primary" not in data:
        raise ThemeFileError(f"theme {source} needs a `primary` colour")
    variables = data.get("variables", {})
    missing = [v for v in REQUIRED_VARIABLES if v not in variables]
    if missing:
        raise ThemeFileError(f"theme {source} lacks [variables] {', '.join(missing)}")
    unknown = sorted(set(data) - set(_THEME_FIELDS) - {"name", "variables"})
    if unknown:
        allowed = ", ".join(("name", *_THEME_FIELDS, "variables"))
        raise ThemeFileError(f"theme {source}: unknown key(s) {unknown}; allowed: {allowed}")
    colours = [(k, data[k]) for k in _COLOUR_FIELDS if k in data]
    for key, value in [*colours, *((k, variables[k]) for k in REQUIRED_VARIABLES)]:
        if not is_colour(value):
            raise ThemeFileError(
                f"theme {source}: {key} = {value!r} is not a colour; write #rrggbb, "
                "rgb(r,g,b), hsl(h,s%,l%), a name such as red or ansi_red, with an alpha "
                'after it if wanted ("#ff0000 50%")'
            )
    fields = {k: data[k] for k in _THEME_FIELDS if k in data}
    return Theme(name=name, variables={k: str(v) for k, v in variables.items()}, **fields)


def theme_colour(value: str) -> Color | None:
    """A theme colour as Textual reads it, without the alpha that may follow it (``ansi_green
    50%``: a cell has no alpha); None when it is no colour."""
    parts = value.split(maxsplit=1)
    if not parts:
        return None
    try:
        return Color.parse(parts[0])
    except ColorParseError:
        return None


def is_colour(value: object) -> bool:
    """Whether Textual's CSS reads ``value`` as a colour: a colour, then an alpha percentage
    if any (``ansi_green 50%``)."""
    if not isinstance(value, str):
        return False
    parts = value.split()
    if len(parts) == 2:
        alpha = parts[1].removesuffix("%")
        if not parts[1].endswith("%") or not alpha.replace(".", "", 1).isdigit():
            return False
    return len(parts) <= 2 and theme_colour(value) is not None


def load_themes(user_dir: Path | None) -> list[Theme]:
    """The built-in themes, then the user's (a user theme with the same name wins).

    A broken user theme is logged and skipped; it never stops the app.
    """
    themes: dict[str, Theme] = {}
    dirs = [builtin_theme_dir()] + ([user_dir] if user_dir and user_dir.is_dir() else [])
    for directory in dirs:
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = parse_theme(path.read_text(encoding="utf-8"), str(path))
            except (ThemeFileError, OSError) as exc:
                log.warning("%s", exc)
                continue
            themes[theme.name] = theme
    return list(themes.values())


def default_variables() -> dict[str, str]:
    """The default theme's [variables], the fallback for any theme (Textual's own included)."""
    return dict(_default_variables())


@cache
def _default_variables() -> dict[str, str]:
    """Read once: Textual asks for the fallbacks each time it computes the CSS variables."""
    path = builtin_theme_dir() / "tradeterm-dark.toml"
    return dict(parse_theme(path.read_text(encoding="utf-8"), str(path)).variables)
