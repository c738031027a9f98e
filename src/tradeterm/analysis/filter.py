"""The scanner's filter line: a small, safe expression language over the scanner columns.

Examples: ``rsi < 30 and vol_z > 2 and spread_bps < 5``, ``trend == "up" and chg > 5%``,
``symbol ~ "ETH*" or (momentum_score >= 70 and not trend == "down")``, ``20 < rsi < 40``.

- **Columns**: the scanner's (``symbol, last, chg_1h, chg_24h, vol_24h, spread_bps,
  volatility, rsi, vol_z, trend, regime, trend_score, meanrev_score, momentum_score``), any case,
  plus the aliases ``vol`` (vol_24h), ``chg`` (chg_24h) and ``spread`` (spread_bps).
- **Numbers**: ``30``, ``-2.5``, ``.5``, ``1e3``; ``5%`` is the number 5 (the percent
  columns already hold percents, so ``%`` is allowed only with them and the 0-100 columns);
  ``k``, ``m``, ``b`` multiply by a thousand, a million, a billion (``vol > 10m``).
- **Text**: ``"..."`` or ``'...'`` (backslash escapes the next character), compared with
  the text columns (symbol, trend, regime) and always case-insensitively: ``==``/``=`` and ``!=``
  compare whole values; ``~`` (and ``!~``, its negation) matches a glob when the pattern has
  ``*``, ``?`` or ``[`` (``"ETH*"``: starts with ETH) and otherwise a substring (``"ETH"``
  is also in ``"WETH/USDT"``).
- **Comparisons**: ``< <= > >= == != =`` between a numeric column and a number or another
  numeric column, either side first; chains like ``20 < rsi < 40`` mean ``20 < rsi and
  rsi < 40``. Combine them with ``not`` (binds tightest), ``and``, ``or`` (loosest) and
  parentheses; the keywords are case-insensitive.
- **Missing values**: a NaN number or an empty trend or regime makes every comparison on it false,
  ``!=`` and ``!~`` included (``not rsi < 30`` is true for a NaN rsi).
- An empty filter matches every row.

The text is read by a tokenizer and a recursive-descent parser (``scanner.filter_syntax``)
into small dataclasses; it is never evaluated as Python. Every mistake raises
:class:`FilterError` with the 0-based position of the offending token;
``FilterError.caret(text)`` draws it for the UI.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import translate
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from tradeterm.analysis.scanner.columns import COLUMN_INFO
from tradeterm.analysis.scanner.filter_syntax import (
    ALIASES,
    And,
    Column,
    Compare,
    Everything,
    FilterError,
    Node,
    Not,
    Number,
    Or,
    Text,
    parse,
)

if TYPE_CHECKING:  # numpy loads with the first mask (a filter on one row needs none)
    import numpy as np
    import numpy.typing as npt

    from tradeterm.analysis.scanner import ScanResult

    BoolArray = npt.NDArray[np.bool_]

    __all__ = [
        "ALIASES",
        "And",
        "Column",
        "Compare",
        "Everything",
        "Filter",
        "FilterError",
        "Node",
        "Not",
        "Number",
        "Or",
        "Text",
        "compile_filter",
    ]

_NUMERIC: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@lru_cache(maxsize=64)
def _glob(pattern: str) -> re.Pattern[str] | None:
    """The compiled glob for a lower-cased pattern with ``* ? [``; None for a substring."""
    if not any(ch in pattern for ch in "*?["):
        return None
    return re.compile(translate(pattern))


def _text_match(value: str, op: str, pattern: str) -> bool:
    value, pattern = value.lower(), pattern.lower()
    if op in ("==", "!="):
        return (value == pattern) == (op == "==")
    glob = _glob(pattern)
    found = pattern in value if glob is None else glob.match(value) is not None
    return found == (op == "~")


def _scalar(row: Mapping[str, object], name: str) -> float | str | None:
    value = row.get(name)
    if COLUMN_INFO[name].kind == "text":
        return value if isinstance(value, str) and value else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _eval_row(node: Node, row: Mapping[str, object]) -> bool:
    if isinstance(node, Everything):
        return True
    if isinstance(node, And):
        return all(_eval_row(part, row) for part in node.parts)
    if isinstance(node, Or):
        return any(_eval_row(part, row) for part in node.parts)
    if isinstance(node, Not):
        return not _eval_row(node.part, row)
    left = _scalar(row, node.left.name)
    right = _scalar(row, node.right.name) if isinstance(node.right, Column) else node.right.value
    if left is None or right is None:
        return False
    if isinstance(left, str):
        return _text_match(left, node.op, str(right))
    return bool(_NUMERIC[node.op](left, right))


def _eval_mask(node: Node, result: ScanResult) -> BoolArray:
    import numpy as np

    if isinstance(node, Everything):
        return np.ones(len(result), dtype=bool)
    if isinstance(node, And | Or):
        combine = np.logical_and if isinstance(node, And) else np.logical_or
        mask = _eval_mask(node.parts[0], result)
        for part in node.parts[1:]:
            mask = combine(mask, _eval_mask(part, result))
        return mask
    if isinstance(node, Not):
        return ~_eval_mask(node.part, result)
    if isinstance(node.right, Text):
        pattern = node.right.value
        values: list[str] = result.column(node.left.name).tolist()
        return np.fromiter(
            (bool(v) and _text_match(v, node.op, pattern) for v in values),
            dtype=bool,
            count=len(values),
        )
    left = result.numbers[node.left.name]
    known = ~np.isnan(left)
    right: npt.NDArray[np.float64] | float
    if isinstance(node.right, Column):
        right = result.numbers[node.right.name]
        known &= ~np.isnan(right)
    else:
        right = node.right.value
    with np.errstate(invalid="ignore"):
        mask = np.asarray(_NUMERIC[node.op](left, right), dtype=bool)
    return mask & known


def _columns(node: Node) -> set[str]:
    if isinstance(node, And | Or):
        return set().union(*(_columns(part) for part in node.parts))
    if isinstance(node, Not):
        return _columns(node.part)
    if isinstance(node, Compare):
        used = {node.left.name}
        if isinstance(node.right, Column):
            used.add(node.right.name)
        return used
    return set()


@dataclass(frozen=True, slots=True)
class Filter:
    """A compiled filter: ``text`` as typed and ``tree``, its syntax tree."""

    text: str
    tree: Node

    @property
    def columns(self) -> frozenset[str]:
        """The columns the filter reads."""
        return frozenset(_columns(self.tree))

    def matches(self, row: Mapping[str, object]) -> bool:
        """Whether one row (``column -> value``, as ``ScanResult.row`` gives) passes."""
        return _eval_row(self.tree, row)

    def mask(self, result: ScanResult) -> BoolArray:
        """Which symbols of a scan pass, as a boolean array in the scan's order."""
        return _eval_mask(self.tree, result)


def compile_filter(text: str) -> Filter:
    """Parse ``text`` into a :class:`Filter`.

    Raises:
        FilterError: the text is not a valid filter; its message names the bad token and
            what was expected there, and ``position`` points at it.
    """
    return Filter(text, parse(text))
