"""The strategy host: own orders only, callbacks, refusals, failures, HALTED, timers, candles."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from strategy_rig import MS, T0, book, host_on, list_engine, play, trade

from tradeterm.domain.book import OrderBook
from tradeterm.domain.commands import Command, PlaceOrder, SetTradingState
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TradingState
from tradeterm.domain.events import TradePrinted
from tradeterm.domain.fills import Fill
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.domain.orders import Order
from tradeterm.strategies import Strategy, StrategyParams, StrategyState

D = Decimal


class Recorder(Strategy[StrategyParams]):
    """Writes down every callback; ``plan`` says what to do on the first book."""

    kind = "recorder"

    def __init__(self) -> None:
        super().__init__(StrategyParams())
        self.seen: list[tuple[str, str]] = []
        self.books = 0
        self.refused: list[tuple[Command, str]] = []

    def on_start(self) -> None:
        self.seen.append(("start", ""))

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        if self.books == 1:
            self.first_book()

    def first_book(self) -> None:
        pass

    def on_order_accepted(self, order: Order) -> None:
        self.seen.append(("accepted", str(order.price)))

    def on_order_filled(self, order: Order, fill: Fill) -> None:
        self.seen.append(("filled", str(fill.qty)))

    def on_order_canceled(self, order: Order) -> None:
        self.seen.append(("canceled", str(order.price)))

    def on_order_rejected(self, order: Order, reason: str) -> None:
        self.seen.append(("rejected", order.status.value))

    def on_command_refused(self, command: Command, reason: str) -> None:
        self.refused.append((command, reason))


class Trader(Recorder):
    """On the first book: a resting buy, a market buy, and a buy it cannot pay for; a timer
    cancels the resting one half a second later."""

    def first_book(self) -> None:
        self.buy(D("0.01"), D("3000.00"))
        self.buy(D("0.01"))
        self.buy(D("100"), D("3000.00"))
        self.set_timer(0.5, "tidy")

    def on_timer(self, name: str) -> None:
        self.seen.append(("timer", name))
        self.cancel_all()
        self.cancel_timer("tidy")


async def test_callbacks_come_for_its_own_orders_only_and_refusals_come_back(
    tmp_path: Path,
) -> None:
    events = [book(T0), book(T0 + 2_000 * MS)]
    engine = list_engine(tmp_path, events)
    strategy = Trader()
    host = await host_on(engine, strategy)
    manual = PlaceOrder("ETH/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D("2900"))
    tasks: list[asyncio.Future[Order]] = []
    place_manual = lambda: tasks.append(asyncio.ensure_future(engine.place(manual)))  # noqa: E731
    engine.clock.call_at(T0 + 100 * MS, place_manual)
    report = await play(engine)
    assert not report.failed and not report.unfinished
    assert strategy.seen == [
        ("start", ""),
        ("rejected", "denied"),  # the buy it cannot pay for, refused by the engine's checks
        ("accepted", "3000.00"),
        ("filled", "0.01"),
        ("timer", "tidy"),
        ("canceled", "3000.00"),
    ]
    # the refusal came back as a callback, with the engine's words, not as an exception
    assert len(strategy.refused) == 1
    command, reason = strategy.refused[0]
    assert isinstance(command, PlaceOrder) and command.qty == D("100")
    assert "insufficient USDT" in reason
    orders = engine.state.accounts["paper"].orders.values()
    assert sorted((o.tag, o.status.value) for o in orders) == [
        ("", "open"),  # the manual order: no callback reached the strategy
        ("h1", "canceled"),
        ("h1", "denied"),
        ("h1", "filled"),
    ]
    ledger = engine.trading.ledger
    assert ledger is not None
    placed = [r.payload for r in ledger.records() if r.kind == "placed"]
    assert sum('"tag":"h1"' in p for p in placed) == 3  # the tag is journaled
    assert host.state is StrategyState.RUNNING and host.open_orders() == []


class Breaks(Recorder):
    """Rests a buy, then divides by zero on the third trade."""

    def __init__(self) -> None:
        super().__init__()
        self.trades = 0

    def first_book(self) -> None:
        self.buy(D("0.01"), D("3000.00"))

    def on_trade(self, trade: Trade) -> None:
        self.trades += 1
        if self.trades == 3:
            _ = 1 / 0


async def test_an_exception_in_a_callback_fails_the_strategy_and_nothing_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    events = [book(T0)] + [trade(T0 + i * 100 * MS, "3099.50") for i in range(1, 8)]
    engine = list_engine(tmp_path, events)
    others: list[TradePrinted] = []
    engine.bus.subscribe(TradePrinted, others.append)
    strategy = Breaks()
    host = await host_on(engine, strategy)
    with caplog.at_level(logging.ERROR, logger="tradeterm.strategies"):
        report = await play(engine)
    assert not report.failed
    assert host.state is StrategyState.FAILED
    assert host.reason == "ZeroDivisionError in on_trade: division by zero"
    assert strategy.trades == 3  # no callback after the failure
    assert len(others) == 7  # the bus and the engine went on
    failure = [r for r in caplog.records if r.name == "tradeterm.strategies"]
    assert len(failure) == 1 and failure[0].exc_info is not None  # the traceback, in the log
    # its resting order was cancelled on the way out
    statuses = [o.status for o in engine.state.accounts["paper"].orders.values()]
    assert statuses == [OrderStatus.CANCELED]


class Quoter(Recorder):
    """Places a small resting buy on every book update."""

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        self.buy(D("0.003"), D("2000.00"))


async def test_a_halted_account_pauses_the_strategy_until_it_is_active_again(
    tmp_path: Path,
) -> None:
    events = [book(T0 + i * 100 * MS) for i in range(10)]
    engine = list_engine(tmp_path, events)
    strategy = Quoter()
    host = await host_on(engine, strategy)
    states: list[StrategyState] = []
    tasks: list[asyncio.Future[object]] = []

    def set_state(state: TradingState) -> None:
        states.append(host.state)
        tasks.append(asyncio.ensure_future(engine.execute(SetTradingState(state, "paper", "test"))))

    engine.clock.call_at(T0 + 250 * MS, lambda: set_state(TradingState.HALTED))
    engine.clock.call_at(T0 + 650 * MS, lambda: set_state(TradingState.ACTIVE))
    engine.clock.call_at(T0 + 450 * MS, lambda: states.append(host.state))
    report = await play(engine)
    assert not report.failed
    assert states == [StrategyState.RUNNING, StrategyState.PAUSED, StrategyState.PAUSED]
    assert host.state is StrategyState.RUNNING
    # books at 0..200 ms and 700..900 ms reached it; those in between did not
    assert strategy.books == 6
    placed = [o for o in engine.state.accounts["paper"].orders.values() if o.tag == "h1"]
    assert len(placed) == 6 and not strategy.refused
    # an order asked for while paused is refused and reported, never sent
    host.pause()
    strategy.buy(D("0.003"), D("2000.00"))
    assert len(strategy.refused) == 1
    assert strategy.refused[0][1] == "strategy h1 is paused (paused by the user)"
    assert len(engine.state.accounts["paper"].orders) == 6


class Bars(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.bars: list[Candle] = []

    def timeframe(self) -> str:
        return "5s"

    def on_candle(self, candle: Candle) -> None:
        self.bars.append(candle)


async def test_candles_of_the_declared_timeframe_close_as_trades_arrive(tmp_path: Path) -> None:
    prices = ["10", "12", "9", "11", "20", "21", "19", "30"]
    # T0 is a multiple of 5 s: trades at 0, 1.5, 3, 4.5 s | 6, 7.5, 9 s | 10.5 s
    events = [
        trade(T0 + i * 1_500 * MS, p, qty=str(i + 1))
        for i, p in enumerate(["10", "12", "9", "11", "20", "21", "19"])
    ]
    events.append(trade(T0 + 10_500 * MS, prices[-1]))
    engine = list_engine(tmp_path, events)
    strategy = Bars()
    await host_on(engine, strategy)
    await play(engine)
    t0_ms = T0 // MS
    assert [(c.ts_ms - t0_ms, c.open, c.high, c.low, c.close, c.volume) for c in strategy.bars] == [
        (0, D(10), D(12), D(9), D(11), D(1 + 2 + 3 + 4)),
        (5_000, D(20), D(21), D(19), D(19), D(5 + 6 + 7)),
    ]
    frame = strategy.candles()
    assert list(frame["close"]) == [11.0, 19.0] and list(frame["volume"]) == [10.0, 18.0]


async def test_stop_cancels_its_orders_unless_told_not_to(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, [book(T0), book(T0 + 500 * MS)])
    keeper, closer = Trader(), Trader()
    keep = await host_on(engine, keeper, name="keep")
    close = await host_on(engine, closer, name="close")
    engine.clock.call_at(T0 + 100 * MS, lambda: keep.stop(cancel_orders=False))
    engine.clock.call_at(T0 + 100 * MS, close.stop)
    await play(engine)
    orders = engine.state.accounts["paper"].orders.values()
    resting = {(o.tag, o.status) for o in orders if o.qty == D("0.01") and o.price}
    assert resting == {("keep", OrderStatus.OPEN), ("close", OrderStatus.CANCELED)}
    assert keep.state is StrategyState.STOPPED and close.state is StrategyState.STOPPED
    assert ("timer", "tidy") not in keeper.seen  # its timer went with it


class Rests(Recorder):
    def first_book(self) -> None:
        self.buy(D("0.01"), D("3000.00"))


async def test_after_a_restart_it_knows_its_orders_again_by_their_tag(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, [book(T0), book(T0 + 500 * MS)])
    await host_on(engine, Rests())
    await play(engine)
    await engine.stop()

    again = list_engine(tmp_path, [book(T0 + 1_000 * MS), book(T0 + 2_000 * MS)])
    strategy, other = Recorder(), Recorder()
    host = await host_on(again, strategy)
    stranger = await host_on(again, other, name="h2")
    (order,) = host.open_orders()
    assert (order.tag, order.price, order.status) == ("h1", D("3000.00"), OrderStatus.OPEN)
    assert stranger.open_orders() == []
    again.clock.call_at(T0 + 1_500 * MS, lambda: strategy.cancel(order))
    await play(again)
    assert strategy.seen == [("start", ""), ("canceled", "3000.00")]
    assert other.seen == [("start", "")]


class BooksOnly(Recorder):
    """Reads books, never trades: the host need not hand it a single print."""


class TradesToo(Recorder):
    def on_trade(self, trade: Trade) -> None:
        self.seen.append(("trade", str(trade.price)))


async def test_market_data_reaches_only_the_callbacks_a_strategy_overrides(
    tmp_path: Path,
) -> None:
    events = [book(T0), trade(T0 + MS, "3100.00"), trade(T0 + 2 * MS, "3099.00"), book(T0 + 3 * MS)]
    engine = list_engine(tmp_path, events)
    books_only, trades_too = BooksOnly(), TradesToo()
    hosts = [
        await host_on(engine, books_only, name="b"),
        await host_on(engine, trades_too, name="t"),
    ]
    before = [host.callbacks for host in hosts]
    await play(engine)
    # books: two each; prints: only to the strategy that has on_trade (one callback each)
    assert [host.callbacks - b for host, b in zip(hosts, before, strict=True)] == [2, 4]
    assert books_only.books == trades_too.books == 2
    assert ("trade", "3100.00") in trades_too.seen and ("trade", "3099.00") in trades_too.seen
