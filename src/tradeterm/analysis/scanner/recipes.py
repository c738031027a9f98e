"""The score recipes as data: one table per strategy family, and the words that explain them.

A score is a weighted sum of components. Each component reads one input (see
``features.FEATURES``) and maps it linearly onto ``[0, 1]``: 0 at ``zero_at`` or beyond,
1 at ``full_at`` or beyond, a straight line between. An input that is undefined although the
symbol has enough history (a flat price makes RSI and every sigma-scaled input 0/0) counts
0. The weights of a family add up to 100, so a score runs from 0 to 100; it is NaN when the
symbol has fewer candles than the family needs. The scores rate buy-side setups (spot
markets cannot be sold short): oversold, up-trending, rising. The tables follow; the module
text below is generated from them, as are the explanations, so neither can drift from the
computation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradeterm.analysis.scanner.convert import FloatArray
from tradeterm.analysis.scanner.features import FEATURES, SIGMA, FeatureInfo


@dataclass(frozen=True, slots=True)
class Component:
    """One part of a score.

    Attributes:
        name: stable identifier, unique within its family.
        feature: the input it reads (a key of ``features.FEATURES``).
        weight: points when fully met.
        zero_at: input value at and beyond which it gives 0 points.
        full_at: input value at and beyond which it gives all its points.
        full: what a full component means, in a few words ("oversold").
        none: what an empty component means ("not oversold").
    """

    name: str
    feature: str
    weight: float
    zero_at: float
    full_at: float
    full: str
    none: str

    @property
    def info(self) -> FeatureInfo:
        return FEATURES[self.feature]

    def fraction(self, values: FloatArray) -> FloatArray:
        """The component's value in ``[0, 1]`` for each input; NaN inputs give 0."""
        with np.errstate(invalid="ignore"):
            ramp = (values - self.zero_at) / (self.full_at - self.zero_at)
        return np.nan_to_num(np.clip(ramp, 0.0, 1.0), nan=0.0)


@dataclass(frozen=True, slots=True)
class Recipe:
    """How one family's score is made.

    Attributes:
        family: ``"trend"``, ``"meanrev"`` or ``"momentum"``.
        column: the score's column name.
        title: plain-words name of the family.
        idea: one sentence on what a high score means.
        components: the weighted parts, in display order.
    """

    family: str
    column: str
    title: str
    idea: str
    components: tuple[Component, ...]

    @property
    def min_history(self) -> int:
        """Candles a symbol needs for a score (the most any component's input needs)."""
        return max(component.info.history for component in self.components)


TREND = Recipe(
    "trend",
    "trend_score",
    "trend following",
    "an established up-trend: MACD, EMA crossover, price above its average and RSI agree",
    (
        Component(
            "macd", "macd_hist", 25, 0.0, 0.5, "MACD above its signal line", "MACD not above"
        ),
        Component(
            "ema_cross", "ema_gap", 25, 0.0, 2.0, "EMA20 well above EMA50", "EMA20 not above"
        ),
        Component(
            "price_vs_ma",
            "price_vs_ema",
            25,
            0.0,
            3.0,
            "price well above EMA50",
            "price not above EMA50",
        ),
        Component(
            "rsi_momentum", "rsi", 25, 50.0, 65.0, "RSI confirms momentum", "RSI not above 50"
        ),
    ),
)

MEAN_REVERSION = Recipe(
    "meanrev",
    "meanrev_score",
    "mean reversion",
    "a stretched fall likely to snap back: oversold on Bollinger and RSI, on heavy volume, "
    "near support",
    (
        Component(
            "bollinger",
            "percent_b",
            30,
            0.25,
            0.0,
            "at or below the lower band",
            "well inside the bands",
        ),
        Component("rsi_extreme", "rsi", 25, 40.0, 30.0, "oversold", "not oversold"),
        Component(
            "volume_spike",
            "vol_z",
            20,
            1.0,
            3.0,
            "volume spike confirms",
            "no volume spike",
        ),
        Component(
            "support",
            "support_gap",
            25,
            6.0,
            1.0,
            "at or near support",
            "far above support",
        ),
    ),
)

MOMENTUM = Recipe(
    "momentum",
    "momentum_score",
    "momentum",
    "a strong move up that is gathering pace: big return, rising volume, agreement across "
    "timeframes, acceleration",
    (
        Component("strong_move", "move", 30, 0.0, 2.0, "a strong move up", "not rising"),
        Component(
            "volume_breakout",
            "volume_ratio",
            25,
            1.0,
            3.0,
            "volume breaking out",
            "no volume expansion",
        ),
        Component(
            "multi_timeframe",
            "timeframes_up",
            25,
            0.0,
            3.0,
            "all timeframes rising",
            "no timeframe rising",
        ),
        Component("acceleration", "acceleration", 20, 0.0, 1.5, "speeding up", "not speeding up"),
    ),
)

RECIPES: dict[str, Recipe] = {recipe.family: recipe for recipe in (TREND, MEAN_REVERSION, MOMENTUM)}


def _show(component: Component, value: float) -> str:
    """A value or threshold in the format of the component's input."""
    return component.info.fmt.format(value)


def reason(component: Component, value: float, fraction: float, points: float) -> str:
    """One line: the input, how it compares with the thresholds, and the points it earned."""
    label = component.info.label
    weight = f"{component.weight:g}"
    if np.isnan(value):
        return f"{label} undefined ({component.info.undefined}): +0 of {weight}"
    rising = component.full_at > component.zero_at
    shown = _show(component, value)
    if fraction >= 1.0:
        sign = ">=" if rising else "<="
        return (
            f"{label} {shown} {sign} {_show(component, component.full_at)}: "
            f"{component.full}, +{points:.1f} of {weight}"
        )
    if fraction <= 0.0:
        sign = "<=" if rising else ">="
        return (
            f"{label} {shown} {sign} {_show(component, component.zero_at)}: "
            f"{component.none}, +0 of {weight}"
        )
    return (
        f"{label} {shown} between {_show(component, component.zero_at)} and "
        f"{_show(component, component.full_at)}: {fraction:.0%} of '{component.full}', "
        f"+{points:.1f} of {weight}"
    )


def describe(recipe: Recipe) -> str:
    """The recipe as plain text: one line per component, then the input definitions."""
    lines = [
        f"{recipe.column} - {recipe.title}: {recipe.idea}. "
        f"0-100; NaN with fewer than {recipe.min_history} candles.",
    ]
    for c in recipe.components:
        lines.append(
            f"  {c.name} ({c.weight:g} points): {c.info.label}; 0 at {_show(c, c.zero_at)}, "
            f"full at {_show(c, c.full_at)} ({c.full})"
        )
    for key in dict.fromkeys(c.feature for c in recipe.components):
        info = FEATURES[key]
        lines.append(f"    {info.label}: {info.definition}")
    return "\n".join(lines)


def _documented() -> str:
    sigma = FEATURES["sigma1"]
    unit = f"{SIGMA}: {sigma.definition}."
    body = "\n\n".join(describe(recipe) for recipe in RECIPES.values())
    return f"\n\nThe recipes\n-----------\n\n{unit}\n\n{body}\n"


__doc__ = (__doc__ or "") + _documented()
