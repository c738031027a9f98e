"""The Engine: state is updated before an event is published; selection; stale feeds."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from engine_rig import SYMBOLS, Rig

from tradeterm.domain.enums import FeedState, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import (
    AccountSwitched,
    BookChanged,
    CandlesLoaded,
    CandleUpdated,
    FeedStateChanged,
    MarketsLoaded,
    SymbolSelected,
    TickerUpdated,
    TradePrinted,
)
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.logbook import LogBook
from tradeterm.engine.state import TAPE_LENGTH
from tradeterm.venues.sim.feed import SimFeed

D = Decimal


def of_type(events: list[object], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def reported(handler: Callable[[Any], None], errors: list[str]) -> Callable[[Any], None]:
    """The bus isolates failing handlers (it only logs them): keep their failures for the test."""

    def wrapper(event: object) -> None:
        try:
            handler(event)
        except Exception as exc:
            errors.append(f"{type(event).__name__}: {exc!r}")
            raise

    return wrapper


def trade(n: int, ts_ns: int, symbol: str = "BTC/USDT") -> Trade:
    return Trade(symbol, D(100 + n), D("0.1"), Side.BUY, ts_ns, str(n))


def candle(ts_ms: int, close: str = "100") -> Candle:
    c = D(close)
    return Candle(ts_ms, c, c, c, c, D("1"))


async def test_start_loads_markets_and_activates_the_first(rig: Rig) -> None:
    await rig.engine.start()
    state = rig.engine.state
    assert list(state.markets) == [Instrument("sim", s) for s in SYMBOLS]
    assert state.active == Instrument("sim", SYMBOLS[0])
    view = rig.engine.view("sim")
    assert view.market("ETH/USDT") is state.markets[Instrument("sim", "ETH/USDT")]
    assert view.market("NOPE/USDT") is None
    assert rig.engine.view("binance").market("ETH/USDT") is None
    assert of_type(rig.events, MarketsLoaded)[0].venue == "sim"
    assert rig.engine.started


def test_no_accounts_is_an_error() -> None:
    clock = ManualClock()
    with pytest.raises(TradetermError, match="account"):
        Engine(clock, SimFeed(clock, symbols=["BTC/USDT"], history_minutes=30), [])


def test_subscribers_see_the_state_the_event_describes(rig: Rig) -> None:
    """Cache-then-publish, with events from the real sim feed."""
    engine, state = rig.engine, rig.engine.state
    checked: dict[str, int] = {}

    def on_book(event: BookChanged) -> None:
        book = state.books[event.instrument]
        if event.snapshot:
            assert book.bids.top(len(book.bids)) == [(p, q) for p, q in event.bids if q]
            assert book.asks.top(len(book.asks)) == [(p, q) for p, q in event.asks if q]
        for price, qty in event.bids:
            assert book.bids.qty_at(price) == qty
        for price, qty in event.asks:
            assert book.asks.qty_at(price) == qty
        assert book.ts_ns == event.ts_ns
        checked["book"] = checked.get("book", 0) + 1

    def on_trade(event: TradePrinted) -> None:
        assert state.tapes[event.instrument][0] is event.trade
        checked["trade"] = checked.get("trade", 0) + 1

    def on_candle(event: CandleUpdated) -> None:
        assert state.candles[event.instrument][-1] is event.candle
        checked["candle"] = checked.get("candle", 0) + 1

    def on_candles(event: CandlesLoaded) -> None:
        assert list(state.candles[event.instrument]) == list(event.candles)
        checked["candles"] = checked.get("candles", 0) + 1

    def on_ticker(event: TickerUpdated) -> None:
        assert state.tickers[event.instrument] is event.ticker
        checked["ticker"] = checked.get("ticker", 0) + 1

    def on_feed(event: FeedStateChanged) -> None:
        assert state.feed.state is event.state
        checked["feed"] = checked.get("feed", 0) + 1

    errors: list[str] = []
    engine.subscribe(BookChanged, reported(on_book, errors))
    engine.subscribe(TradePrinted, reported(on_trade, errors))
    engine.subscribe(CandleUpdated, reported(on_candle, errors))
    engine.subscribe(CandlesLoaded, reported(on_candles, errors))
    engine.subscribe(TickerUpdated, reported(on_ticker, errors))
    engine.subscribe(FeedStateChanged, reported(on_feed, errors))
    rig.feed.bootstrap(engine)
    for _ in range(400):
        rig.clock.advance(0.05)
        rig.feed.step(engine)
    assert not errors, errors[:3]
    assert set(checked) == {"book", "trade", "candle", "candles", "ticker", "feed"}
    assert checked["book"] > 400
    assert checked["trade"] > 20


def test_snapshot_replaces_the_book_and_deltas_apply_absolute_sizes(rig: Rig) -> None:
    engine = rig.engine
    engine.on_market(
        BookChanged("X/Y", [(D("9"), D("1")), (D("8"), D("2"))], [(D("11"), D("3"))], True, 5, 10)
    )
    engine.on_market(BookChanged("X/Y", [(D("9"), D("4")), (D("8"), D("0"))], [], seq=6, ts_ns=20))
    book = engine.view(engine.feed.venue).book("X/Y")
    assert book is not None
    assert book.bids.top(10) == [(D("9"), D("4"))]
    assert book.asks.top(10) == [(D("11"), D("3"))]
    assert (book.seq, book.ts_ns) == (6, 20)

    engine.on_market(BookChanged("X/Y", [(D("5"), D("1"))], [(D("6"), D("1"))], True, 9, 30))
    assert book.bids.top(10) == [(D("5"), D("1"))]
    assert book.asks.top(10) == [(D("6"), D("1"))]
    assert book.seq == 9
    assert engine.view(engine.feed.venue).book("OTHER/Y") is None


def test_tape_is_newest_first_and_bounded(rig: Rig) -> None:
    now = rig.clock.now_ns()
    trades = [trade(n, now + n) for n in range(TAPE_LENGTH + 50)]
    for t in trades:
        rig.engine.on_market(TradePrinted(t))
    tape = rig.engine.state.tapes_on(rig.engine.feed.venue)["BTC/USDT"]
    assert len(tape) == TAPE_LENGTH
    assert list(tape) == trades[::-1][:TAPE_LENGTH]


def test_candles_replace_the_live_bar_append_newer_and_ignore_older(rig: Rig) -> None:
    engine = rig.engine
    history = [candle(60_000 * k) for k in range(1, 6)]
    engine.on_market(CandlesLoaded("BTC/USDT", history))
    series = engine.state.candles_on(engine.feed.venue)["BTC/USDT"]
    assert list(series) == history

    live = candle(60_000 * 5, close="101")  # same minute as the last bar
    engine.on_market(CandleUpdated("BTC/USDT", live))
    assert len(series) == 5
    assert series[-1] is live

    newer = candle(60_000 * 6, close="102")
    engine.on_market(CandleUpdated("BTC/USDT", newer))
    assert len(series) == 6
    assert series[-1] is newer

    older = candle(60_000 * 3, close="1")
    engine.on_market(CandleUpdated("BTC/USDT", older))
    assert len(series) == 6
    assert older not in list(series)
    assert series[2] is history[2]

    engine.on_market(CandlesLoaded("BTC/USDT", history[:2]))
    assert list(series) == history[:2]


def test_a_live_candle_sent_again_after_new_history_is_stored_again(rig: Rig) -> None:
    """A feed updates its live candle in place and sends the same object once a trade (the
    engine passes over it then); history loaded in between drops it, so it is added again."""
    engine = rig.engine
    live = candle(60_000 * 9, close="100")
    engine.on_market(CandleUpdated("BTC/USDT", live))
    live.add_trade(Decimal("105"), Decimal("1"))
    engine.on_market(CandleUpdated("BTC/USDT", live))  # the same object, updated in place
    series = engine.state.candles_on(engine.feed.venue)["BTC/USDT"]
    assert list(series) == [live]
    assert series[-1].high == Decimal("105")

    history = [candle(60_000 * k) for k in range(1, 4)]
    engine.on_market(CandlesLoaded("BTC/USDT", history))
    engine.on_market(CandleUpdated("BTC/USDT", live))
    assert list(series) == [*history, live]
    engine.on_market(CandleUpdated("BTC/USDT", live))
    assert list(series) == [*history, live]


async def test_select_symbol_publishes_once_and_refuses_unknown(rig: Rig) -> None:
    engine = rig.engine
    await engine.start()
    rig.events.clear()
    engine.select_symbol("ETH/USDT")
    assert engine.state.active_symbol == "ETH/USDT"
    assert rig.events == [SymbolSelected(Instrument("sim", "ETH/USDT"))]
    engine.select_symbol("ETH/USDT")  # already active: nothing new to tell
    assert rig.events == [SymbolSelected(Instrument("sim", "ETH/USDT"))]
    with pytest.raises(TradetermError, match=r"DOGE/EUR"):
        engine.select_symbol("DOGE/EUR")
    assert engine.state.active_symbol == "ETH/USDT"
    assert len(rig.events) == 1


def test_switch_account_publishes_and_names_the_known_accounts(rig: Rig) -> None:
    engine = rig.engine
    assert engine.state.active_account == "paper"
    assert engine.state.account.balances["USDT"].total == D("10000")
    engine.switch_account("cautious")
    assert engine.state.account.name == "cautious"
    assert engine.state.account.balances["BTC"].total == D("0.05")
    assert rig.events == [AccountSwitched("cautious")]
    with pytest.raises(TradetermError) as info:
        engine.switch_account("live-1")
    message = str(info.value)
    assert "live-1" in message
    assert "paper" in message
    assert "cautious" in message
    assert engine.state.active_account == "cautious"
    assert len(rig.events) == 1


def feed_states(events: list[object]) -> list[FeedState]:
    return [e.state for e in of_type(events, FeedStateChanged)]


def test_feed_goes_stale_after_silence_and_recovers_on_the_next_message(
    rig: Rig, engine_log: LogBook
) -> None:
    engine, clock = rig.engine, rig.clock
    rig.feed.bootstrap(engine)
    assert engine.state.feed.state is FeedState.CONNECTED
    rig.events.clear()

    rig.feed.step(engine)
    clock.advance(4.9)
    engine.check_stale()
    assert engine.state.feed.state is FeedState.CONNECTED
    assert feed_states(rig.events) == []

    clock.advance(0.2)  # 5.1 s without data
    engine.check_stale()
    assert engine.state.feed.state is FeedState.STALE
    assert feed_states(rig.events) == [FeedState.STALE]
    stale = of_type(rig.events, FeedStateChanged)[0]
    assert stale.venue == "sim"
    assert "5s" in stale.detail
    assert any("stale" in e.message and e.level >= 30 for e in engine_log.entries)

    clock.advance(10)
    engine.check_stale()  # still stale: no second event
    assert feed_states(rig.events) == [FeedState.STALE]

    rig.events.clear()
    rig.feed.step(engine)  # data again
    assert engine.state.feed.state is FeedState.CONNECTED
    assert engine.state.feed.detail == ""
    assert feed_states(rig.events) == [FeedState.CONNECTED]
    # the recovery is announced before the data that caused it
    assert isinstance(rig.events[0], FeedStateChanged)

    clock.advance(6)
    engine.check_stale()
    assert feed_states(rig.events) == [FeedState.CONNECTED, FeedState.STALE]


def test_a_feed_that_never_connected_is_not_called_stale(rig: Rig) -> None:
    rig.engine.on_market(TradePrinted(trade(1, rig.clock.now_ns())))
    rig.clock.advance(60)
    rig.engine.check_stale()
    assert rig.engine.state.feed.state is FeedState.CONNECTING
    assert feed_states(rig.events) == []


def test_a_message_that_just_arrived_keeps_the_feed_fresh(rig: Rig) -> None:
    engine, clock = rig.engine, rig.clock
    engine.on_market(FeedStateChanged("sim", FeedState.CONNECTED))
    # a trade printed 10 s ago on the exchange, delivered now (e.g. a recent-trades snapshot)
    engine.on_market(TradePrinted(trade(1, clock.now_ns() - 10_000_000_000)))
    engine.check_stale()
    assert engine.state.feed.state is FeedState.CONNECTED


async def test_watch_feed_checks_on_the_engines_clock(rig: Rig) -> None:
    """The watch is a timer on the engine's clock: on a simulated clock it checks as simulated
    time passes (a replay or a backtest), however fast or slow the machine is."""
    engine = rig.engine
    rig.feed.bootstrap(engine)
    task = asyncio.create_task(engine.watch_feed(interval_s=1.0))
    await asyncio.sleep(0)  # the worker starts and sets its timer
    try:
        rig.clock.advance(4.5)  # checked at 1, 2, 3 and 4 s: not silent long enough yet
        assert engine.state.feed.state is FeedState.CONNECTED
        rig.clock.advance(1.6)  # the check at 6 s finds 6 s of silence (over 5)
        assert engine.state.feed.state is FeedState.STALE
        assert engine.state.feed.detail == "no data for 6s"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert rig.clock.next_due_ns() is None  # the timer went with the worker


async def test_run_feed_streams_the_feed_into_the_engine(rig: Rig) -> None:
    engine = rig.engine
    rig.feed.rate = 400
    task = asyncio.create_task(engine.run_feed())
    try:
        for _ in range(300):  # until every symbol has its history (3 s at most)
            await asyncio.sleep(0.01)
            if rig.feed.events and rig.feed.bootstrapped:
                break
    finally:
        task.cancel()
    assert engine.state.feed.state is FeedState.CONNECTED
    assert set(engine.state.books_on(engine.feed.venue)) == set(SYMBOLS)
    assert rig.feed.events > 0
    assert rig.engine.state.tickers_on(rig.engine.feed.venue).keys() == set(SYMBOLS)
