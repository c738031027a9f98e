"""``trend``, ``mean_reversion``, ``momentum``: the scanner's three score recipes as entry and
exit rules, long-only, with a stop-loss and a take-profit.

On each closed one-minute bar (the scanner's recipes are defined on one-minute
candles; momentum's multi-timeframe part reads 1, 5 and 15-minute bars made from
them) the strategy scores its own candle window with the scanner
(``tradeterm.analysis.scanner.scan``, the same numbers as the scanner pane):

- flat, and the family's score at or above ``entry_score``: buy with ``spend`` of the
  free quote at market;
- long, and the exit rule holds: sell all the free base at market. ``trend`` and
  ``momentum`` exit when their score falls to ``exit_score`` or below (the setup is
  gone); ``mean_reversion`` exits when the RSI is back at ``exit_rsi`` or above (the
  snap-back happened);
- long, on any trade at or below entry x (1 - ``stop_loss_pct``/100), or at or above
  entry x (1 + ``take_profit_pct``/100): sell all at market (0 switches either off).
  The entry is the average price of the buy.
"""

from __future__ import annotations

import logging
import math
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import Field

from tradeterm.analysis.scanner.convert import candles_to_matrix
from tradeterm.analysis.scanner.passes import scan
from tradeterm.analysis.scanner.recipes import RECIPES
from tradeterm.domain.enums import Side
from tradeterm.domain.fills import Fill
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.domain.orders import Order
from tradeterm.engine.risk import MARKET_BUY_MARGIN
from tradeterm.strategies.base import Strategy, StrategyParams

log = logging.getLogger("tradeterm.strategies")

Score = Annotated[float, Field(ge=0, le=100)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]


class ScoreParams(StrategyParams):
    entry_score: Score = 75.0
    """Buy when the family's score (0-100) is at or above this."""

    exit_score: Score = 25.0
    """Sell when the score falls to this or below (``trend``, ``momentum``)."""

    stop_loss_pct: Percent = Decimal("2")
    """Sell when a trade prints this % under the entry price (0: no stop)."""

    take_profit_pct: Percent = Decimal("4")
    """Sell when a trade prints this % over the entry price (0: none)."""

    spend: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.99")
    """Part of the free quote a buy spends (before the engine's market-buy margin)."""


class MeanReversionParams(ScoreParams):
    entry_score: Score = 70.0
    """Buy when the mean-reversion score (0-100) is at or above this."""

    exit_rsi: Annotated[float, Field(ge=0, le=100)] = 55.0
    """Sell when the RSI is back at this or above."""


class ScoreStrategy(Strategy[ScoreParams]):
    """One scanner family's score as entry and exit rules (see the module docstring)."""

    family: ClassVar[str] = "trend"

    def __init__(self, params: ScoreParams) -> None:
        super().__init__(params)
        self.entry: Decimal | None = None
        """Average price of the buy that opened the position (None: flat)."""
        self.exits: list[tuple[int, str]] = []
        """(time, why) of every exit asked for."""
        self.last_score = math.nan

    def timeframe(self) -> str:
        return "1m"

    def candle_window(self) -> int:
        return 500

    def on_candle(self, candle: Candle) -> None:
        bars = list(self.bars())
        if len(bars) < RECIPES[self.family].min_history + 1:
            return
        result = scan(candles_to_matrix({self.symbol: bars}, len(bars)))
        row = result.row(self.symbol)
        score = float(row[RECIPES[self.family].column])
        self.last_score = score
        if self.busy:
            return
        if self.entry is None and self._flat() and score >= self.params.entry_score:
            spend = self.quote_free() * self.params.spend / (1 + MARKET_BUY_MARGIN)
            if spend > 0:
                self.buy(quote_qty=spend)
        elif self.entry is not None and self.should_exit(score, row):
            self._exit(f"exit rule: {self.family} score {score:.0f}, rsi {row['rsi']}")

    def should_exit(self, score: float, row: dict[str, float | str]) -> bool:
        return score <= self.params.exit_score

    def on_trade(self, trade: Trade) -> None:
        entry, p = self.entry, self.params
        if entry is None or self.busy:
            return
        if p.stop_loss_pct and trade.price <= entry * (1 - p.stop_loss_pct / 100):
            self._exit(f"stop-loss: {trade.price} is {p.stop_loss_pct}% under {entry}")
        elif p.take_profit_pct and trade.price >= entry * (1 + p.take_profit_pct / 100):
            self._exit(f"take-profit: {trade.price} is {p.take_profit_pct}% over {entry}")

    def on_order_filled(self, order: Order, fill: Fill) -> None:
        if not order.status.is_final:
            return
        if order.side is Side.BUY:
            self.entry = order.avg_price
        elif self._flat():
            self.entry = None

    def _flat(self) -> bool:
        return self.base_free() < self.market.min_qty

    def _exit(self, why: str) -> None:
        qty = self.lot(self.base_free())
        if qty < self.market.min_qty or qty <= 0:
            self.entry = None
            return
        self.exits.append((self.now_ns(), why))
        log.info("%s: selling %s: %s", self.name, qty, why)
        self.sell(qty)


class Trend(ScoreStrategy):
    kind = "trend"
    family = "trend"
    params_model = ScoreParams


class Momentum(ScoreStrategy):
    kind = "momentum"
    family = "momentum"
    params_model = ScoreParams


class MeanReversion(ScoreStrategy):
    kind = "mean_reversion"
    family = "meanrev"
    params_model = MeanReversionParams

    def should_exit(self, score: float, row: dict[str, float | str]) -> bool:
        rsi = float(row["rsi"])
        exit_rsi = self.params.exit_rsi if isinstance(self.params, MeanReversionParams) else 55.0
        return not math.isnan(rsi) and rsi >= exit_rsi
