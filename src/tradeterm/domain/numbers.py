"""Exact money arithmetic: Decimal parsing, rounding to ticks and lots, display formatting."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)

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


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Round down to a multiple of ``step`` (towards minus infinity)."""
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """Round up to a multiple of ``step`` (towards plus infinity)."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def trunc_to(value: Decimal, step: Decimal) -> Decimal:
    """Round towards zero to a multiple of ``step`` (how exchanges cut quantities)."""
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """True when ``value`` is a whole number of ``step``."""
    return (value % step) == 0


def decimals_of(step: Decimal) -> int:
    """How many digits after the point a step needs (0.01 -> 2, 5 -> 0)."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fmt(value: Decimal, places: int) -> str:
    """Format with exactly ``places`` decimals and thousands separators."""
    return f"{value:,.{places}f}"


def fmt_compact(value: Decimal | float) -> str:
    """Short human form for sizes and volumes: 1.23K, 45.6M, 7.89B."""
    v = float(value)
    sign = "-" if v < 0 else ""
    v = abs(v)
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if v >= scale:
            return f"{sign}{v / scale:.2f}{unit}"
    if v >= 100:
        return f"{sign}{v:.1f}"
    if v >= 1:
        return f"{sign}{v:.3f}"
    return f"{sign}{v:.4g}"
