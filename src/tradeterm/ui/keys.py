"""The workstation's key bindings, each with an id so users can remap it in config."""

from __future__ import annotations

from textual.binding import Binding

APP_BINDINGS: list[Binding] = [
    Binding("question_mark", "help", "Help", id="help"),
    Binding("slash", "symbol_search", "Symbol", id="symbol_search"),
    Binding("left_square_bracket", "group(-1)", "Finer", id="ladder.finer", key_display="["),
    Binding("right_square_bracket", "group(1)", "Coarser", id="ladder.coarser", key_display="]"),
    Binding("t", "cycle_theme", "Theme", id="theme"),
    Binding("l", "cycle_log_level", "Log level", id="log_level"),
    Binding("1", "focus_pane('book')", "Book", show=False, id="focus.book"),
    Binding("2", "focus_pane('tape')", "Tape", show=False, id="focus.tape"),
    Binding("3", "focus_pane('scanner')", "Scanner", show=False, id="focus.scanner"),
    Binding("4", "focus_pane('positions')", "Positions", show=False, id="focus.positions"),
    Binding("5", "focus_pane('log')", "Log", show=False, id="focus.log"),
    Binding("q", "quit", "Quit", id="quit"),
]

#: Help-screen sections: (title, [(binding id or key, description)]) for keys that live on panes.
PANE_KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Tables (scanner, positions)",
        [
            ("↑ ↓ j k  PgUp PgDn  Home End", "move the cursor"),
            ("enter / click", "choose the row (scanner: make the symbol active)"),
            ("> <  / click a header", "sort by the next / previous column"),
            ("r", "reverse the sort"),
        ],
    ),
    (
        "Log",
        [
            ("↑ ↓ PgUp PgDn / wheel", "scroll back"),
            ("end", "follow new entries again"),
        ],
    ),
    (
        "Anywhere",
        [
            ("ctrl+p", "command palette: every action by name"),
            ("tab / shift+tab", "move focus between panes"),
        ],
    ),
]


def describe_keys(keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(id, key(s) as the user has them, description) for every app binding."""
    rows = []
    for binding in APP_BINDINGS:
        keys = keymap.get(binding.id or "", binding.key)
        display = binding.key_display if binding.id not in keymap and binding.key_display else keys
        rows.append((binding.id or binding.action, _pretty(display), binding.description))
    return rows


def _pretty(keys: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "greater_than_sign": ">",
        "less_than_sign": "<",
    }
    return " ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))
