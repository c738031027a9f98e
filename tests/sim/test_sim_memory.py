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


def test_the_history_is_packed_minute_by_minute_and_exact() -> None:
    """A day of history for 124 symbols is 178,560 candles: the sim keeps them packed (no
    Candle or Decimal objects), and each reads back as the exact Decimal of its tick and lot."""
    _clock, feed, engine = make(seed=3, symbols=["BTC/USDT", "ETH/USDT"], history_minutes=90)
    feed.bootstrap(engine)
    for symbol in ("BTC/USDT", "ETH/USDT"):
        flow = feed.flows[symbol]
        assert flow.closed.packed == len(flow.closed) == 90
        candles = list(flow.closed)
        assert all(b.ts_ms - a.ts_ms == 60_000 for a, b in pairwise(candles))
        tick, lot = flow.market.tick_size, flow.market.lot_size
        for candle in candles:
            for price in (candle.open, candle.high, candle.low, candle.close):
                assert price == Decimal(int(price / tick)) * tick
                assert price.as_tuple().exponent == tick.as_tuple().exponent
            assert candle.low <= min(candle.open, candle.close)
            assert candle.high >= max(candle.open, candle.close)
            assert candle.volume.as_tuple().exponent == lot.as_tuple().exponent
            assert candle.volume > 0
        series = engine.state.candles_on(engine.feed.venue)[symbol]
        assert list(series)[:90] == candles
    btc = [c.ts_ms for c in feed.flows["BTC/USDT"].closed]
    assert btc == [c.ts_ms for c in feed.flows["ETH/USDT"].closed]
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


def test_the_24h_window_summed_from_packed_candles_equals_summing_the_candles() -> None:
    """The ticker's 24-hour figures come from the packed integers: the very Decimals (value
    and exponent) that summing the candles themselves gives, also once live minutes closed."""
    from tradeterm.venues.sim.feed import DAY_MINUTES, _Window

    clock, feed, engine = make(seed=5, symbols=["BTC/USDT", "DOGE/USDT"], history_minutes=1500)
    feed.bootstrap(engine)
    for _ in range(3):
        for _ in range(70):
            clock.advance(60.0)
            feed.step(engine, 40)
        for flow in feed.flows.values():
            mid = flow.price(round(flow.mid_ticks()))
            packed = _Window.of(flow.closed, mid)
            summed = _Window(flow.closed.tail(DAY_MINUTES), mid)
            assert flow.closed.packed > 1000 and flow.closed.hot
            for name in ("count", "open", "high", "low", "volume", "quote_volume"):
                assert repr(getattr(packed, name)) == repr(getattr(summed, name)), name
