"""The sim's memory stays bounded over a long busy run: its shared-price cache forgets the
prices its book has left behind, and every price it hands out is still the exact one."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from sim_rig import make

from tradeterm.domain.events import BookChanged, TradePrinted
from tradeterm.venues.sim.flow import PRICE_CACHE_LIMIT


def test_the_price_cache_stays_bounded_as_the_book_wanders() -> None:
    """Five minutes of market time, a busy one (200 updates a second) on one symbol: the
    book's edges reach thousands of different ticks (the cache kept them all before it was
    bounded). One step adds at most a few dozen prices after the check that prunes."""
    clock, feed, engine = make(seed=3, symbols=["SOL/USDT"], history_minutes=0)
    feed.bootstrap(engine)
    flow = feed.flows["SOL/USDT"]
    reached: set[int] = set()
    largest = 0
    for _ in range(60):
        clock.advance(5.0)
        feed.step(engine, 1000)
        reached.update(flow.bids.ticks, flow.asks.ticks)
        largest = max(largest, flow.cached_prices)
    assert len(reached) > 3 * PRICE_CACHE_LIMIT  # the run did wander past the limit
    assert largest <= PRICE_CACHE_LIMIT + 64


def test_prices_stay_exact_after_the_cache_forgets() -> None:
    clock, feed, engine = make(seed=3, symbols=["SOL/USDT"], history_minutes=0)
    feed.bootstrap(engine)
    flow = feed.flows["SOL/USDT"]
    tick = flow.market.tick_size
    seen: list[Decimal] = []
    engine.subscribe(TradePrinted, lambda e: seen.append(e.trade.price))
    engine.subscribe(BookChanged, lambda e: seen.extend(p for p, _ in (*e.bids, *e.asks)))
    for _ in range(60):
        clock.advance(5.0)
        feed.step(engine, 1000)
    assert flow.cached_prices < len(seen)
    assert len(seen) > 10_000
    for price in seen:
        assert (price / tick) % 1 == 0
    book = engine.state.books_on(engine.feed.venue)["SOL/USDT"]
    assert [p for p, _ in book.bids.levels_best_first()] == [
        Decimal(t) * tick for t in reversed(flow.bids.ticks)
    ]


def test_every_symbols_history_shares_one_set_of_timestamps() -> None:
    """A day of history for 124 symbols is 178,560 candles: their minute stamps are one set of
    ints, not one per candle, and the values are the minutes before the start."""
    _clock, feed, engine = make(seed=3, symbols=["BTC/USDT", "ETH/USDT"], history_minutes=90)
    feed.bootstrap(engine)
    btc = list(feed.flows["BTC/USDT"].closed)
    eth = list(feed.flows["ETH/USDT"].closed)
    assert len(btc) == len(eth) == 90
    assert [c.ts_ms for c in btc] == [c.ts_ms for c in eth]
    assert all(a.ts_ms is b.ts_ms for a, b in zip(btc, eth, strict=True))
    assert all(b.ts_ms - a.ts_ms == 60_000 for a, b in pairwise(btc))
    assert feed.flows["BTC/USDT"].cached_prices <= PRICE_CACHE_LIMIT


def test_a_closed_minute_is_one_candle_for_the_sim_and_the_engine() -> None:
    clock, feed, engine = make(seed=3, symbols=["BTC/USDT"], history_minutes=5)
    feed.bootstrap(engine)
    flow = feed.flows["BTC/USDT"]
    series = engine.state.candles_on(engine.feed.venue)["BTC/USDT"]
    closed_before = len(flow.closed)
    for _ in range(4):
        clock.advance(60.0)
        feed.step(engine, 400)
    assert len(flow.closed) > closed_before + 1
    assert series[-1] is not flow.candle  # the live minute is a copy: it keeps changing
    assert series[-1] == flow.candle
    engine_closed = list(series)[-(len(flow.closed) - closed_before) - 1 : -1]
    sim_closed = list(flow.closed)[closed_before:]
    assert engine_closed == sim_closed
    assert all(a is b for a, b in zip(engine_closed, sim_closed, strict=True))
