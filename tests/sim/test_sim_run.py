"""SimFeed.run on a real asyncio loop: it paces events to ``rate`` and never builds a backlog.

These are behaviour tests of pacing, not speed tests: the bands are wide.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from itertools import pairwise

from sim_rig import make

from tradeterm.domain.book import Level, OrderBook
from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import BookChanged, CandlesLoaded, TickerUpdated, TradePrinted
from tradeterm.engine.engine import Engine
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.sim.feed import HISTORY_AFTER_S, WARM_UP_AFTER_S, SimFeed

SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT"]


async def run_for(feed: SimFeed, engine: Engine, seconds: float) -> float:
    """Run the feed as a task for about ``seconds``; return the loop time it ran."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    task = asyncio.create_task(feed.run(engine.sink(feed.venue)))
    try:
        await asyncio.sleep(seconds)
    finally:
        task.cancel()
    elapsed = loop.time() - started
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return elapsed


def count_updates(engine: Engine) -> list[int]:
    counter = [0]

    def on_book(event: BookChanged) -> None:
        if not event.snapshot:
            counter[0] += 1

    engine.subscribe(BookChanged, on_book)
    return counter


def levels(books: Mapping[str, OrderBook]) -> dict[str, tuple[list[Level], list[Level]]]:
    return {
        symbol: (list(book.bids.levels_best_first()), list(book.asks.levels_best_first()))
        for symbol, book in books.items()
    }


async def test_run_makes_about_rate_events_per_second() -> None:
    rate = 500
    _clock, feed, engine = make(symbols=SYMBOLS, history_minutes=30, rate=rate)
    feed.bootstrap(engine)
    updates = count_updates(engine)
    elapsed = await run_for(feed, engine, 0.3)
    expected = rate * elapsed
    assert 0.3 * expected <= updates[0] <= 2.0 * expected, (updates[0], expected)
    assert feed.events == updates[0]  # one book update per order-flow event


async def test_run_goes_live_at_once_and_sends_the_history_while_the_market_moves() -> None:
    """The first book at once, the other books and the tape a moment later; the history from
    HISTORY_AFTER_S on (the first book is drawn with nothing else to compute), a symbol per
    tick, paused market too."""
    _clock, feed, engine = make(symbols=SYMBOLS, history_minutes=30, rate=0)
    loop = asyncio.get_running_loop()
    loaded_at: list[float] = []
    engine.subscribe(CandlesLoaded, lambda _event: loaded_at.append(loop.time()))
    started = loop.time()
    task = asyncio.create_task(feed.run(engine.sink(feed.venue)))
    await asyncio.sleep(0)  # the first turn: the first book, connected (the rest next)
    assert engine.state.feed.state is FeedState.CONNECTED
    assert set(engine.state.books_on(engine.feed.venue)) == {SYMBOLS[0]}  # no focus: the first
    await asyncio.sleep(WARM_UP_AFTER_S * 1.5)
    assert set(engine.state.books_on(engine.feed.venue)) == set(SYMBOLS)
    assert not feed.bootstrapped and not engine.state.tickers_on(engine.feed.venue)
    deadline = started + HISTORY_AFTER_S + 5.0
    while not feed.bootstrapped and loop.time() < deadline:
        await asyncio.sleep(0.01)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert feed.bootstrapped
    assert len(loaded_at) == len(SYMBOLS)
    assert min(loaded_at) - started >= HISTORY_AFTER_S
    assert set(engine.state.tickers_on(engine.feed.venue)) == set(SYMBOLS)
    for symbol in SYMBOLS:  # the history and the live minute after it
        series = list(engine.state.candles_on(engine.feed.venue)[symbol])
        assert len(series) == 31
        assert [b.ts_ms - a.ts_ms for a, b in pairwise(series)] == [60_000] * 30


async def test_rate_zero_pauses_the_market() -> None:
    _clock, feed, engine = make(symbols=SYMBOLS, history_minutes=30, rate=0)
    feed.bootstrap(engine)
    updates = count_updates(engine)
    await run_for(feed, engine, 0.2)
    assert updates[0] == 0
    assert feed.events == 0


async def test_a_stalled_loop_gets_at_most_half_a_second_of_events_and_no_backlog() -> None:
    """After the loop was blocked for 0.8 s, the next tick does rate/2 events, not rate*0.8,
    and the ticks after it are back to normal size (the shortfall is dropped, not owed)."""
    rate = 500
    _clock, feed, engine = make(symbols=SYMBOLS, history_minutes=30, rate=rate)
    feed.bootstrap(engine)
    batches: list[int] = []
    real_step = feed.step

    def recording_step(sink: MarketSink, events: int = 1) -> None:
        batches.append(events)
        real_step(sink, events)

    feed.step = recording_step  # type: ignore[method-assign]
    stalled = [False]

    def stall_once(event: BookChanged) -> None:
        if not stalled[0]:
            stalled[0] = True
            time.sleep(0.8)  # a slow machine: the loop is blocked

    engine.subscribe(BookChanged, stall_once)
    tickers = count_tickers(engine)
    await run_for(feed, engine, 1.15)
    assert stalled[0]
    assert max(batches) <= rate // 2
    big = batches.index(max(batches))
    assert batches[big] == rate // 2, batches  # the stall really hit the cap
    after = batches[big + 1 :]
    assert after, "the feed kept running after the stall"
    assert max(after) < rate // 5, batches  # ~10 per 20 ms tick again: no backlog replayed
    assert tickers[0] >= len(SYMBOLS)  # more than a second passed: tickers went out


def count_tickers(engine: Engine) -> list[int]:
    counter = [0]

    def on_ticker(event: TickerUpdated) -> None:
        counter[0] += 1

    engine.subscribe(TickerUpdated, on_ticker)
    return counter


async def test_run_sends_the_focused_book_first_and_the_rest_a_moment_later() -> None:
    """The first book is drawn without waiting for the other books or the tape's last seconds
    (800 events, about 25 ms): the run's first turn sends the focused symbol's book only;
    ``WARM_UP_AFTER_S`` later come the other books and the same warm-up events, with the same
    times, as a bootstrap sends, before any new event. The books laid out later are the same
    as a bootstrap's."""
    _clock, booted, booted_engine = make(symbols=SYMBOLS, history_minutes=30, rate=0)
    expected: list[object] = []
    booted_engine.subscribe(TradePrinted, expected.append)
    booted.bootstrap(booted_engine)
    assert len(expected) > 10
    _clock, feed, engine = make(symbols=SYMBOLS, history_minutes=30, rate=0)
    loop = asyncio.get_running_loop()
    trades: list[object] = []
    first_at: list[float] = []

    def on_trade(event: TradePrinted) -> None:
        first_at.append(loop.time())
        trades.append(event)

    engine.subscribe(TradePrinted, on_trade)
    feed.focus("SOL/USDT")  # the engine's active symbol (its first market, when it starts)
    started = loop.time()
    task = asyncio.create_task(feed.run(engine.sink(feed.venue)))
    try:
        await asyncio.sleep(0)  # the first turn
        assert engine.state.feed.state is FeedState.CONNECTED
        assert set(engine.state.books_on(engine.feed.venue)) == {"SOL/USDT"}
        assert trades == []
        deadline = loop.time() + 5.0
        while not trades and loop.time() < deadline:
            await asyncio.sleep(0.005)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert trades[: len(expected)] == expected
    books = engine.state.books_on(feed.venue)  # laid out later, yet the same books
    assert set(books) == set(SYMBOLS)
    assert levels(books) == levels(booted_engine.state.books_on(booted.venue))
    assert first_at[0] - started >= 0.9 * WARM_UP_AFTER_S
    assert feed.events == 0  # a paused market: nothing new, only the tape's last seconds
