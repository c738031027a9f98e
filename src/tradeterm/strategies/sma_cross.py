"""``sma_cross``: long-only, all in when SMA(fast) crosses above SMA(slow), all out below.

The reference strategy for backtest agreement: on each closed bar of ``timeframe``
it compares the two simple moving averages of the closes with those of the bar
before. A cross above buys with all the free quote (less a fee reserve and the
engine's market-buy margin) at market; a cross below sells all the free base, rounded
down to the lot, at market.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated

from pydantic import Field, model_validator

from tradeterm.domain.market_data import Candle
from tradeterm.engine.risk import MARKET_BUY_MARGIN
from tradeterm.strategies.base import Strategy, StrategyParams


class SmaCrossParams(StrategyParams):
    fast: Annotated[int, Field(ge=1, le=500)] = 10
    """Bars in the fast average."""

    slow: Annotated[int, Field(ge=2, le=2000)] = 30
    """Bars in the slow average; must be more than ``fast``."""

    timeframe: Annotated[str, Field(pattern=r"^[1-9][0-9]*[smhd]$")] = "1m"
    """Bar length: a number and s, m, h or d (``10s``, ``1m``, ``4h``)."""

    fee_reserve: Annotated[Decimal, Field(ge=0, le=Decimal("0.05"))] = Decimal("0.002")
    """Part of the free quote left unspent on a buy, for the fee and the price moving."""

    @model_validator(mode="after")
    def _fast_below_slow(self) -> SmaCrossParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be less than slow ({self.slow})")
        return self


class SmaCross(Strategy[SmaCrossParams]):
    """Long-only moving-average cross."""

    kind = "sma_cross"
    params_model = SmaCrossParams

    def __init__(self, params: SmaCrossParams) -> None:
        super().__init__(params)
        self.crosses: list[tuple[int, str]] = []
        """(bar open ms, "up" or "down") for every cross seen, traded or not."""

    def timeframe(self) -> str:
        return self.params.timeframe

    def candle_window(self) -> int:
        return self.params.slow + 2

    def on_candle(self, candle: Candle) -> None:
        from tradeterm.analysis.indicators import sma  # (pandas, when a bar first closes)

        closes = self.candles()["close"]
        if len(closes) < self.params.slow + 1:
            return
        fast = sma(closes, self.params.fast)
        slow = sma(closes, self.params.slow)
        before, now = fast.iloc[-2] - slow.iloc[-2], fast.iloc[-1] - slow.iloc[-1]
        if math.isnan(before) or math.isnan(now):
            return
        if before <= 0 < now:
            self.crosses.append((candle.ts_ms, "up"))
            self._enter()
        elif before >= 0 > now:
            self.crosses.append((candle.ts_ms, "down"))
            self._exit()

    def _enter(self) -> None:
        market = self.market
        if self.busy or self.base_free() >= market.min_qty:
            return  # in already (or on its way in)
        # a market buy holds its estimated cost plus the engine's margin: spend what fits
        spend = self.quote_free() * (1 - self.params.fee_reserve) / (1 + MARKET_BUY_MARGIN)
        if spend > 0:
            self.buy(quote_qty=spend)

    def _exit(self) -> None:
        qty = self.lot(self.base_free())
        if not self.busy and qty >= self.market.min_qty and qty > 0:
            self.sell(qty)
