"""``market_maker``: a ladder of post-only orders per side around a fair price, kept by amends.

Each book update: the fair price is the mid or the micro-price (the best prices
weighted by the size on the other side), worked out again only when the best levels
changed. When it moved less than ``refresh_tolerance_bps`` since the last quote,
inventory did not change and no order event arrived, nothing else is done (the fast
path the benchmark measures).
Otherwise the ladder is worked out again:

- half-spread = the largest of ``min_half_spread_bps``, ``vol_mult`` x the recent
  volatility of the fair price (sampled every ``sample_s``, standard deviation of
  its log returns over ``vol_window`` samples) and the maker fee + ``min_edge_bps``;
- the centre leans away from the inventory: ``skew_bps`` x (inventory - target) /
  ``max_inventory`` below the fair price when long of the target, above when short;
- the best bid rung is the centre less the half-spread, but at least fee + edge under
  the fair price and a tick under the best ask (post-only orders never cross the book
  when sent); the asks the same above; rung i is ``i x level_step_bps`` (and at least
  i ticks) further out;
- sizes: bids only while inventory plus the bids' size stays within
  ``target + max_inventory``, asks only for what is held above ``target - max_inventory``.

Orders are matched to rungs best first: within the tolerance an order is left where it
is (its queue place kept); further away it is amended to the new price (one request,
not a cancel and a new order); orders beyond the rungs wanted are cancelled, missing
rungs placed. While a request is in flight the ladder waits.
"""

from __future__ import annotations

import math
from collections import deque
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from tradeterm.domain.book import Level, OrderBook
from tradeterm.domain.enums import OrderStatus, Side
from tradeterm.domain.fills import Fill
from tradeterm.domain.numbers import ceil_to, floor_to
from tradeterm.domain.orders import Order
from tradeterm.strategies.base import Strategy, StrategyParams

BPS = Decimal("0.0001")
_WORKING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
Bps = Annotated[Decimal, Field(ge=0, le=10_000)]


class MarketMakerParams(StrategyParams):
    levels: Annotated[int, Field(ge=1, le=20)] = 5
    """Orders per side."""

    qty: Annotated[Decimal, Field(gt=0)] = Decimal("0.001")
    """Base quantity of each order."""

    fair: Literal["mid", "micro"] = "micro"
    """Fair price: the mid, or the micro-price (best prices weighted by the other side's size)."""

    level_step_bps: Bps = Decimal("2")
    """Distance between rungs, in basis points of the fair price."""

    min_half_spread_bps: Bps = Decimal("1")
    """Smallest distance of the best rung from the centre."""

    min_edge_bps: Bps = Decimal("1")
    """Every order at least the maker fee plus this from the fair price."""

    vol_mult: Annotated[Decimal, Field(ge=0, le=100)] = Decimal("2")
    """Half-spread in multiples of the recent volatility (bps per sample)."""

    vol_window: Annotated[int, Field(ge=3, le=10_000)] = 60
    """Fair-price samples in the volatility."""

    sample_s: Annotated[float, Field(gt=0, le=3600)] = 1.0
    """Seconds between fair-price samples."""

    inventory_target: Annotated[Decimal, Field(ge=0)] = Decimal("0")
    """Base quantity to hold; the quotes lean toward it."""

    max_inventory: Annotated[Decimal, Field(gt=0)] = Decimal("0.01")
    """Largest distance of the inventory from the target the ladder may reach."""

    skew_bps: Bps = Decimal("5")
    """Centre shift at a full ``max_inventory`` from the target."""

    refresh_tolerance_bps: Bps = Decimal("2")
    """An order within this of its rung stays where it is."""


class MarketMaker(Strategy[MarketMakerParams]):
    kind = "market_maker"
    params_model = MarketMakerParams

    def __init__(self, params: MarketMakerParams) -> None:
        super().__init__(params)
        self.volatility_bps = 0.0
        self._quoted_vol = 0.0
        self.requotes = 0
        """How often the ladder was worked out again (the rest took the fast path)."""
        self._fair: Decimal | None = None
        self._quoted: Decimal | None = None
        self._tolerance = Decimal(0)
        self._dirty = True
        self._by_mid = params.fair == "mid"
        self._top: tuple[Level | None, Level | None] = (None, None)
        """The best bid and ask levels the fair price ``_top_fair`` was worked out from."""
        self._top_fair: Decimal | None = None
        self._samples: deque[float] = deque(maxlen=params.vol_window + 1)
        self._returns: deque[float] = deque(maxlen=params.vol_window)
        """The log returns between consecutive samples (one fewer than the samples)."""

    def on_start(self) -> None:
        self.set_timer(self.params.sample_s, "sample")

    # --- events that call for a new look ---------------------------------------------------

    def on_order_filled(self, order: Order, fill: Fill) -> None:
        self._dirty = True

    def on_order_accepted(self, order: Order) -> None:
        self._dirty = True

    def on_order_canceled(self, order: Order) -> None:
        self._dirty = True

    def on_order_rejected(self, order: Order, reason: str) -> None:
        self._dirty = True

    def on_timer(self, name: str) -> None:
        if self._fair is None:
            return
        samples, returns = self._samples, self._returns
        sample = float(self._fair)
        if samples:  # each log return once, as its sample comes (the same floats, same order)
            returns.append(math.log(sample / samples[-1]))
        samples.append(sample)
        if len(samples) >= 3:
            mean = sum(returns) / len(returns)
            var = sum([(r - mean) ** 2 for r in returns]) / (len(returns) - 1)
            self.volatility_bps = math.sqrt(var) * 10_000
            p = self.params
            moved = abs(self.volatility_bps - self._quoted_vol) * float(p.vol_mult)
            if moved > float(p.refresh_tolerance_bps):
                self._dirty = True  # the spread it would quote moved more than the tolerance

    # --- the decision ------------------------------------------------------------------------

    def fair_price(self, book: OrderBook) -> Decimal | None:
        return self._fair_of(book.bids.best_level(), book.asks.best_level())

    def _fair_of(self, bid: Level | None, ask: Level | None) -> Decimal | None:
        if bid is None or ask is None:
            return None
        if self._by_mid:
            return (bid[0] + ask[0]) / 2
        return (bid[0] * ask[1] + ask[0] * bid[1]) / (bid[1] + ask[1])

    def on_book(self, book: OrderBook) -> None:
        top = book.bids.best_level(), book.asks.best_level()
        if top == self._top:  # most updates are deeper in the book: the same fair price
            fair = self._top_fair
        else:
            fair = self._top_fair = self._fair_of(*top)
            self._top = top
        if fair is None:
            return
        self._fair = fair
        quoted = self._quoted
        if not self._dirty and quoted is not None and abs(fair - quoted) <= self._tolerance:
            return  # nothing changed enough: the fast path
        if self.busy:
            self._dirty = True
            return
        self.requote(book, fair)

    def requote(self, book: OrderBook, fair: Decimal) -> None:
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return
        self.requotes += 1
        p = self.params
        market = self.market
        inventory = self.balance(market.base).total
        lean = max(Decimal(-1), min(Decimal(1), (inventory - p.inventory_target) / p.max_inventory))
        centre = fair * (1 - p.skew_bps * lean * BPS)
        edge = market.maker_fee + p.min_edge_bps * BPS
        vol = Decimal(repr(round(self.volatility_bps, 4))) * p.vol_mult
        half = max(p.min_half_spread_bps * BPS, vol * BPS, edge)
        tick = market.tick_size
        top_bid = min(floor_to(fair * (1 - edge), tick), ask - tick)
        low_ask = max(ceil_to(fair * (1 + edge), tick), bid + tick)
        best_bid = min(floor_to(centre * (1 - half), tick), top_bid)
        best_ask = max(ceil_to(centre * (1 + half), tick), low_ask)
        bids, asks = [best_bid], [best_ask]
        for i in range(1, p.levels):
            step = p.level_step_bps * i * BPS
            bids.append(min(floor_to(best_bid * (1 - step), tick), bids[-1] - tick))
            asks.append(max(ceil_to(best_ask * (1 + step), tick), asks[-1] + tick))
        held = self.balance(market.base).free + sum(
            o.remaining for o in self.open_orders(Side.SELL)
        )
        bid_room = int((p.inventory_target + p.max_inventory - inventory) // p.qty)
        ask_room = int(min(inventory - (p.inventory_target - p.max_inventory), held) // p.qty)
        self._quoted_vol = self.volatility_bps
        self._tolerance = fair * p.refresh_tolerance_bps * BPS
        self._quoted = fair
        self._dirty = False
        self._work(Side.BUY, bids[: max(0, bid_room)])
        self._work(Side.SELL, asks[: max(0, ask_room)])

    def _work(self, side: Side, prices: list[Decimal]) -> None:
        """Match this side's orders to ``prices`` (best first): keep, amend, cancel, place."""
        orders = self.open_orders(side)
        if any(o.status not in _WORKING for o in orders):
            self._dirty = True  # a request is pending: look again once it is answered
            return
        orders.sort(key=lambda o: o.price or 0, reverse=side is Side.BUY)
        tolerance = self._tolerance
        for i, order in enumerate(orders):
            if i >= len(prices):
                self.cancel(order)
            elif order.price is None or abs(order.price - prices[i]) > tolerance:
                self.amend(order, prices[i])
        for price in prices[len(orders) :]:
            self.place(side, self.params.qty, price, post_only=True)
