"""The packed columns of a ``CandleSeries``: open times as whole minutes and each field as
integer coefficients with their exponent (see ``candle_series`` for why and how)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from decimal import Decimal

INT32 = 2**31
_MINUTE_MS = 60_000
_MAX_DIGITS = 18
_MIXED = -(2**30)
"""``Column.exp`` when the column's values do not share one exponent (see ``exps``)."""
ASIDE = -128
"""A per-value exponent meaning: the value is in the series' ``aside`` map."""


class Times:
    """Open times in milliseconds, held as whole minutes in 4 bytes each while every one is
    a whole minute that fits (one-minute bars are), else as milliseconds in 8."""

    __slots__ = ("unit", "values")

    def __init__(self) -> None:
        self.values = array("i")
        self.unit = _MINUTE_MS

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, index: int) -> int:
        return self.values[index] * self.unit

    def copy(self, start: int) -> Times:
        times = Times()
        times.values, times.unit = self.values[start:], self.unit
        return times

    def drop(self, count: int) -> None:
        del self.values[:count]

    def extend(self, stamps: Iterable[int]) -> None:
        for stamp in stamps:
            self.append(stamp)

    def append(self, stamp: int) -> None:
        if self.unit == _MINUTE_MS:
            minutes, rest = divmod(stamp, _MINUTE_MS)
            if not rest and -INT32 <= minutes < INT32:
                self.values.append(minutes)
                return
            self.values = array("q", (value * _MINUTE_MS for value in self.values))
            self.unit = 1
        self.values.append(stamp)


class Column:
    """One field's packed values: ``digits[i] * 10 ** exp`` (or ``exps[i]`` when mixed)."""

    __slots__ = ("digits", "exp", "exps")

    def __init__(self) -> None:
        self.digits = array("i")
        self.exp: int | None = None
        """The shared exponent; None while empty; ``_MIXED`` once the values differ."""
        self.exps: array[int] | None = None

    def copy(self, start: int) -> Column:
        column = Column()
        column.digits = self.digits[start:]
        column.exp = self.exp
        column.exps = None if self.exps is None else self.exps[start:]
        return column

    def drop(self, count: int) -> None:
        del self.digits[:count]
        if self.exps is not None:
            del self.exps[:count]

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]

    def push(self, coefficient: int, exp: int) -> None:
        if exp != self.exp:
            if self.exp is None:
                self.exp = exp
            elif self.exps is None:
                self.exps = array("b", [self.exp]) * len(self.digits)
                self.exp = _MIXED
        if self.exps is not None:
            self.exps.append(exp)
        if self.digits.typecode == "i" and not -INT32 <= coefficient < INT32:
            self.digits = array("q", self.digits)
        self.digits.append(coefficient)

    def value(self, index: int) -> Decimal | None:
        """The Decimal at ``index``, or None when it was put aside."""
        exp = self.exp if self.exps is None else self.exps[index]
        if exp == ASIDE:
            return None
        assert exp is not None
        return Decimal(self.digits[index]).scaleb(exp)


def split(value: Decimal) -> tuple[int, int] | None:
    """``value`` as (coefficient, exponent), or None when it cannot be packed (not a Decimal,
    e.g. an int a caller put in a candle, is kept aside as it is)."""
    if type(value) is not Decimal:
        return None
    sign, digits, exp = value.as_tuple()
    if not isinstance(exp, int) or len(digits) > _MAX_DIGITS or not -127 <= exp <= 127:
        return None
    coefficient = int(value.scaleb(-exp))
    if coefficient == 0 and sign:
        return None  # -0
    return coefficient, exp
