"""The start form's fields and parsing, read from a strategy's parameter model.

``form_fields`` lists one ``ParamField`` per parameter (its name, default, what is
allowed, and its docstring as help); ``parse_params`` turns the texts typed into the
strategy's parameters, or raises ``FormError`` naming each wrong field with what it
allows, in words (pydantic's errors translated; never a traceback).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

import annotated_types as at
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from tradeterm.config.settings import StrategyEntry
from tradeterm.domain.errors import TradetermError
from tradeterm.strategies.base import StrategyParams

_NONE_WORDS = ("none", "off", "-")
_LIST_KINDS = (list, tuple, set, frozenset)
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
NAME_ALLOWED = "1 to 40 letters, digits, _ . or -"


@dataclass(frozen=True, slots=True)
class ParamField:
    """One parameter as the form shows it."""

    name: str
    default: str
    """The default as text ("" for none)."""
    allowed: str
    """What the field takes, in words: ``whole number, 2 to 200``, ``one of: mid, micro``."""
    help: str
    """The field's docstring."""


class FormError(TradetermError):
    """The form's values are wrong; ``problems`` has one (field, message) per wrong field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))
        self.problems = problems


def _base_type(annotation: Any) -> tuple[Any, bool]:
    """The field's type without ``| None`` (and whether None is allowed)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        inner = args[0] if len(args) == 1 else annotation
        if typing.get_origin(inner) is typing.Annotated:
            inner = typing.get_args(inner)[0]
        return inner, optional
    return annotation, False


def _is_list(kind: Any) -> bool:
    return typing.get_origin(kind) in _LIST_KINDS or kind in _LIST_KINDS


def _bounds(field: FieldInfo, annotation: Any) -> list[str]:
    metadata = list(field.metadata)
    if typing.get_origin(annotation) is typing.Annotated:
        for extra in typing.get_args(annotation)[1:]:
            metadata.extend(getattr(extra, "metadata", [extra]))
    words = []
    for item in metadata:
        if isinstance(item, at.Gt):
            words.append(f"above {item.gt}")
        elif isinstance(item, at.Ge):
            words.append(f"at least {item.ge}")
        elif isinstance(item, at.Lt):
            words.append(f"below {item.lt}")
        elif isinstance(item, at.Le):
            words.append(f"at most {item.le}")
    return words


def _choices(kind: Any) -> list[str] | None:
    if typing.get_origin(kind) is typing.Literal:
        return [str(v) for v in typing.get_args(kind)]
    if isinstance(kind, type) and issubclass(kind, Enum):
        return [str(member.value) for member in kind]
    return None


def allowed_text(field: FieldInfo) -> str:
    """What ``field`` takes, in words."""
    kind, optional = _base_type(field.annotation)
    extra = ", or none" if optional else ""
    if _is_list(kind):
        args = typing.get_args(kind)
        inner = _choices(args[0]) if args else None
        listed = f" of: {', '.join(inner)}" if inner else ""
        return f"a list separated by commas{listed}{extra}"
    choices = _choices(kind)
    if choices is not None:
        return f"one of: {', '.join(choices)}{extra}"
    names = {int: "whole number", Decimal: "number", float: "number", bool: "yes or no"}
    words = [names.get(kind, "text")]
    bounds = _bounds(field, field.annotation)
    if bounds:
        words.append(" and ".join(bounds))
    for item in field.metadata:
        pattern = getattr(item, "pattern", None)
        if pattern == r"^[1-9][0-9]*[smhd]$":
            words = ["a number and s, m, h or d (10s, 1m, 4h, 1d)"]
    return ", ".join(words) + extra


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_text(v) for v in value)
    return str(value)


def form_fields(
    model: type[StrategyParams], values: Mapping[str, Any] | None = None
) -> list[ParamField]:
    """One field per parameter of ``model``; ``values`` (a config entry's ``params``) replace
    the defaults shown where they name a field."""
    values = values or {}
    fields = []
    for name, info in model.model_fields.items():
        default = values[name] if name in values else info.get_default(call_default_factory=True)
        fields.append(ParamField(name, _text(default), allowed_text(info), _help(info.description)))
    return fields


def _help(docstring: str | None) -> str:
    return " ".join((docstring or "").replace("``", "").split())


def entry_for(kind: str, entries: Iterable[StrategyEntry]) -> StrategyEntry | None:
    """The first config entry of ``kind`` (its params pre-fill the form), or None."""
    return next((entry for entry in entries if entry.kind == kind), None)


def _value(info: FieldInfo, text: str) -> Any:
    kind, optional = _base_type(info.annotation)
    if optional and text.lower() in _NONE_WORDS:
        return None
    if _is_list(kind):
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind is bool:
        lowered = text.lower()
        if lowered in ("yes", "y", "true", "on", "1"):
            return True
        if lowered in ("no", "n", "false", "off", "0"):
            return False
    return text


_WORDS = {
    "greater_than": "must be above {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be below {lt}",
    "less_than_equal": "must be at most {le}",
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "decimal_parsing": "is not a number",
    "float_parsing": "is not a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "say yes or no",
    "string_pattern_mismatch": "has the wrong form",
    "literal_error": "is not one of the choices",
    "enum": "is not one of the choices",
}


def _say(error: Mapping[str, Any]) -> str:
    template = _WORDS.get(str(error["type"]))
    if template is not None:
        try:
            return template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            pass
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def parse_params(model: type[StrategyParams], texts: Mapping[str, str]) -> StrategyParams:
    """The parameters the form's ``texts`` give (by field name; an empty text keeps the
    default).

    Raises:
        FormError: each wrong field, with what was wrong and what it allows.
    """
    fields = model.model_fields
    values: dict[str, Any] = {}
    for name, text in texts.items():
        if name not in fields:
            raise FormError([(name, f"is not a parameter; they are: {', '.join(fields)}")])
        if text.strip():
            values[name] = _value(fields[name], text.strip())
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for error in exc.errors():
            loc = error["loc"]
            name = str(loc[0]) if loc else "parameters"
            said = _say(error)
            if name in fields:
                said += f" (allowed: {allowed_text(fields[name])})"
            if (name, said) not in problems:
                problems.append((name, said))
        raise FormError(problems) from None


def check_name(name: str, taken: Iterable[str]) -> str:
    """``name`` stripped, if it can name a new instance. Raises FormError saying why not."""
    name = name.strip()
    if not NAME_RE.fullmatch(name):
        raise FormError([("name", f"{name!r} is not a name: use {NAME_ALLOWED}")])
    if name in taken:
        raise FormError([("name", f"{name!r} is running already: choose another name")])
    return name


def fresh_name(kind: str, symbol: str, taken: Iterable[str]) -> str:
    """``kind-base`` (``grid-btc``), with ``-2``, ``-3``... when that is taken."""
    base = re.sub(r"[^a-z0-9_.-]", "", symbol.split("/", maxsplit=1)[0].lower()) or "x"
    stem = f"{kind}-{base}"[:36]
    used = set(taken)
    name, n = stem, 1
    while name in used:
        n += 1
        name = f"{stem}-{n}"
    return name
