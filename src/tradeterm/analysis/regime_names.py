"""The names of the market regimes, without the classifier (and without numpy), for the
strategies' ``regimes`` parameter and the scanner's filter."""

from __future__ import annotations

from typing import Literal

Regime = Literal["trending_up", "trending_down", "ranging", "volatile"]
REGIMES: tuple[Regime, ...] = ("trending_up", "trending_down", "ranging", "volatile")
