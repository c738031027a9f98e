"""Exact money arithmetic: Decimal parsing, rounding to ticks and lots, display formatting.

Every helper here takes any Decimal a user can type or a venue can send (huge, tiny, with
an exponent of a billion, negative zero, NaN, infinite) and answers without raising
``decimal.InvalidOperation``: rounding and multiples are exact (plain Decimal arithmetic in
a context that refuses to round, else integers of any length), and display forms fall back
to a short scientific form (``1.00e30``) for numbers too large to write out.
"""

from __future__ import annotations

import math
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)

ZERO = Decimal(0)
ONE = Decimal(1)

#: The largest price (limit, trigger, trail, take-profit, stop-loss) tradeterm accepts: far
#: above any quote, and small enough that price times quantity stays far inside Decimal's
#: range (the checks refuse larger numbers before any arithmetic).
MAX_PRICE = Decimal("1e15")
#: The largest order quantity, where a market states no maximum of its own.
MAX_QTY = Decimal("1e15")
#: The largest order value in quote currency (``$500`` sizing).
MAX_VALUE = Decimal("1e15")
#: Numbers at or above this are shown in the short form ``1.00e30``, not written out.
WRITE_OUT_BELOW = Decimal("1e15")
#: Rounding refuses (ValueError) a value this many digits larger than its step whose answer
#: is not exact in 28 digits, such as ``1e999999999 + 0.05`` to a tick of 0.1.
MAX_STEP_DIGITS = 1000

#: Plain Decimal arithmetic that refuses to round: any answer it gives is exact.
_EXACT = Context(
    prec=28,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[Inexact, InvalidOperation, Overflow, DivisionByZero],
)

_CACHE: dict[str, Decimal] = {}
_CACHE_LIMIT = 200_000


def dec(value: str | int | float | Decimal) -> Decimal:
    """Parse a number exactly: strings keep their digits, floats go through ``repr``.

    Raises:
        ValueError: when the value is not a finite number.
    """
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(repr(value) if isinstance(value, float) else value)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def dec_cached(text: str) -> Decimal:
    """Parse a price string from a feed, memoised: the same levels are quoted again and again.

    Raises:
        ValueError: like ``dec``, for text that is not a finite number.
    """
    value = _CACHE.get(text)
    if value is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        value = _CACHE[text] = dec(text)
    return value


def _coefficient(value: Decimal) -> tuple[int, int, int, int]:
    """(sign, coefficient, exponent, digits in the coefficient) of a finite Decimal:
    value = ±coefficient * 10**exponent."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return sign, int(Decimal((0, digits, 0))), exponent, len(digits)


def _power_of_ten(n: int) -> int:
    result: int = 10**n
    return result


def _step_parts(step: Decimal) -> tuple[int, int]:
    if not step.is_finite() or step <= 0:
        raise ValueError(f"a step must be a number above zero, got {step}")
    _, coefficient, exponent, _ = _coefficient(step)
    return coefficient, exponent


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """True when ``value`` is a whole number of ``step``; False for NaN, infinities and a step
    that is not above zero. Exact for any size of either."""
    if not value.is_finite() or not step.is_finite() or step <= 0:
        return False
    try:  # plain Decimal arithmetic when exact in 28 digits: the usual case, and fast
        return not _EXACT.remainder(value, step)
    except ArithmeticError:  # the signals (Inexact, DivisionImpossible...) are ArithmeticErrors
        pass
    if not value:
        return True
    _, m1, e1, length = _coefficient(value)
    m2, e2 = _step_parts(step)
    shift = e1 - e2
    if shift >= 0:
        # 10**shift only adds factors 2 and 5, and m2 holds fewer of each than it has bits
        return bool(m1 * _power_of_ten(min(shift, m2.bit_length())) % m2 == 0)
    if -shift > length:  # |value| < step: only zero is a multiple
        return False
    return bool(m1 % (m2 * _power_of_ten(-shift)) == 0)


def _to_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    """``value`` rounded to a whole number of ``step`` with ``rounding``, exactly.

    Raises:
        ValueError: ``value`` is not finite, ``step`` is not above zero, or the value is more
            than ``MAX_STEP_DIGITS`` digits larger than the step.
    """
    if not value.is_finite():
        raise ValueError(f"cannot round {value} to a step")
    if step.is_finite() and step > 0:
        try:  # plain Decimal arithmetic when exact in 28 digits: the usual case, and fast
            steps = _EXACT.divide(value, step).to_integral_value(rounding, _EXACT)
            return _EXACT.multiply(steps, step)
        except ArithmeticError:
            pass
    m2, e2 = _step_parts(step)
    sign, m1, e1, length = _coefficient(value)
    shift = e1 - e2
    if value.adjusted() - step.adjusted() > MAX_STEP_DIGITS:
        raise ValueError(f"{value:.2e} is too large to round to {step}")
    if not m1:
        whole, rest = 0, 0
    elif shift >= 0:
        whole, rest = divmod(m1 * _power_of_ten(shift), m2)
    elif -shift > length + len(str(m2)):
        whole, rest = 0, 1  # 0 < |value| < step
    else:
        whole, rest = divmod(m1, m2 * _power_of_ten(-shift))
    up = rounding == (ROUND_FLOOR if sign else ROUND_CEILING)
    count = whole + (1 if rest and up else 0)
    digits = Decimal(count * m2).as_tuple().digits
    return Decimal((sign if count else 0, digits, e2))


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Round down to a multiple of ``step`` (towards minus infinity)."""
    return _to_step(value, step, ROUND_FLOOR)


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """Round up to a multiple of ``step`` (towards plus infinity)."""
    return _to_step(value, step, ROUND_CEILING)


def trunc_to(value: Decimal, step: Decimal) -> Decimal:
    """Round towards zero to a multiple of ``step`` (how exchanges cut quantities)."""
    return _to_step(value, step, ROUND_DOWN)


def decimals_of(step: Decimal) -> int:
    """How many digits after the point a step needs (0.01 -> 2, 5 -> 0)."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def scientific(value: Decimal | float) -> str:
    """The short form of a number too large to write out: ``1.00e30``, ``-2.50e-7``."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite():
        return str(number)
    return f"{number:.2e}".replace("e+", "e")


def brief(value: Decimal) -> str:
    """A number as typed, for a message: whole when short, else a short form that still
    shows its size (``1.00e500``) or its first digits (``0.123456789012345678…``)."""
    text = str(value)
    if len(text) <= 24:
        return text
    if value.is_finite() and -6 <= value.adjusted() < 15:
        return f"{value:f}"[:22] + "…"
    return scientific(value)


def range_error(
    name: str, value: Decimal, limit: Decimal, unit: str = "", whose: str = ""
) -> str | None:
    """Why ``value`` is no number to trade with: not a number (NaN, infinite) or beyond
    ``limit`` either way; None when it is within. Zero and small negatives are left to the
    caller's own "must be above zero". ``whose`` says where the limit comes from."""
    if value.is_nan() or (value.is_infinite() and value > 0):
        return f"{name} must be a number like 0.5, got {value}"
    if value < -limit:
        return f"{name} must be above zero, got {brief(value)}"
    if value > limit:
        shown = f"{limit:,f}" + (f" {unit}" if unit else "") + (f" ({whose})" if whose else "")
        return f"{name} too large: at most {shown}, got {brief(value)}"
    return None


def fmt(value: Decimal, places: int) -> str:
    """Format with exactly ``places`` decimals and thousands separators (the short form
    ``1.00e30`` from ``WRITE_OUT_BELOW`` up, and NaN or Infinity as such)."""
    if not value.is_finite() or value.copy_abs() >= WRITE_OUT_BELOW:
        return scientific(value)
    return f"{value:,.{places}f}"


def fmt_compact(value: Decimal | float) -> str:
    """Short human form for sizes and volumes: 1.23K, 45.6M, 7.89B, 1.50T, 1.00e30."""
    if isinstance(value, Decimal) and (
        not value.is_finite() or value.copy_abs() >= WRITE_OUT_BELOW
    ):
        return scientific(value)
    v = float(value)
    if math.isnan(v) or abs(v) >= float(WRITE_OUT_BELOW):  # NaN, infinite or huge
        return scientific(v)
    sign = "-" if v < 0 else ""
    v = abs(v)
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if v >= scale:
            return f"{sign}{v / scale:.2f}{unit}"
    if v >= 100:
        return f"{sign}{v:.1f}"
    if v >= 1:
        return f"{sign}{v:.3f}"
    return f"{sign}{v:.4g}"
