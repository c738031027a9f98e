"""Words of the command line: tokens with their columns, numbers (``1.5k``, ``$500``), symbols
in any spelling, "did you mean" hints, and the error that points at a word."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tradeterm.domain.numbers import MAX_PRICE, MAX_QTY, MAX_VALUE

NUMBER_HINT = "write 0.5, 1500, 1,500, 1.5k or 2m"

_TOKEN = re.compile(r"[^\s@]+@[A-Za-z][\w.-]*|@|[^\s@]+")
"""A word, ``@``, or ``SYMBOL@VENUE`` (a venue starts with a letter; ``ETH@2000`` is a price)."""
_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)([km]?)", re.IGNORECASE)
_SCALE = {"": 0, "k": 3, "m": 6}  # powers of ten
#: The largest number each word of an order takes (``Reader.number`` names it).
_LIMITS = {"quantity": MAX_QTY, "quote value": MAX_VALUE}


class CommandError(ValueError):
    """What is wrong, where (0-based column of the offending word) and the form expected."""

    def __init__(self, message: str, position: int, expected: str) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.expected = expected

    def __str__(self) -> str:
        return f"{self.message} (column {self.position + 1}); expected: {self.expected}"


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    pos: int

    @property
    def word(self) -> str:
        return self.text.lower()


def suggest(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in candidates], 3, 0.6)
    originals = {c.lower(): c for c in candidates}
    if not close:
        return ""
    return "; did you mean " + " or ".join(f"'{originals[c]}'" for c in close) + "?"


def _compact(symbol: str) -> str:
    return re.sub(r"[/\-_:]", "", symbol).upper()


def resolve_symbol(text: str, symbols: Sequence[str]) -> str | None:
    """The known symbol ``text`` names (any case, with or without a separator, or a base that
    only one market trades), or None. Symbols listed on several venues are known as
    ``SYMBOL@VENUE``; a bare symbol names one only where one venue lists it."""
    wanted = _compact(text)
    for symbol in symbols:
        if _compact(symbol) == wanted:
            return symbol
    by_symbol = [s for s in symbols if _compact(s.partition("@")[0]) == wanted]
    if by_symbol:
        return by_symbol[0] if len(by_symbol) == 1 else None
    by_base = [s for s in symbols if s.split("/")[0].upper() == wanted]
    return by_base[0] if len(by_base) == 1 else None


def same_symbol(text: str, symbols: Sequence[str]) -> list[str]:
    """The symbols ``text`` could mean: those whose symbol (before any ``@VENUE``) or base
    it names; more than one makes it ambiguous."""
    wanted = _compact(text)
    return [
        s
        for s in symbols
        if _compact(s.partition("@")[0]) == wanted or s.split("/")[0].upper() == wanted
    ]


def shown(text: str, width: int = 24) -> str:
    """``text`` quoted for a message, cut to about ``width`` characters when longer."""
    return repr(text if len(text) <= width else text[: width - 4] + "…")


def parse_number(text: str) -> Decimal | None:
    """``0.5``, ``1,500``, ``1.5k``, ``2m`` as an exact Decimal (of any size: the caller
    checks its range), or None when it is not one."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    try:
        value = Decimal(match[1].replace(",", ""))
    except InvalidOperation:
        return None
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # the pattern matches finite numbers only
    zeros = (0,) * _SCALE[match[2].lower()]
    return Decimal((sign, digits + zeros, exponent))  # times 1000: exact, however long


def range_problem(what: str, value: Decimal) -> str | None:
    """Why ``value`` is too large for ``what`` (``quantity``, ``limit price``...), or None."""
    name = what.split(" after ", maxsplit=1)[0]
    limit = _LIMITS.get(name, MAX_PRICE)
    if value > limit:
        return f"{name} too large: at most {limit:,f}"
    return None


class Reader:
    """Walks the tokens of one line; every error it raises names the command's form."""

    def __init__(self, text: str, form: str) -> None:
        self.text = text
        self.tokens = [Token(m.group(), m.start()) for m in _TOKEN.finditer(text)]
        self.index = 1
        self.form = form

    def error(self, message: str, token: Token | None = None) -> CommandError:
        pos = token.pos if token is not None else len(self.text.rstrip())
        return CommandError(message, pos, self.form)

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, what: str) -> Token:
        token = self.peek()
        if token is None:
            raise self.error(f"missing {what}")
        self.index += 1
        return token

    def number(self, what: str) -> Decimal:
        token = self.take(what)
        value = parse_number(token.text)
        if value is None and token.text.startswith("-") and parse_number(token.text[1:]):
            raise self.error(f"{what} must be above zero, got {shown(token.text)}", token)
        if value is None:
            raise self.error(f"{what}: {shown(token.text)} is not a number; {NUMBER_HINT}", token)
        if value <= 0:
            raise self.error(f"{what} must be above zero, got {shown(token.text)}", token)
        if (problem := range_problem(what, value)) is not None:
            raise self.error(problem, token)
        return value

    def quantity(self, *, quote_ok: bool) -> tuple[Decimal | None, Decimal | None, Token]:
        """(base qty, quote value) from the next word; exactly one is set."""
        token = self.peek()
        if token is None:
            raise self.error(
                "missing quantity: 0.5 (base units)" + (" or $500" if quote_ok else "")
            )
        if token.text.startswith("$"):
            if not quote_ok:
                raise self.error("this command takes a base quantity (0.5), not a value", token)
            self.index += 1
            value = parse_number(token.text[1:])
            if value is None:
                raise self.error(
                    f"quote value: {shown(token.text)} is not a number; write $500 or $1.5k",
                    token,
                )
            if value <= 0:
                raise self.error(f"quote value must be above zero, got {token.text}", token)
            if (problem := range_problem("quote value", value)) is not None:
                raise self.error(problem, token)
            return None, value, token
        return self.number("quantity"), None, token

    def percent(self, side: str) -> Decimal:
        """A share from the next word: ``all`` (sells only) or ``N%`` with 0 < N <= 100."""
        token = self.take("quantity")
        if token.word == "all":
            if side != "sell":
                raise self.error(
                    "buy all is not a size: write buy 100% to spend all the free quote", token
                )
            return Decimal(100)
        value = parse_number(token.text[:-1])
        if value is None:
            what = f"quantity as a share: {token.text!r} is not a percentage"
            raise self.error(f"{what}; write 50% or 100%", token)
        if not 0 < value <= 100:
            what = "quantity as a share must be above 0% and at most 100%"
            raise self.error(f"{what}, got {token.text}", token)
        return value

    def done(self) -> None:
        token = self.peek()
        if token is not None:
            raise self.error(f"unexpected {token.text!r}", token)
