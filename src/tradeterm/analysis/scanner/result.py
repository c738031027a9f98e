"""The outcome of a scanner pass: columns per symbol, rows for the table, and score reasons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradeterm.analysis.scanner.columns import COLUMN_NAMES, ScannerError
from tradeterm.analysis.scanner.convert import FloatArray, IntArray
from tradeterm.analysis.scanner.features import TextArray
from tradeterm.analysis.scanner.recipes import RECIPES, reason

Row = dict[str, float | str]


@dataclass(frozen=True, slots=True)
class ComponentExplanation:
    """Why one component of a score earned what it did.

    Attributes:
        name: the component's name in its recipe.
        label: what its input is, in words.
        value: the input that went in (NaN when undefined).
        fraction: the component's value in ``[0, 1]``.
        weight: its points when fully met.
        points: its contribution, ``fraction * weight`` (NaN when the score is NaN).
        reason: one line for the user, e.g. ``RSI(14) 27.4 <= 30.0: oversold, +25.0 of 25``.
    """

    name: str
    label: str
    value: float
    fraction: float
    weight: float
    points: float
    reason: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One scanner pass over a :class:`CandleMatrix`; every array has one value per symbol.

    Attributes:
        symbols: the symbols, in the matrix's order.
        numbers: every numeric column (``NUMERIC_COLUMNS``) by name.
        trend: the trend state per symbol: ``"up"``, ``"down"``, ``"flat"`` or ``""``.
        regime: the market regime per symbol (``analysis.regime.REGIMES``) or ``""``.
        features: the score inputs by name (``features.FEATURES``).
        components: per family, each component's value in ``[0, 1]``.
        counts: candles each symbol had.
        chg_24h_candles: candles the 24h change and volume cover (fewer than 1440 when the
            history is shorter).
    """

    symbols: tuple[str, ...]
    numbers: dict[str, FloatArray]
    trend: TextArray
    regime: TextArray
    features: dict[str, FloatArray]
    components: dict[str, dict[str, FloatArray]]
    counts: IntArray
    chg_24h_candles: IntArray

    def __len__(self) -> int:
        return len(self.symbols)

    def index(self, symbol: str) -> int:
        """Row number of ``symbol``.

        Raises:
            ScannerError: the symbol was not scanned.
        """
        try:
            return self.symbols.index(symbol)
        except ValueError:
            raise ScannerError(f"{symbol!r} is not in this scan") from None

    def column(self, name: str) -> FloatArray | TextArray:
        """All values of one column (``COLUMN_NAMES``): floats, or str for the text columns."""
        if name in self.numbers:
            return self.numbers[name]
        if name == "trend":
            return self.trend
        if name == "regime":
            return self.regime
        if name == "symbol":
            return np.asarray(self.symbols, dtype=np.str_).reshape(len(self.symbols))
        raise ScannerError(f"unknown column {name!r}; columns: {', '.join(COLUMN_NAMES)}")

    def row(self, symbol: str) -> Row:
        """``column -> value`` for one symbol, in ``COLUMN_NAMES`` order (NaN: undefined)."""
        return self._row(self.index(symbol))

    def rows(self) -> list[Row]:
        """Every symbol's row, in order."""
        return [self._row(i) for i in range(len(self.symbols))]

    def _row(self, i: int) -> Row:
        row: Row = {}
        for name in COLUMN_NAMES:
            if name == "symbol":
                row[name] = self.symbols[i]
            elif name == "trend":
                row[name] = str(self.trend[i])
            elif name == "regime":
                row[name] = str(self.regime[i])
            else:
                row[name] = float(self.numbers[name][i])
        return row


def explain(result: ScanResult, symbol: str, family: str) -> list[ComponentExplanation]:
    """Why ``symbol`` got its ``family`` score, one entry per component in recipe order.

    The points add up to the score (in the same order, so exactly); when the symbol has too
    little history the score and every ``points`` are NaN and each reason says so.

    Args:
        result: a scan.
        symbol: one of its symbols.
        family: ``"trend"``, ``"meanrev"`` or ``"momentum"`` (or the score column's name).

    Raises:
        ScannerError: unknown symbol or family.
    """
    recipe = RECIPES.get(family.removesuffix("_score"))
    if recipe is None:
        raise ScannerError(f"unknown score family {family!r}; families: {', '.join(RECIPES)}")
    i = result.index(symbol)
    count = int(result.counts[i])
    scored = count >= recipe.min_history
    explanations = []
    for component in recipe.components:
        value = float(result.features[component.feature][i])
        fraction = float(result.components[recipe.family][component.name][i])
        if scored:
            points = fraction * component.weight
            text = reason(component, value, fraction, points)
        else:
            points = float("nan")
            text = (
                f"{component.info.label}: not scored, {recipe.column} needs "
                f"{recipe.min_history} candles and {symbol} has {count}"
            )
        explanations.append(
            ComponentExplanation(
                component.name,
                component.info.label,
                value,
                fraction,
                float(component.weight),
                points,
                text,
            )
        )
    return explanations
