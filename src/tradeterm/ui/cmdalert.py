"""The command line's alert words: ``alert [repeat] [SYMBOL] CONDITION``, ``alert remove ID``,
``unalert ID`` and ``alerts``, parsed into commands with errors that point at the word.

A condition is a price level (``> 70000``, ``<= 1.5k``: ``> >= < <=`` on the last trade price)
or any scanner filter (``rsi < 25``, ``chg_1h > 3 and vol_z > 2``), checked with the filter's
own parser: nothing is evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tradeterm.analysis.filter import ALIASES, FilterError, compile_filter
from tradeterm.analysis.scanner import COLUMN_NAMES
from tradeterm.ui.cmdwords import (
    NUMBER_HINT,
    Reader,
    Token,
    parse_number,
    range_problem,
    resolve_symbol,
    shown,
    suggest,
)

ALERT_FORM = (
    "alert [repeat] [SYMBOL] > PRICE | < PRICE | FILTER (e.g. alert ETH/USDT rsi < 25); "
    "alert remove ID"
)
ALERT_FORMS = {
    "alert": ALERT_FORM,
    "alerts": "alerts (shows the alerts pane)",
    "unalert": "unalert ID (the alerts pane shows ids)",
}

_PRICE_OP = re.compile(r"(>=|<=|>|<)\s*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONDITION_WORDS = frozenset({*COLUMN_NAMES, *ALIASES, "not"})
_REMOVE_WORDS = ("remove", "rm", "delete", "del")


@dataclass(frozen=True, slots=True)
class AddAlert:
    """Watch ``symbol`` for ``condition`` (a price level or a scanner filter)."""

    symbol: str
    condition: str
    repeat: bool = False


@dataclass(frozen=True, slots=True)
class RemoveAlert:
    """Remove one alert by its id."""

    alert_id: str


@dataclass(frozen=True, slots=True)
class ShowAlerts:
    """Show and focus the alerts pane."""


def parse_alert_command(
    reader: Reader, verb: str, symbols: Sequence[str], active: str
) -> AddAlert | RemoveAlert | ShowAlerts:
    """The rest of an ``alert``, ``alerts`` or ``unalert`` line (the verb was read).

    Raises:
        CommandError: the words are not an alert command; the error points at the word.
    """
    if verb == "alerts":
        reader.done()
        return ShowAlerts()
    if verb == "unalert":
        return _remove(reader)
    first = reader.peek()
    if first is not None and first.word in _REMOVE_WORDS:
        reader.index += 1
        return _remove(reader)
    repeat = first is not None and first.word == "repeat"
    if repeat:
        reader.index += 1
    token = reader.peek()
    if token is None:
        raise reader.error("missing condition: a price (> 70000) or a filter (rsi < 25)")
    symbol = active
    if not _starts_condition(token):
        resolved = resolve_symbol(token.text, symbols)
        several = [s for s in symbols if s.split("/")[0] == token.text.upper()]
        if resolved is None and several:
            raise reader.error(f"{token.text!r} is ambiguous: {' or '.join(several)}", token)
        if resolved is None:
            hint = suggest(token.text, [*symbols, *sorted(_CONDITION_WORDS)])
            raise reader.error(f"{token.text!r} is not a symbol or a scanner column{hint}", token)
        symbol = resolved
        reader.index += 1
        token = reader.peek()
        if token is None:
            raise reader.error(
                f"missing condition for {symbol}: a price (> 70000) or a filter (rsi < 25)"
            )
    if not symbol:
        raise reader.error("no symbol given and none is active", token)
    condition = _condition(reader, token)
    return AddAlert(symbol, condition, repeat)


def _remove(reader: Reader) -> RemoveAlert:
    token = reader.take("alert id (the alerts pane shows ids)")
    reader.done()
    return RemoveAlert(token.text)


def _starts_condition(token: Token) -> bool:
    """Whether a word begins a condition (an operator, a number, a column...), not a symbol."""
    text = token.text
    if text[0] in "<>=!(\"'.-0123456789":
        return True
    word = _WORD.match(text)
    return word is not None and word.group().lower() in _CONDITION_WORDS


def _condition(reader: Reader, token: Token) -> str:
    """The condition from ``token`` to the end: a price level in canonical form
    (``> 70000``), or a scanner filter as typed once it compiled."""
    start = token.pos
    text = reader.text[start:].strip()
    reader.index = len(reader.tokens)
    op = _PRICE_OP.match(text)
    number = text[op.end() :] if op is not None else ""
    if op is not None and number.lower() in _CONDITION_WORDS:  # "> rsi": a column, no price
        raise reader.error(
            f"price: {shown(number)} is not a number above zero; a filter names its column "
            f"first ({number.lower()} {op.group(1)} 5)",
            Token(number, start + op.end()),
        )
    if op is not None and not (set(number) & set(" \t")):
        value = parse_number(number)
        if value is None or value <= 0:
            pos = start + op.end()
            if not number:
                raise reader.error(f"missing price after {op.group(1)}")
            raise reader.error(
                f"price: {shown(number)} is not a number above zero; {NUMBER_HINT}",
                Token(number, pos),
            )
        if (problem := range_problem("price", value)) is not None:
            raise reader.error(problem, Token(number, start + op.end()))
        return f"{op.group(1)} {value.normalize():f}"
    try:
        compile_filter(text)
    except FilterError as exc:
        message = str(exc).replace(f" at {exc.position}", "", 1)
        raise reader.error(f"condition: {message}", Token(text, start + exc.position)) from None
    return text
