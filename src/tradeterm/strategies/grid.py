"""``grid``: limit orders on N price levels; each filled level is replaced by its opposite one
level away.

The levels lie between ``lower`` and ``upper`` (arithmetic, geometric or Fibonacci
spacing), or ``atr_mult`` ATRs apart around the price once the ATR of ``timeframe``
bars is known. When the grid is laid, the level nearest the mid stays empty, buys go
on the levels below it and sells on those above. A buy filled in full on level i
puts a sell on level i+1 (a plain limit: if the price ran past that level meanwhile,
it takes at the level's price or better; a sell after a buy whose fee was paid in the
base asset sells what the buy brought in); a sell filled on level i puts a buy on level i-1; so one
level is always empty and the grid trades the range back and forth.

Failed placements (a rule the order breaks, the balance, a venue's refusal) are
logged and kept in ``failures``; they are never skipped in silence. ``stop_below``
and ``stop_above`` end the grid when a trade prints beyond them: its orders are
cancelled, and below the range what it holds is sold at market.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from tradeterm.domain.book import OrderBook
from tradeterm.domain.commands import Command, PlaceOrder
from tradeterm.domain.enums import OrderStatus, Side
from tradeterm.domain.fills import Fill
from tradeterm.domain.market_data import Trade
from tradeterm.domain.orders import Order
from tradeterm.strategies import grid_levels
from tradeterm.strategies.base import Strategy, StrategyParams

log = logging.getLogger("tradeterm.strategies")

Positive = Annotated[Decimal, Field(gt=0)]


class GridParams(StrategyParams):
    lower: Positive = Decimal("60000")
    """Lowest level price."""

    upper: Positive = Decimal("64000")
    """Highest level price; above ``lower``."""

    levels: Annotated[int, Field(ge=2, le=200)] = 10
    """Number of price levels."""

    qty: Positive = Decimal("0.001")
    """Base quantity of the order on each level."""

    spacing: Literal["arithmetic", "geometric", "fibonacci", "atr"] = "arithmetic"
    """Equal gaps, equal ratios, Fibonacci gaps widening outward, or ``atr_mult`` ATRs."""

    atr_period: Annotated[int, Field(ge=2, le=500)] = 14
    """Bars in the ATR (``atr`` spacing)."""

    atr_mult: Annotated[Decimal, Field(gt=0, le=100)] = Decimal("1")
    """Gap between levels in ATRs (``atr`` spacing)."""

    timeframe: Annotated[str, Field(pattern=r"^[1-9][0-9]*[smhd]$")] = "1m"
    """Bar length of the ATR (``atr`` spacing): a number and s, m, h or d."""

    stop_below: Positive | None = None
    """End the grid, cancel its orders and sell what is held when a trade prints below."""

    stop_above: Positive | None = None
    """End the grid and cancel its orders when a trade prints above."""

    @model_validator(mode="after")
    def _range(self) -> GridParams:
        if self.lower >= self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        if self.stop_below is not None and self.stop_below >= self.lower:
            raise ValueError(f"stop_below ({self.stop_below}) must be below lower ({self.lower})")
        if self.stop_above is not None and self.stop_above <= self.upper:
            raise ValueError(f"stop_above ({self.stop_above}) must be above upper ({self.upper})")
        return self


@dataclass(frozen=True, slots=True)
class GridFailure:
    """A level whose order could not be placed or was refused, and why."""

    price: Decimal
    side: Side
    reason: str


class Grid(Strategy[GridParams]):
    kind = "grid"
    params_model = GridParams

    def __init__(self, params: GridParams) -> None:
        super().__init__(params)
        self.prices: list[Decimal] = []
        """The level prices, lowest first (empty until the grid is laid)."""
        self.failures: list[GridFailure] = []
        self.replacements: list[tuple[Decimal, Side, Decimal]] = []
        """(filled price, side of the new order, its price) for every replacement placed."""
        self.stopped = ""
        """Why the grid ended (a stop price traded), or empty."""
        self.laid = False
        self._index: dict[Decimal, int] = {}
        self._sell_when_out = False

    def timeframe(self) -> str | None:
        return self.params.timeframe if self.params.spacing == "atr" else None

    def candle_window(self) -> int:
        return self.params.atr_period + 1

    def on_start(self) -> None:
        p = self.params
        if p.spacing != "atr":
            spaced = getattr(grid_levels, p.spacing)(p.lower, p.upper, p.levels)
            self._set_levels(grid_levels.to_ticks(spaced, self.market.tick_size))

    def _set_levels(self, prices: list[Decimal]) -> None:
        self.prices = prices
        self._index = {price: i for i, price in enumerate(prices)}

    def atr_gap(self) -> Decimal | None:
        """``atr_mult`` ATRs, rounded to the tick, once enough bars closed."""
        from tradeterm.analysis.indicators import atr  # (pandas: only for atr spacing)

        bars = self.candles()
        if len(bars) < self.params.atr_period + 1:
            return None
        value = atr(bars["high"], bars["low"], bars["close"], self.params.atr_period).iloc[-1]
        if not math.isfinite(value):
            return None
        gap = self.bid_price(Decimal(repr(float(value))) * self.params.atr_mult)
        return gap if gap > 0 else self.market.tick_size

    def on_book(self, book: OrderBook) -> None:
        if self.laid or self.stopped:
            return
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return
        if self.params.spacing == "atr":
            gap = self.atr_gap()
            if gap is None:
                return
            p = self.params
            mid = self.bid_price((bid + ask) / 2)
            spaced = grid_levels.around(mid, gap, p.levels, p.lower, p.upper)
            self._set_levels(grid_levels.to_ticks(spaced, self.market.tick_size))
        self._lay(bid, ask)

    def _lay(self, bid: Decimal, ask: Decimal) -> None:
        self.laid = True
        mid = (bid + ask) / 2
        empty = min(range(len(self.prices)), key=lambda i: abs(self.prices[i] - mid))
        log.info(
            "%s: grid of %d levels, %s to %s, empty at %s",
            self.name,
            len(self.prices),
            self.prices[0],
            self.prices[-1],
            self.prices[empty],
        )
        for i, price in enumerate(self.prices):
            if i < empty:
                self._place(Side.BUY, price, bid, ask)
            elif i > empty:
                self._place(Side.SELL, price, bid, ask)

    def _place(self, side: Side, price: Decimal, bid: Decimal, ask: Decimal) -> None:
        if (side is Side.BUY and price >= ask) or (side is Side.SELL and price <= bid):
            self._failed(price, side, f"would cross the book (bid {bid}, ask {ask})")
            return
        self.place(side, self.params.qty, price, post_only=True)

    def _failed(self, price: Decimal, side: Side, reason: str) -> None:
        self.failures.append(GridFailure(price, side, reason))
        log.warning("%s: %s level %s not placed: %s", self.name, side.value, price, reason)

    def on_order_filled(self, order: Order, fill: Fill) -> None:
        if order.status is not OrderStatus.FILLED or order.price is None or self.stopped:
            return
        i = self._index.get(order.price)
        if i is None:
            return
        j = i + 1 if order.side is Side.BUY else i - 1
        if not 0 <= j < len(self.prices):
            log.info(
                "%s: %s filled at the grid's edge %s", self.name, order.side.value, order.price
            )
            return
        side = Side.SELL if order.side is Side.BUY else Side.BUY
        self.replacements.append((order.price, side, self.prices[j]))
        # a plain limit: when the price ran past the level meanwhile it takes at the level's
        # price or better, where a post-only order would be refused and the level lost
        qty = self.params.qty
        if side is Side.SELL and order.fee_asset == self.market.base:
            qty = self.lot(order.filled - order.fee)  # sell what the buy brought in
        self.place(side, qty, self.prices[j])

    def on_order_rejected(self, order: Order, reason: str) -> None:
        if order.price is not None and order.status is OrderStatus.REJECTED:
            self._failed(order.price, order.side, reason)

    def on_command_refused(self, command: Command, reason: str) -> None:
        if isinstance(command, PlaceOrder) and command.price is not None:
            self._failed(command.price, command.side, reason)
        else:
            super().on_command_refused(command, reason)

    def on_trade(self, trade: Trade) -> None:
        p = self.params
        if self.stopped:
            return
        if p.stop_below is not None and trade.price < p.stop_below:
            self._stop(f"a trade at {trade.price} is below the stop {p.stop_below}", sell=True)
        elif p.stop_above is not None and trade.price > p.stop_above:
            self._stop(f"a trade at {trade.price} is above the stop {p.stop_above}", sell=False)

    def _stop(self, reason: str, *, sell: bool) -> None:
        self.stopped = reason
        log.warning("%s: grid stopped: %s", self.name, reason)
        self._sell_when_out = sell
        self.cancel_all()
        self._sell_held()

    def on_order_canceled(self, order: Order) -> None:
        self._sell_held()

    def _sell_held(self) -> None:
        """After a stop below the range, once no order of the grid holds funds: sell the
        account's free base at market."""
        if not self._sell_when_out or self.open_orders():
            return
        self._sell_when_out = False
        qty = self.lot(self.base_free())
        if qty >= self.market.min_qty and qty > 0:
            self.sell(qty)
