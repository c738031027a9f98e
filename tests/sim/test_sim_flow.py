"""The sim's order flow, checked through a real Engine's book: depth, no crosses, honest
trades that walk the book from the touch, candles and tickers built from those trades."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sim_rig import MINUTE_NS, START_NS, make

from tradeterm.domain.enums import Side
from tradeterm.domain.events import BookChanged, CandleUpdated, TickerUpdated, TradePrinted
from tradeterm.domain.market_data import Trade
from tradeterm.engine.engine import Engine
from tradeterm.venues.sim.feed import SimFeed

MIN_DEPTH = 50


class StepChecker:
    """Subscribes to an engine and checks every sim step as its events arrive.

    Trades are printed before the BookChanged that reflects them, so when a
    TradePrinted arrives the engine's book still shows the book the market
    order hit: the k-th print of a step must be at the k-th level from the touch.
    """

    def __init__(self, engine: Engine, feed: SimFeed) -> None:
        self.engine = engine
        self.feed = feed
        self.pending: list[tuple[Trade, tuple[Decimal, Decimal]]] = []
        self.steps = 0
        self.trades = 0
        self.walks = 0
        self.last_trade_id: dict[str, int] = {}
        self.last_event: object = None
        self.errors: list[str] = []
        engine.subscribe(TradePrinted, self.reported(self.on_trade))
        engine.subscribe(BookChanged, self.reported(self.on_book))
        engine.bus.subscribe_all(self.on_any)

    def reported(self, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        """The bus isolates failing handlers (it only logs them): keep failures for the test."""

        def wrapper(event: object) -> None:
            try:
                handler(event)
            except Exception as exc:
                self.errors.append(f"{type(event).__name__}: {exc!r}")
                raise

        return wrapper

    def on_any(self, event: object) -> None:
        self.last_event = event

    def on_trade(self, event: TradePrinted) -> None:
        trade = event.trade
        book = self.engine.state.books_on(self.engine.feed.venue)[trade.symbol]
        aggressed = book.asks if trade.side is Side.BUY else book.bids
        levels = aggressed.top(len(self.pending) + 1)
        assert len(levels) == len(self.pending) + 1, "a print beyond the resting depth"
        self.pending.append((trade, levels[-1]))

    def on_book(self, event: BookChanged) -> None:
        if event.snapshot:
            return
        self.steps += 1
        trades, self.pending = self.pending, []
        symbol = event.symbol
        market = self.feed.flows[symbol].market
        now = self.engine.clock.now_ns()
        assert event.ts_ns == now
        for i, (trade, (price, resting)) in enumerate(trades):
            assert trade.symbol == symbol
            assert trade.ts_ns == now
            assert trade.side is trades[0][0].side
            assert trade.price == price, "print away from the level the order reached"
            assert 0 < trade.qty <= resting, "print larger than what rested there"
            if i < len(trades) - 1:
                assert trade.qty == resting, "walked on before taking the whole level"
            trade_id = int(trade.trade_id)
            assert trade_id == self.last_trade_id.get(symbol, trade_id - 1) + 1
            self.last_trade_id[symbol] = trade_id
            assert market.price_error(trade.price) is None
            assert (trade.qty / market.lot_size) % 1 == 0
        prices = [t.price for t, _ in trades]
        if len(prices) > 1:
            self.walks += 1
            if trades[0][0].side is Side.BUY:
                assert prices == sorted(set(prices)), "a buy walks up the asks"
            else:
                assert prices == sorted(set(prices), reverse=True), "a sell walks down the bids"
        self.trades += len(trades)

        book = self.engine.state.books_on(self.engine.feed.venue)[symbol]
        assert not book.is_crossed()
        assert len(book.bids) >= MIN_DEPTH
        assert len(book.asks) >= MIN_DEPTH
        for price, qty in (*event.bids, *event.asks):
            assert qty >= 0
            assert market.price_error(price) is None
            assert (qty / market.lot_size) % 1 == 0


def engine_book_matches_the_sim(engine: Engine, feed: SimFeed, symbol: str) -> None:
    """The engine's book, built only from the events, equals the sim's own book."""
    flow = feed.flows[symbol]
    book = engine.state.books_on(engine.feed.venue)[symbol]
    expected_bids = [
        (flow.price(t), flow.qty(flow.bids.lots[t])) for t in reversed(flow.bids.ticks)
    ]
    expected_asks = [(flow.price(t), flow.qty(flow.asks.lots[t])) for t in flow.asks.ticks]
    assert list(book.bids.levels_best_first()) == expected_bids
    assert list(book.asks.levels_best_first()) == expected_asks


def test_books_and_prints_stay_consistent_over_thousands_of_steps() -> None:
    clock, feed, engine = make(seed=5, history_minutes=30)
    feed.bootstrap(engine)
    checker = StepChecker(engine, feed)
    steps = 8000
    for i in range(steps):
        clock.advance(0.025)
        feed.step(engine, 1 + i % 2)
        assert not checker.errors, checker.errors[:3]
        assert isinstance(checker.last_event, BookChanged), "a step ends with its book update"
        if i % 2000 == 1999:
            for symbol in feed.flows:
                engine_book_matches_the_sim(engine, feed, symbol)
    assert checker.steps == sum(1 + i % 2 for i in range(steps))
    assert checker.trades > 1000
    assert checker.walks > 100
    for symbol in feed.flows:
        engine_book_matches_the_sim(engine, feed, symbol)


@pytest.mark.parametrize("symbol", ["BTC/USDT", "PEPE/USDT"])
@pytest.mark.parametrize("direction", [1, -1])
def test_the_mid_is_pulled_to_a_fair_price_that_holds_still(symbol: str, direction: int) -> None:
    """With the clock frozen the fair price does not move; the flow must bring the mid to it."""
    _clock, feed, engine = make(seed=9, symbols=[symbol], history_minutes=30)
    feed.bootstrap(engine)
    flow = feed.flows[symbol]
    book = engine.state.books_on(engine.feed.venue)[symbol]
    start_mid = book.mid()
    assert start_mid is not None
    fair = float(start_mid) * (1 + direction * 0.01)
    flow.fair = fair / float(flow.tick)  # the model keeps its fair price in ticks
    sides: dict[Side, int] = defaultdict(int)

    def count(event: TradePrinted) -> None:
        """Prints while the mid is still on its way (at the fair price both sides trade)."""
        mid = book.mid()
        if mid is not None and abs(float(mid) / fair - 1) >= 0.002:
            sides[event.trade.side] += 1

    engine.subscribe(TradePrinted, count)
    for _ in range(2500):
        feed.step(engine)
    mid = book.mid()
    assert mid is not None
    assert abs(float(mid) / fair - 1) < 0.002, (float(start_mid), float(mid), fair)
    toward, away = (Side.BUY, Side.SELL) if direction > 0 else (Side.SELL, Side.BUY)
    assert sides[toward] > sides[away] > 0


async def test_candles_are_built_from_the_trades_of_their_minute() -> None:
    start = START_NS + 40_000_000_000  # 40 s into a minute, so the first bar is partial
    clock, feed, engine = make(seed=3, symbols=["BTC/USDT"], history_minutes=1440, start_ns=start)
    trades_by_minute: dict[int, list[Trade]] = defaultdict(list)
    closed: list[CandleUpdated] = []
    live_seen: list[tuple] = []

    def on_trade(event: TradePrinted) -> None:
        trades_by_minute[event.trade.ts_ns // MINUTE_NS * 60_000].append(event.trade)

    def on_candle(event: CandleUpdated) -> None:
        c = event.candle
        if event.closed:
            closed.append(event)
        else:
            live_seen.append((c.ts_ms, c.open, c.high, c.low, c.close, c.volume))

    engine.subscribe(TradePrinted, on_trade)
    engine.subscribe(CandleUpdated, on_candle)
    feed.bootstrap(engine)
    history = list(engine.state.candles_on(engine.feed.venue)["BTC/USDT"])[:1440]

    for _ in range(4 * 60 * 20):  # four minutes, 20 steps a second
        clock.advance(0.05)
        feed.step(engine)

    assert len(closed) >= 3
    minutes = sorted(trades_by_minute)
    assert len(minutes) >= 4
    series = list(engine.state.candles_on(engine.feed.venue)["BTC/USDT"])
    assert series[:1440] == history
    built = series[1440:]  # the bars the live market made, closed ones then the live one
    assert [c.ts_ms for c in built] == minutes
    assert [e.candle for e in closed] == built[:-1]
    previous_close = None
    for bar in built:
        trades = trades_by_minute[bar.ts_ms]
        prices = [t.price for t in trades]
        # a bar opens at the previous bar's close (the first at its first trade)
        assert bar.open == (prices[0] if previous_close is None else previous_close)
        assert bar.high == max(bar.open, *prices)
        assert bar.low == min(bar.open, *prices)
        assert bar.close == prices[-1]
        assert bar.volume == sum((t.qty for t in trades), Decimal(0))
        previous_close = bar.close
    # the live bar's last update is what the engine holds
    assert live_seen[-1] == (
        built[-1].ts_ms,
        built[-1].open,
        built[-1].high,
        built[-1].low,
        built[-1].close,
        built[-1].volume,
    )

    # the 24 h ticker agrees with the closed history plus the live bar
    tickers: list[TickerUpdated] = []
    engine.subscribe(TickerUpdated, tickers.append)
    feed.publish_tickers(engine)
    ticker = tickers[-1].ticker
    day = list(await feed.fetch_candles("BTC/USDT", "1m", None, 1440))
    assert len(day) == 1440
    assert day[-1] == built[-2]
    window = [*day, built[-1]]
    assert ticker.open_24h == day[0].open
    assert ticker.high_24h == max(c.high for c in window)
    assert ticker.low_24h == min(c.low for c in window)
    assert ticker.volume_24h == sum((c.volume for c in window), Decimal(0))
    assert ticker.quote_volume_24h == sum((c.volume * c.close for c in window), Decimal(0))
    assert (
        ticker.last
        == built[-1].close
        == engine.state.tapes_on(engine.feed.venue)["BTC/USDT"][0].price
    )
    book = engine.state.books_on(engine.feed.venue)["BTC/USDT"]
    assert (ticker.bid, ticker.ask) == (book.best_bid(), book.best_ask())
    assert ticker.ts_ns == clock.now_ns()
    assert engine.state.tickers_on(engine.feed.venue)["BTC/USDT"] is ticker


@pytest.fixture(scope="module")
def ten_minutes() -> dict[str, list[tuple[float, float, float]]]:
    """Ten minutes of the default market at its default rate: (start mid, mid, fair) samples."""
    clock, feed, engine = make(seed=7, history_minutes=30)
    feed.bootstrap(engine)
    start = {s: float(engine.state.books_on(engine.feed.venue)[s].mid()) for s in feed.flows}
    samples: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for i in range(40 * 600):
        clock.advance(1 / 40)
        feed.step(engine)
        if i % 200 == 199:
            for symbol, flow in feed.flows.items():
                mid = float(engine.state.books_on(engine.feed.venue)[symbol].mid())
                samples[symbol].append((start[symbol], mid, flow.fair * float(flow.tick)))
    return samples


def test_prices_stay_plausible_over_ten_minutes(
    ten_minutes: dict[str, list[tuple[float, float, float]]],
) -> None:
    # annualised vols are 0.45..1.4: ten minutes is a fraction of a percent of one sigma-year;
    # 25 % is far beyond anything the volatile regime should produce
    for symbol, samples in ten_minutes.items():
        for start, mid, _fair in samples:
            assert abs(mid / start - 1) < 0.25, f"{symbol} moved from {start} to {mid}"


def test_the_mid_follows_the_fair_price(
    ten_minutes: dict[str, list[tuple[float, float, float]]],
) -> None:
    for symbol, samples in ten_minutes.items():
        for _start, mid, fair in samples:
            assert abs(mid / fair - 1) < 0.10, f"{symbol}: mid {mid} vs fair {fair}"


def test_published_candle_events_do_not_change_afterwards() -> None:
    clock, feed, engine = make(seed=3, symbols=["BTC/USDT"], history_minutes=30)
    feed.bootstrap(engine)
    kept: list[tuple[CandleUpdated, str]] = []
    engine.subscribe(CandleUpdated, lambda e: kept.append((e, repr(e))))
    for _ in range(400):
        clock.advance(0.05)
        feed.step(engine)
    assert len(kept) > 10
    changed = [before for event, before in kept if repr(event) != before]
    assert not changed, f"{len(changed)} of {len(kept)} events changed after publication"
