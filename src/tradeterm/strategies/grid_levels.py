"""Grid level prices: arithmetic, geometric, Fibonacci and ATR spacing, rounded to the tick."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise

from tradeterm.domain.errors import TradetermError


def arithmetic(lower: Decimal, upper: Decimal, n: int) -> list[Decimal]:
    """``n`` prices from ``lower`` to ``upper`` with equal gaps."""
    step = (upper - lower) / (n - 1)
    return [*(lower + step * i for i in range(n - 1)), upper]


def geometric(lower: Decimal, upper: Decimal, n: int) -> list[Decimal]:
    """``n`` prices from ``lower`` to ``upper`` with equal ratios (equal percentage gaps)."""
    ratio = upper / lower
    return [*(lower * ratio ** (Decimal(i) / (n - 1)) for i in range(n - 1)), upper]


def fibonacci_weights(gaps: int) -> list[int]:
    """Relative gap sizes: the Fibonacci numbers 1, 2, 3, 5, 8... from the middle of the range
    outward (the grid is densest where it starts, widest at its edges)."""
    fibs = [1, 2]
    middle = (gaps - 1) / 2
    out = []
    for k in range(gaps):
        away = int(abs(k - middle))  # 0 for the middle gap(s)
        while len(fibs) <= away:
            fibs.append(fibs[-1] + fibs[-2])
        out.append(fibs[away])
    return out


def fibonacci(lower: Decimal, upper: Decimal, n: int) -> list[Decimal]:
    """``n`` prices from ``lower`` to ``upper``, gaps in Fibonacci proportions (see weights)."""
    weights = fibonacci_weights(n - 1)
    unit = (upper - lower) / sum(weights)
    prices, price = [lower], lower
    for weight in weights[:-1]:
        price += unit * weight
        prices.append(price)
    return [*prices, upper]


def around(center: Decimal, gap: Decimal, n: int, lower: Decimal, upper: Decimal) -> list[Decimal]:
    """``n`` prices ``gap`` apart centred on ``center`` (ATR spacing), those outside
    ``lower``..``upper`` left out."""
    first = center - gap * Decimal(n - 1) / 2
    return [p for p in (first + gap * i for i in range(n)) if lower <= p <= upper]


def to_ticks(prices: list[Decimal], tick: Decimal) -> list[Decimal]:
    """The prices rounded to the nearest tick.

    Raises:
        TradetermError: two levels round to the same price (too many levels for the range).
    """
    rounded = [(p / tick).quantize(Decimal(1), ROUND_HALF_EVEN) * tick for p in prices]
    for a, b in pairwise(rounded):
        if a >= b:
            raise TradetermError(
                f"grid levels {a} and {b} are less than a tick ({tick}) apart: "
                "use fewer levels or a wider range"
            )
    return rounded
