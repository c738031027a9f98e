"""Reading, validating and writing config.toml; errors name the key and what is allowed."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from tradeterm.config.settings import Settings
from tradeterm.domain.errors import ConfigError

KeyCheck = Callable[[Mapping[str, str]], list[str]]
"""Checks ``[ui] keys`` against the app's bindings (the UI knows them; config does not):
returns one line per problem, empty when every remap is fine."""


def load_config(
    path: Path | None, default_path: Path, check_keys: KeyCheck | None = None
) -> tuple[Settings, Path]:
    """Load and validate a config file.

    With ``path`` None, ``default_path`` is used when it exists, and the defaults
    otherwise (without importing the schema: see ``settings.py``). Returns the settings
    and the path they belong to (where changes, such as the chosen theme, are saved).

    Args:
        check_keys: also check the key remaps (the workstation passes one; headless
            commands, which open no screen, do not).

    Raises:
        ConfigError: unreadable TOML, or values that are not allowed (all of them at once).
    """
    target = path or default_path
    if not target.exists():
        if path is not None:
            raise ConfigError(
                f"config file {path} does not exist; create one with `tradeterm init`"
            )
        return Settings(), target
    try:
        raw = tomllib.loads(target.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {target} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {target} cannot be read: {exc}") from None
    return parse_config(raw, target, check_keys), target


def parse_config(
    raw: dict[str, Any], source: Path | str, check_keys: KeyCheck | None = None
) -> Settings:
    """Validate a parsed TOML document. Raises ConfigError naming every bad key at once."""
    from pydantic import ValidationError

    from tradeterm.config.models import Config, flatten_keys

    problems: list[str] = []
    settings: Settings | None = None
    try:
        settings = Config.model_validate(raw).to_settings()
    except ValidationError as exc:
        problems += [describe_problem(error) for error in exc.errors()]
    if check_keys is not None:
        keys = settings.ui.keys if settings is not None else _raw_keys(raw, flatten_keys)
        problems += check_keys(keys)
    if problems or settings is None:
        raise ConfigError(describe_problems(problems, source))
    if isinstance(source, Path):  # a replay's files are found from the config file's folder
        settings = settings.files_from(source.parent)
    return settings


def _raw_keys(raw: dict[str, Any], flatten: Callable[[Any], Any]) -> dict[str, str]:
    """The ``[ui] keys`` remaps that are well formed, from a file that failed elsewhere."""
    ui = raw.get("ui")
    keys = flatten(ui.get("keys")) if isinstance(ui, dict) else None
    if not isinstance(keys, dict):
        return {}
    return {k: v for k, v in keys.items() if isinstance(v, str)}


def describe_problems(problems: list[str], source: Path | str) -> str:
    """Every problem, each naming the key, the value and what is allowed."""
    tail = "See config.toml.example for every key."
    if len(problems) == 1:
        return f"config error in {source}: {problems[0]}. {tail}"
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return f"config error in {source}: {len(problems)} problems:\n{lines}\n{tail}"


def describe_problem(error: Any) -> str:
    """One validation error: which key, what value, what is allowed."""
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        parent = ".".join(str(p) for p in error["loc"][:-1])
        allowed = _allowed_keys(parent)
        where = f"[{parent}]" if parent else "the top level"
        return f"unknown key {key!r} in {where}; allowed keys are: {allowed}"
    value = error.get("input")
    if isinstance(value, dict) and error["type"] == "value_error":
        # a check across a whole table: its message names what is wrong, not the table dump
        return _allowed(error) if not error["loc"] else f"[{key}]: {_allowed(error)}"
    shown = "missing" if error["type"] == "missing" else repr(value)
    return f"key {key} = {shown} is not allowed: {_allowed(error)}"


def _allowed(error: Any) -> str:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return f"expected {ctx['expected']}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[0].lower() + message[1:] if message else "invalid value"


def _allowed_keys(section: str) -> str:
    from tradeterm.config.models import Config

    model: Any = Config
    for part in section.split("."):
        if not part:
            continue
        if part.isdigit():
            continue
        field = model.model_fields.get(part)
        if field is None:
            break
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        model = args[0] if args and hasattr(args[0], "model_fields") else annotation
    return ", ".join(getattr(model, "model_fields", {}))


def to_toml_data(settings: Settings) -> dict[str, Any]:
    """The settings as plain TOML-writable data (Decimals as strings, enums as values)."""
    data: dict[str, Any] = _plain(asdict(settings))
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if v is not None}  # TOML has no null
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def write_toml(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: a crash mid-write never leaves a half config behind."""
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def save_setting(path: Path, section: str, key: str, value: Any) -> None:
    """Change one key in the config file, keeping everything else, comments included.

    Creates the file if needed. The line ``key = ...`` in ``[section]`` is
    replaced (or added); if the edited text would not parse to the intended
    data, the whole file is rewritten instead (values kept, comments lost).

    Raises:
        ConfigError: the existing file cannot be read or the new value is not allowed.
    """
    import tomli_w

    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
            data: dict[str, Any] = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot update {path}: {exc}") from None
    else:
        data = {}
    data.setdefault(section, {})[key] = value
    parse_config(data, path)
    line = tomli_w.dumps({key: value}).strip()
    edited = _set_line(text, section, key, line)
    try:
        same = tomllib.loads(edited) == data
    except tomllib.TOMLDecodeError:
        same = False
    if not same:
        write_toml(path, data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(edited, encoding="utf-8")
    os.replace(tmp, path)


def _set_line(text: str, section: str, key: str, line: str) -> str:
    lines = text.splitlines()
    header = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]\s*(#.*)?$")
    any_header = re.compile(r"^\s*\[")
    assignment = re.compile(rf"^\s*{re.escape(key)}\s*=")
    start = next((i for i, row in enumerate(lines) if header.match(row)), None)
    if start is None:
        tail = "" if not text or text.endswith("\n") else "\n"
        return f"{text}{tail}\n[{section}]\n{line}\n"
    end = next((i for i in range(start + 1, len(lines)) if any_header.match(lines[i])), len(lines))
    for i in range(start + 1, end):
        if assignment.match(lines[i]):
            lines[i] = line
            break
    else:
        lines.insert(start + 1, line)
    return "\n".join(lines) + "\n"
