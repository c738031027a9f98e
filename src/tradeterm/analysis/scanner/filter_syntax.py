"""The filter language's syntax: tokens, the syntax tree and a recursive-descent parser."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tradeterm.analysis.scanner.columns import COLUMN_INFO, COLUMN_NAMES
from tradeterm.domain.errors import TradetermError

ALIASES = {"vol": "vol_24h", "chg": "chg_24h", "spread": "spread_bps"}
MAX_DEPTH = 50  # nested parentheses and nots
_PERCENT_UNITS = ("%", "0-100")
_SUFFIXES = {"%": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}
_NUMERIC_OPS = ("<", "<=", ">", ">=", "==", "!=")
_TEXT_OPS = ("==", "!=", "~", "!~")
_ALL_OPS = (*_NUMERIC_OPS, "~", "!~", "=")
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_HINTS = {"&": "and", "&&": "and", "|": "or", "||": "or", "!": "not"}
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<op><=|>=|==|!=|!~|&&|\|\||[<>=~()&|!])""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


class FilterError(TradetermError, ValueError):
    """A filter that cannot be read; ``position`` is where the bad token starts (0-based)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position

    def caret(self, text: str) -> str:
        """``text`` and a second line with ``^`` under the bad token, for the UI."""
        shown = text.replace("\n", " ").replace("\r", " ")
        pad = "".join("\t" if ch == "\t" else " " for ch in shown[: self.position])
        return f"{shown}\n{pad}^"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind (``number string name op end``), text, value and position."""

    kind: str
    text: str
    position: int
    value: float | str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Column:
    """A column, by its canonical name (aliases resolved)."""

    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Number:
    """A number; ``suffix`` is the ``%``, ``k``, ``m`` or ``b`` written after it, if any."""

    value: float
    position: int
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    """A quoted string, escapes resolved."""

    value: str
    position: int


Operand = Column | Number | Text


@dataclass(frozen=True, slots=True)
class Compare:
    """``column op right``, normalised so that a column is on the left."""

    op: str
    left: Column
    right: Number | Text | Column
    position: int


@dataclass(frozen=True, slots=True)
class And:
    """True when every part is."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """True when any part is."""

    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """True when its part is not."""

    part: Node


@dataclass(frozen=True, slots=True)
class Everything:
    """The empty filter."""


Node = Compare | And | Or | Not | Everything


def _describe(token: Token) -> str:
    return "the end of the filter" if token.kind == "end" else f"'{token.text}'"


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of ``text``, left to right, ending with an ``end`` token.

    Tokens are produced on demand, so the parser reports the leftmost mistake whether it is
    a bad character or a misplaced token.

    Raises:
        FilterError: a character that starts no token, an unclosed string, a number run
            into letters, or ``&``/``|``/``!`` used for and/or/not.
    """
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            char = text[at]
            if char in "\"'":
                raise FilterError(f"unclosed string {char}...{char} at {at}", at)
            raise FilterError(f"unexpected character {char!r} at {at}", at)
        kind = match.lastgroup or ""
        piece = match.group()
        at = match.end()
        if kind == "number":
            token = _number(text, match, match.start())
            at += len(token.suffix)
            yield token
        elif kind == "op" and piece in _HINTS:
            start = match.start()
            raise FilterError(f"unexpected '{piece}' at {start}; write '{_HINTS[piece]}'", start)
        elif kind == "string":
            yield Token("string", piece, match.start(), _ESCAPE.sub(r"\1", piece[1:-1]))
        elif kind == "name" and piece.lower() in ("and", "or", "not"):
            yield Token(piece.lower(), piece, match.start())
        elif kind != "space":
            yield Token(kind, piece, match.start(), piece)
    yield Token("end", "", len(text))


def _number(text: str, match: re.Match[str], at: int) -> Token:
    end = match.end()
    suffix = text[end : end + 1]
    if suffix.lower() not in _SUFFIXES:
        suffix = ""
    after = end + len(suffix)
    if after < len(text) and (text[after].isalnum() or text[after] in "_.%"):
        tail = re.match(r"[\w.%]+", text[after:])
        junk = tail.group() if tail else text[after]
        raise FilterError(f"unexpected '{junk}' after the number at {after}", after)
    value = float(match.group()) * _SUFFIXES.get(suffix.lower(), 1.0)
    if not math.isfinite(value):
        shown = match.group() if len(match.group()) <= 24 else match.group()[:20] + "…"
        raise FilterError(f"number '{shown}{suffix}' at {at} is too large (at most 1e308)", at)
    return Token("number", match.group() + suffix, at, value, suffix)


class _Parser:
    """Recursive descent: or_expr := and_expr (or and_expr)*; and_expr := not_expr (and
    not_expr)*; not_expr := not not_expr | '(' or_expr ')' | comparison; comparison :=
    operand (op operand)+."""

    def __init__(self, text: str) -> None:
        self.source = tokenize(text)
        self.tokens: list[Token] = [next(self.source)]
        self.at = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def advance(self) -> None:
        self.at += 1
        if self.at == len(self.tokens):
            self.tokens.append(next(self.source))

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.advance()
        return token

    def parse(self) -> Node:
        if self.token.kind == "end":
            return Everything()
        node = self.or_expr()
        token = self.token
        if token.kind != "end":
            if token.kind == "op" and token.text == ")":
                raise FilterError(f"unmatched ')' at {token.position}", token.position)
            raise FilterError(
                f"expected 'and' or 'or' at {token.position}, got {_describe(token)}",
                token.position,
            )
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.token.kind == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        parts: list[Node] = []
        while True:
            part = self.not_expr()
            parts.extend(part.parts if isinstance(part, And) else (part,))
            if self.token.kind != "and":
                break
            self.take()
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_expr(self) -> Node:
        token = self.token
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError(
                f"too deeply nested at {token.position} (at most {MAX_DEPTH} levels)",
                token.position,
            )
        try:
            if token.kind == "not":
                self.take()
                return Not(self.not_expr())
            if token.kind == "op" and token.text == "(":
                self.take()
                node = self.or_expr()
                if not (self.token.kind == "op" and self.token.text == ")"):
                    if self.token.kind == "end":
                        raise FilterError(f"unclosed '(' at {token.position}", token.position)
                    raise FilterError(
                        f"expected ')' at {self.token.position}, got {_describe(self.token)}",
                        self.token.position,
                    )
                self.take()
                return node
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Node:
        previous = self.at - 1
        before = f" after '{self.tokens[previous].text}'" if previous >= 0 else ""
        left = self.operand(f"expected a comparison{before}", None, "")
        if not (self.token.kind == "op" and self.token.text in _ALL_OPS):
            token = self.token
            what = _describe(self.tokens[self.at - 1])
            raise FilterError(
                f"expected a comparison operator after {what} at {token.position}, got "
                f"{_describe(token)} (e.g. rsi < 30)",
                token.position,
            )
        comparisons: list[Compare] = []
        while self.token.kind == "op" and self.token.text in _ALL_OPS:
            op_token = self.take()
            op = "==" if op_token.text == "=" else op_token.text
            right = self.operand(
                f"expected {_wanted(left)} after '{op_token.text}'", left, op_token.text
            )
            comparisons.append(_compare(left, op, right, op_token.position))
            left = right
        return comparisons[0] if len(comparisons) == 1 else And(tuple(comparisons))

    def operand(self, expected: str, other: Operand | None, op: str) -> Operand:
        token = self.token
        if token.kind == "name":
            if isinstance(other, Column) and COLUMN_INFO[other.name].kind == "text":
                raise FilterError(
                    f"expected a quoted string after '{op}' at {token.position} "
                    f'({other.name} is text: write "{token.text}")',
                    token.position,
                )
            self.take()
            return Column(_column(token), token.position)
        if token.kind == "number":
            self.take()
            assert isinstance(token.value, float)
            return Number(token.value, token.position, token.suffix)
        if token.kind == "string":
            self.take()
            return Text(str(token.value), token.position)
        raise FilterError(f"{expected} at {token.position}, got {_describe(token)}", token.position)


def _wanted(left: Operand) -> str:
    if isinstance(left, Column):
        return "a quoted string" if COLUMN_INFO[left.name].kind == "text" else "a number"
    return "a column"


def _column(token: Token) -> str:
    name = token.text.lower()
    name = ALIASES.get(name, name)
    if name in COLUMN_INFO:
        return name
    choices = [*COLUMN_NAMES, *ALIASES]
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    aliases = ", ".join(f"{a} = {c}" for a, c in ALIASES.items())
    raise FilterError(
        f"unknown column '{token.text}' at {token.position}{hint}; columns: "
        f"{', '.join(COLUMN_NAMES)} (aliases: {aliases})",
        token.position,
    )


def _compare(left: Operand, op: str, right: Operand, position: int) -> Compare:
    """Check the types of one comparison and put its column on the left."""
    if not isinstance(left, Column):
        if not isinstance(right, Column):
            raise FilterError(
                f"'{op}' at {position} compares two values; one side must be a column",
                position,
            )
        if op in ("~", "!~"):
            raise FilterError(
                f"'{op}' at {position} needs the column on its left (symbol ~ \"ETH\")",
                position,
            )
        left, right, op = right, left, _FLIP[op]
    kind = COLUMN_INFO[left.name].kind
    if kind == "text":
        if op not in _TEXT_OPS:
            raise FilterError(
                f"{left.name} is text: compare it with ==, !=, ~ or !~ and a quoted string "
                f"('{op}' at {position})",
                position,
            )
        if not isinstance(right, Text):
            where = right.position
            raise FilterError(
                f"expected a quoted string after '{op}' at {where} ({left.name} is text)",
                where,
            )
        return Compare(op, left, right, position)
    if op not in _NUMERIC_OPS:
        raise FilterError(f"'{op}' at {position} matches text; {left.name} is a number", position)
    if isinstance(right, Text) or (
        isinstance(right, Column) and COLUMN_INFO[right.name].kind == "text"
    ):
        raise FilterError(
            f"expected a number after '{op}' at {right.position} ({left.name} is a number)",
            right.position,
        )
    if isinstance(right, Number) and right.suffix == "%":
        unit = COLUMN_INFO[left.name].unit
        if unit not in _PERCENT_UNITS:
            raise FilterError(
                f"'%' at {right.position} does not apply to {left.name} ({unit or 'a count'}); "
                "write the plain number",
                right.position,
            )
    return Compare(op, left, right, position)


def parse(text: str) -> Node:
    """The syntax tree of ``text`` (``Everything`` for a blank text).

    Raises:
        FilterError: the text is not a valid filter.
    """
    return _Parser(text).parse()
