"""Checking a user's key remaps (``[ui] keys``): every id exists and no key is taken twice.

Bindings are found where the UI defines them: the ``BINDINGS`` of every app, pane and
screen class under ``tradeterm.ui`` (read only when the user remaps something). Keys
clash within a scope: the app's keys with each other; a pane's keys with its own and
the app's (a focused pane's key hides the app's); a screen's keys with its own (a
modal screen holds the keyboard).
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

#: Characters users type for keys that Textual names in words.
_KEY_NAMES = {
    "?": "question_mark",
    "/": "slash",
    ":": "colon",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "{": "left_curly_bracket",
    "}": "right_curly_bracket",
    ">": "greater_than_sign",
    "<": "less_than_sign",
    "+": "plus",
    "-": "minus",
    "=": "equals_sign",
    ".": "full_stop",
    " ": "space",
}


@dataclass(frozen=True, slots=True)
class Scope:
    """Bindings that are live together: ``kind`` is ``app``, ``pane`` or ``screen``."""

    kind: str
    owner: str
    bindings: tuple[Binding, ...]


def binding_scopes() -> list[Scope]:
    """Every class under ``tradeterm.ui`` that declares bindings with ids, as scopes."""
    from tradeterm import ui

    scopes: list[Scope] = []
    for info in sorted(pkgutil.walk_packages(ui.__path__, "tradeterm.ui."), key=lambda i: i.name):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, Widget | App):
                continue
            own = cls.__dict__.get("BINDINGS", [])
            bindings = tuple(b for b in own if isinstance(b, Binding) and b.id)
            if not bindings:
                continue
            kind = (
                "app" if issubclass(cls, App) else "screen" if issubclass(cls, Screen) else "pane"
            )
            scopes.append(Scope(kind, cls.__name__, bindings))
    return scopes


def binding_ids(scopes: list[Scope] | None = None) -> list[str]:
    """Every binding id a user may remap, sorted."""
    found = scopes if scopes is not None else binding_scopes()
    return sorted({b.id for scope in found for b in scope.bindings if b.id})


def _keys(text: str) -> list[str]:
    keys = [k.strip() for k in text.split(",")] if text.strip() != "," else [","]
    return [_KEY_NAMES.get(k, k) for k in keys if k]


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """What is wrong with ``keymap`` (binding id -> key(s)), one line per problem.

    An id that does not exist lists the valid ids; a key that another binding of the
    same scope uses names both bindings. An empty keymap costs no import.
    """
    if not keymap:
        return []
    scopes = binding_scopes()
    valid = binding_ids(scopes)
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in valid:
            problems.append(_unknown(binding_id, valid))
        elif not _keys(keys):
            problems.append(f"key ui.keys.{binding_id} = {keys!r} is not allowed: give a key")
    app = [b for scope in scopes if scope.kind == "app" for b in scope.bindings]
    groups = [app] + [
        [*app, *scope.bindings] if scope.kind == "pane" else list(scope.bindings)
        for scope in scopes
        if scope.kind != "app"
    ]
    for group in groups:
        for problem in _clashes(group, keymap):
            if problem not in problems:
                problems.append(problem)
    return problems


def _owners(group: list[Binding], keymap: Mapping[str, str]) -> dict[str, dict[str, Binding]]:
    """Key -> the bindings of ``group`` that answer it, by id, with ``keymap`` applied."""
    owners: dict[str, dict[str, Binding]] = {}
    for binding in group:
        assert binding.id is not None
        for key in _keys(keymap.get(binding.id, binding.key)):
            owners.setdefault(key, {})[binding.id] = binding
    return owners


def _unknown(binding_id: str, valid: list[str]) -> str:
    ending = [v for v in valid if v.rsplit(".", 1)[-1] == binding_id]
    close = ending or difflib.get_close_matches(binding_id, valid, 3, 0.6)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    return f"unknown binding id {binding_id!r} in ui.keys{hint}; valid ids are: {', '.join(valid)}"


def _clashes(group: list[Binding], keymap: Mapping[str, str]) -> list[str]:
    """Keys that a remap gives to a second binding of ``group``. Overlaps the defaults
    already have (a focused widget's key over the app's, by design) are not the user's."""
    before = {key: set(by_id) for key, by_id in _owners(group, {}).items()}
    problems: list[str] = []
    for key, by_id in _owners(group, keymap).items():
        remapped = [i for i in by_id if i in keymap]
        if len(by_id) < 2 or not remapped or set(by_id) <= before.get(key, set()):
            continue
        for mine in remapped:
            others = [f"{i!r} ({b.description or b.action})" for i, b in by_id.items() if i != mine]
            problems.append(
                f"key ui.keys.{mine} = {keymap[mine]!r} is not allowed: {key!r} is already "
                f"used by {', '.join(others)}; choose another key or remap that one too"
            )
    return problems
