"""One simulated symbol: a fair price that moves in regimes and an order flow that follows it.

The book is kept in integer ticks and lots (fast and exact) and every change is
sent out as absolute level sizes in ``Decimal``, exactly as an exchange does.
The flow is a mix of limit adds (placed around the fair price, denser near the
touch), cancels (anywhere, more near the touch) and market orders (more buys
when the fair price is above the mid, so the mid follows it), each walking the
book and printing one trade per level it takes.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from random import Random

from tradeterm.domain.book import Level
from tradeterm.domain.enums import Side
from tradeterm.domain.events import BookChanged, CandleUpdated, MarketEvent, TradePrinted
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.engine.candle_series import CandleSeries
from tradeterm.venues.sim.catalog import Listing, listing_market

SECONDS_PER_YEAR = 365 * 86_400
MIN_LEVELS = 60
MAX_LEVELS = 140
#: Prices (one shared Decimal per tick) a symbol keeps before it forgets those outside its book.
#: Without a bound the cache grew with every tick the book's edges ever reached: about 10,000
#: prices (1.8 MB) a minute over 22 symbols at 10,000 updates a second, without end.
PRICE_CACHE_LIMIT = 512

Emit = Callable[[MarketEvent], None]


@lru_cache(maxsize=4)
def _minute_stamps(minute_ms: int, minutes: int) -> tuple[int, ...]:
    """The open times of the ``minutes`` minutes before ``minute_ms``, newest first: one tuple
    shared by every symbol's history (124 symbols' days of candles held 5.7 MB of equal ints
    without it)."""
    return tuple(minute_ms - k * 60_000 for k in range(1, minutes + 1))


class Regime(StrEnum):
    RANGING = "ranging"
    TRENDING = "trending"
    VOLATILE = "volatile"


class _Side:
    """Integer book side: tick -> lots, and the ticks in ascending order."""

    __slots__ = ("is_bid", "lots", "ticks")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.lots: dict[int, int] = {}
        self.ticks: list[int] = []

    def best(self) -> int | None:
        if not self.ticks:
            return None
        return self.ticks[-1] if self.is_bid else self.ticks[0]

    def worst(self) -> int:
        return self.ticks[0] if self.is_bid else self.ticks[-1]

    def nth(self, i: int) -> int:
        return self.ticks[-1 - i] if self.is_bid else self.ticks[i]

    def add(self, tick: int, lots: int) -> int:
        old = self.lots.get(tick)
        if old is None:
            insort(self.ticks, tick)
            old = 0
        self.lots[tick] = old + lots
        return old + lots

    def set(self, tick: int, lots: int) -> None:
        if lots > 0:
            if tick not in self.lots:
                insort(self.ticks, tick)
            self.lots[tick] = lots
        elif tick in self.lots:
            del self.lots[tick]
            del self.ticks[bisect_left(self.ticks, tick)]


class SymbolFlow:
    """The market for one symbol. ``step`` makes one order-flow event happen."""

    def __init__(self, listing: Listing, seed: int, now_ns: int, *, seeded: bool = True) -> None:
        """``seeded``: lay out the opening book now; else ``seed_book`` does, before the flow
        is first used (its own generator makes the same book whenever that is)."""
        self.listing = listing
        self.market = listing_market(listing)
        self.symbol = listing.symbol
        self.rng = Random(f"{seed}:{listing.symbol}")
        # The history has its own generator and joins the price the market opened at, so it is
        # the same whenever it is made: before the market moves, or while it already does.
        self._history_rng = Random(f"{seed}:{listing.symbol}:history")
        self.tick = self.market.tick_size
        self.lot = self.market.lot_size
        self.fair = float(Decimal(listing.price) / self.tick)  # in ticks
        self.anchor = self.opened_at = self.fair
        self.sigma = listing.vol / math.sqrt(SECONDS_PER_YEAR)
        self.size_lots = max(1.0, listing.size / float(self.lot))
        self.gap = listing.gap
        self.regime = Regime.RANGING
        self.drift = 0.0
        self.last_ns = now_ns
        self.trade_seq = 0
        self.bids = _Side(is_bid=True)
        self.asks = _Side(is_bid=False)
        self.candle: Candle | None = None
        self.closed = CandleSeries(maxlen=2 * 1440)
        # One Decimal per price in ticks, shared by levels, trades and candles: a day of
        # candles for 124 symbols held 700,000 equal copies (70 MB) without it. Bounded by
        # PRICE_CACHE_LIMIT (``_forget_prices``); candles keep the Decimals they were made with.
        self._prices: dict[int, Decimal] = {}
        self.seeded = False
        if seeded:
            self.seed_book()

    # --- conversions --------------------------------------------------------

    def price(self, tick: int) -> Decimal:
        price = self._prices.get(tick)
        if price is None:
            price = self._prices[tick] = Decimal(tick) * self.tick
        return price

    @property
    def cached_prices(self) -> int:
        """How many prices the cache holds now (at most about PRICE_CACHE_LIMIT)."""
        return len(self._prices)

    def _forget_prices(self) -> None:
        """Keep only the cached prices of the levels resting in the book (at most 2 x
        MAX_LEVELS, so the cache has room to grow again before the next pruning)."""
        prices = self._prices
        self._prices = {
            t: prices[t] for side in (self.bids, self.asks) for t in side.ticks if t in prices
        }

    def qty(self, lots: int) -> Decimal:
        return Decimal(lots) * self.lot

    def _level(self, tick: int, lots: int) -> Level:
        return (self.price(tick), Decimal(lots) * self.lot)

    # --- book ---------------------------------------------------------------

    def _size(self, depth_factor: float = 1.0) -> int:
        return max(1, int(self.rng.lognormvariate(0.0, 0.8) * self.size_lots * depth_factor))

    def seed_book(self) -> None:
        """Lay out the opening book, once (the first draws of the flow's generator)."""
        if self.seeded:
            return
        self.seeded = True
        mid = round(self.fair)
        spread = max(1, self.gap)
        bid, ask = mid - spread // 2 - (spread % 2), mid + spread // 2 + 1
        for i in range(MIN_LEVELS + 20):
            self.bids.add(bid - i * self.gap - self.rng.randrange(self.gap), self._size(1 + i / 30))
            self.asks.add(ask + i * self.gap + self.rng.randrange(self.gap), self._size(1 + i / 30))

    def snapshot(self, ts_ns: int) -> BookChanged:
        bids = [self._level(t, self.bids.lots[t]) for t in reversed(self.bids.ticks)]
        asks = [self._level(t, self.asks.lots[t]) for t in self.asks.ticks]
        return BookChanged(self.symbol, bids, asks, snapshot=True, seq=0, ts_ns=ts_ns)

    def mid_ticks(self) -> float:
        bid, ask = self.bids.best(), self.asks.best()
        if bid is None or ask is None:
            return self.fair
        return (bid + ask) / 2

    # --- the fair price -----------------------------------------------------

    def _advance(self, now_ns: int) -> None:
        dt = min(60.0, max(0.0, (now_ns - self.last_ns) / 1e9))
        self.last_ns = now_ns
        if dt <= 0:
            return
        rng = self.rng
        if rng.random() < dt / 240.0:
            self.regime = rng.choice(list(Regime))
            self.anchor = self.fair
            # a trend moves the fair price 1 to 4 % an hour
            self.drift = rng.choice((-1.0, 1.0)) * rng.uniform(0.01, 0.04) / 3600.0
        sigma = self.sigma * (3.0 if self.regime is Regime.VOLATILE else 1.0) * 2.0
        shock = sigma * math.sqrt(dt) * rng.gauss(0.0, 1.0)
        if self.regime is Regime.TRENDING:
            self.fair *= math.exp(self.drift * dt + shock)
        else:
            pull = 0.02 * dt * (self.anchor - self.fair) / max(self.fair, 1.0)
            self.fair *= math.exp(pull + shock)
        self.fair = max(self.fair, 10.0 * self.gap)

    # --- one event ----------------------------------------------------------

    def step(self, now_ns: int, emit: Emit) -> None:
        """Advance the fair price to ``now_ns`` and make one order-flow event happen."""
        if len(self._prices) > PRICE_CACHE_LIMIT:
            self._forget_prices()
        self._advance(now_ns)
        changed_bids: set[int] = set()
        changed_asks: set[int] = set()
        trades: list[Trade] = []
        roll = self.rng.random()
        if roll < 0.50:
            self._limit_add(changed_bids, changed_asks)
        elif roll < 0.84:
            self._cancel(changed_bids, changed_asks)
        else:
            self._market_order(now_ns, changed_bids, changed_asks, trades)
        self._maintain(changed_bids, changed_asks)
        # As on exchanges, the prints come first and the depth update that
        # reflects them after; the paper queue model relies on this order.
        for trade in trades:
            emit(TradePrinted(trade))
            self._candle_trade(trade, emit)
        bid_lots, ask_lots = self.bids.lots, self.asks.lots
        emit(
            BookChanged(
                self.symbol,
                [self._level(t, bid_lots.get(t, 0)) for t in changed_bids],
                [self._level(t, ask_lots.get(t, 0)) for t in changed_asks],
                ts_ns=now_ns,
            )
        )

    def _limit_add(self, changed_bids: set[int], changed_asks: set[int]) -> None:
        rng = self.rng
        best_bid, best_ask = self.bids.best(), self.asks.best()
        assert best_bid is not None and best_ask is not None
        distance = int(rng.expovariate(1.0 / (self.gap * 6))) if rng.random() < 0.8 else 0
        if rng.random() < 0.5:
            anchor = min(math.floor(self.fair), best_ask - 1)
            tick = min(anchor - distance, best_ask - 1)
            self.bids.add(tick, self._size())
            changed_bids.add(tick)
        else:
            anchor = max(math.ceil(self.fair), best_bid + 1)
            tick = max(anchor + distance, best_bid + 1)
            self.asks.add(tick, self._size())
            changed_asks.add(tick)

    def _cancel(self, changed_bids: set[int], changed_asks: set[int]) -> None:
        rng = self.rng
        side, changed = (
            (self.bids, changed_bids) if rng.random() < 0.5 else (self.asks, changed_asks)
        )
        if len(side.ticks) <= MIN_LEVELS // 2:
            return
        index = min(int(rng.expovariate(1.0 / 12)), len(side.ticks) - 1)
        tick = side.nth(index)
        lots = side.lots[tick]
        left = 0 if rng.random() < 0.35 else int(lots * rng.uniform(0.1, 0.9))
        side.set(tick, left)
        changed.add(tick)

    def _market_order(
        self, now_ns: int, changed_bids: set[int], changed_asks: set[int], trades: list[Trade]
    ) -> None:
        rng = self.rng
        lean = (self.fair - self.mid_ticks()) / (self.gap * 4.0)
        p_buy = 0.5 + max(-0.42, min(0.42, lean))
        taker = Side.BUY if rng.random() < p_buy else Side.SELL
        book, changed = (
            (self.asks, changed_asks) if taker is Side.BUY else (self.bids, changed_bids)
        )
        wanted = max(1, int(rng.lognormvariate(0.0, 1.1) * self.size_lots * 0.7))
        while wanted > 0 and len(book.ticks) > 1:
            tick = book.best()
            assert tick is not None
            lots = book.lots[tick]
            take = min(lots, wanted)
            book.set(tick, lots - take)
            changed.add(tick)
            wanted -= take
            self.trade_seq += 1
            trades.append(
                Trade(
                    self.symbol,
                    self.price(tick),
                    self.qty(take),
                    taker,
                    now_ns,
                    str(self.trade_seq),
                )
            )

    def _maintain(self, changed_bids: set[int], changed_asks: set[int]) -> None:
        """Keep both sides between MIN_LEVELS and MAX_LEVELS deep and the spread sane."""
        rng = self.rng
        for side, changed, direction in (
            (self.bids, changed_bids, -1),
            (self.asks, changed_asks, 1),
        ):
            while len(side.ticks) < MIN_LEVELS:
                tick = side.worst() + direction * (self.gap + rng.randrange(self.gap * 2))
                side.add(tick, self._size(2.0))
                changed.add(tick)
            while len(side.ticks) > MAX_LEVELS:
                tick = side.worst()
                side.set(tick, 0)
                changed.add(tick)
        best_bid, best_ask = self.bids.best(), self.asks.best()
        assert best_bid is not None and best_ask is not None
        if best_ask - best_bid > 6 * self.gap:
            inside = round(self.fair)
            inside = max(best_bid + 1, min(best_ask - 1, inside))
            if rng.random() < 0.5:
                self.bids.add(min(inside, best_ask - 1), self._size())
                changed_bids.add(min(inside, best_ask - 1))
            else:
                self.asks.add(max(inside, best_bid + 1), self._size())
                changed_asks.add(max(inside, best_bid + 1))

    # --- candles --------------------------------------------------------------

    def _candle_trade(self, trade: Trade, emit: Emit) -> None:
        minute_ms = trade.ts_ns // 60_000_000_000 * 60_000
        candle = self.candle
        if candle is None or minute_ms > candle.ts_ms:
            if candle is not None:
                self.closed.append(candle)
                # a closed candle never changes again: the engine keeps this very one (a copy
                # was one more candle a symbol-minute, 34 MB a day for 124 symbols)
                emit(CandleUpdated(self.symbol, candle, closed=True))
            open_ = candle.close if candle is not None else trade.price
            candle = self.candle = Candle(minute_ms, open_, open_, open_, open_, Decimal(0))
        candle.add_trade(trade.price, trade.qty)
        # a copy: the live candle keeps changing, a published event must not
        emit(CandleUpdated(self.symbol, replace(candle)))

    def history(self, now_ns: int, minutes: int) -> CandleSeries:
        """Make ``minutes`` closed one-minute candles ending at the minute of ``now_ns``, and
        put them before any minute the live market has closed since; returns them.

        The path is walked backwards from the price the market opened at, so it joins the
        live market. The candles are made as integers (prices in ticks, volumes in lots) and
        packed as such (``CandleSeries.pack_ints``): no Decimal is made for them.
        """
        rng = self._history_rng
        gauss, uniform = rng.gauss, rng.random
        sigma = self.sigma * math.sqrt(60.0) * 1.5
        lots = self.listing.size * 3.0 / float(self.lot)
        minute_ms = now_ns // 60_000_000_000 * 60_000
        close = self.opened_at
        opens: list[int] = []
        highs: list[int] = []
        lows: list[int] = []
        closes: list[int] = []
        volumes: list[int] = []
        for _ in range(minutes):
            open_ = close * math.exp(-sigma * gauss(0.0, 1.0))
            top, bottom = (open_, close) if open_ > close else (close, open_)
            highs.append(round(top * (1.0 + sigma * 0.8 * uniform())))
            lows.append(max(1, round(bottom * (1.0 - sigma * 0.8 * uniform()))))
            opens.append(round(open_))
            closes.append(round(close))
            volumes.append(int(lots * (0.2 + 1.6 * uniform()) + 1))
            close = open_
        price_digits, price_exp = _coefficient(self.tick)
        lot_digits, lot_exp = _coefficient(self.lot)
        columns = [
            [tick * price_digits for tick in reversed(ticks)]
            for ticks in (opens, highs, lows, closes)
        ]
        columns.append([count * lot_digits for count in reversed(volumes)])
        made = CandleSeries(maxlen=self.closed.maxlen)
        made.pack_ints(
            _minute_stamps(minute_ms, minutes)[::-1],
            columns,
            (price_exp, price_exp, price_exp, price_exp, lot_exp),
        )
        history = made.copy()
        made.extend(self.closed)
        self.closed = made
        return history


def _coefficient(step: Decimal) -> tuple[int, int]:
    """``step`` as (integer coefficient, exponent): ``Decimal(n) * step`` is ``n * coefficient``
    at that exponent, exactly."""
    sign, digits, exp = step.as_tuple()
    assert isinstance(exp, int) and not sign
    return int("".join(map(str, digits))), exp
