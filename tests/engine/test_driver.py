"""The deterministic driver: timers before messages, reactions run to completion, clock waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import FeedState, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import (
    BalancesChanged,
    BookChanged,
    FeedStateChanged,
    MarketEvent,
    OrderFilled,
    OrderUpdated,
    TradePrinted,
)
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock, SystemClock
from tradeterm.engine.driver import drive, play
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.paper import PaperVenue

D = Decimal
MS = 1_000_000
T0 = 1_700_000_000_000_000_000
ETH = Market(
    venue="list",
    symbol="ETH/USDT",
    base="ETH",
    quote="USDT",
    tick_size=D("0.01"),
    lot_size=D("0.001"),
    min_qty=D("0.001"),
    min_notional=D("5"),
    maker_fee=D("0.0008"),
    taker_fee=D("0.001"),
)


def book(ts: int, ask: str = "3100.00") -> BookChanged:
    bids = [(D("3099.00"), D("5"))]
    return BookChanged("ETH/USDT", bids, [(D(ask), D("5"))], snapshot=True, ts_ns=ts)


def trade(ts: int, price: str = "3099.50") -> TradePrinted:
    return TradePrinted(Trade("ETH/USDT", D(price), D("0.1"), Side.BUY, ts, str(ts)))


class ListFeed:
    """A feed of market events made by hand, each at its time: the driver's SteppedFeed."""

    venue = "list"

    def __init__(self, clock: ManualClock, events: Sequence[MarketEvent]) -> None:
        self.clock = clock
        self.events = list(events)
        self.seen: list[tuple[int, int]] = []  # (event's time, clock when it was played)

    async def load_markets(self) -> Sequence[Market]:
        return [ETH]

    async def run(self, sink: MarketSink) -> None:
        raise AssertionError("the driver never runs the feed on its own")

    def focus(self, symbol: str) -> None:
        pass

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return []

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        for event in self.events:
            ts = event.trade.ts_ns if isinstance(event, TradePrinted) else event.ts_ns
            yield ts
            self.seen.append((ts, self.clock.now_ns()))
            sink.on_market(event)


def stack(
    events: Sequence[MarketEvent], tmp: Path, latency_ms: int = 50
) -> tuple[ManualClock, ListFeed, Engine]:
    clock = ManualClock(T0 - 1_000 * MS)
    feed = ListFeed(clock, events)
    spec = AccountSpec("paper", balances={"USDT": D("100000"), "ETH": D("10")})
    ledger = Ledger(tmp / "ledger.sqlite", durable=False)
    engine = Engine(clock, feed, [spec], ledger=ledger, client_id_prefix="d")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=latency_ms)
    )
    return clock, feed, engine


def buy(qty: str = "0.1") -> PlaceOrder:
    return PlaceOrder("ETH/USDT", Side.BUY, OrderType.MARKET, qty=D(qty))


def at(clock: ManualClock, ns: int, start: Callable[[], Coroutine[Any, Any, object]]) -> None:
    """Run ``start()`` as a task once the simulated clock reaches ``ns``."""
    clock.call_at(ns, lambda: asyncio.get_running_loop().create_task(start()) and None)


def limit_bid(
    engine: Engine, price: str, placed: list[str]
) -> Callable[[], Coroutine[Any, Any, None]]:
    """What places a 0.1 ETH limit bid at ``price`` and notes its client id in ``placed``."""

    async def place() -> None:
        limit = PlaceOrder("ETH/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.1"), price=D(price))
        placed.append((await engine.place(limit)).client_id)

    return place


# --- play: timelines without an engine ---------------------------------------------


def test_play_sets_the_clock_to_each_message_and_fires_timers_due_before_it_first() -> None:
    clock = ManualClock(0)
    log: list[tuple[str, int]] = []

    def timeline() -> Iterator[int]:
        for ts in (10, 20, 30):
            yield ts * MS
            log.append((f"message {ts}", clock.now_ns()))

    clock.call_at(15 * MS, lambda: log.append(("timer 15", clock.now_ns())))
    clock.call_at(20 * MS, lambda: log.append(("timer 20", clock.now_ns())))
    report = play([timeline()], clock, tail_s=0.5)
    assert log == [
        ("message 10", 10 * MS),
        ("timer 15", 15 * MS),
        ("timer 20", 20 * MS),  # a timer due at a message's time goes first
        ("message 20", 20 * MS),
        ("message 30", 30 * MS),
    ]
    assert (report.messages, report.first_ns, report.last_ns) == (3, 10 * MS, 30 * MS)
    assert clock.now_ns() == 530 * MS  # the tail


def test_play_merges_timelines_by_time_and_stops_at_until() -> None:
    clock = ManualClock(0)
    log: list[str] = []

    def timeline(name: str, times: Sequence[int]) -> Iterator[int]:
        for ts in times:
            yield ts
            log.append(f"{name}{ts}")

    report = play([timeline("a", [1, 4, 6]), timeline("b", [2, 4, 9])], clock, until_ns=6)
    assert log == ["a1", "b2", "a4", "b4", "a6"]
    assert report.messages == 5 and clock.now_ns() == 6


# --- drive: an engine, a paper venue, reactions --------------------------------------


async def test_a_reaction_is_placed_and_lands_after_its_latency_before_later_messages(
    tmp_path: Path,
) -> None:
    events = [book(T0), trade(T0 + 10 * MS), book(T0 + 40 * MS, "3101.00"), book(T0 + 100 * MS)]
    clock, feed, engine = stack(events, tmp_path)
    fills: list[tuple[str, int]] = []
    tasks: list[asyncio.Task[object]] = []

    def react(event: TradePrinted) -> None:
        tasks.append(asyncio.get_running_loop().create_task(engine.place(buy())))

    engine.bus.subscribe(TradePrinted, react)
    engine.bus.subscribe(OrderFilled, lambda e: fills.append((str(e.fill.price), clock.now_ns())))
    report = await drive(engine, [feed])
    assert feed.seen == [(ts, ts) for ts, _ in feed.seen]  # each played at its own time
    # sent at the trade (10 ms), arrived 50 ms later: after the 40 ms book (ask 3101) and
    # before the 100 ms one (ask back at 3100)
    assert fills == [("3101.00", T0 + 60 * MS)]
    ledger = engine.trading.ledger
    assert ledger is not None
    records = [(r.kind, r.client_id, r.ts_ns) for r in ledger.records()]
    assert records == [
        ("placed", "ttd1", T0 + 10 * MS),
        ("filled", "ttd1", T0 + 60 * MS),
    ]
    assert report.messages == 4 and report.tasks == 1 and not report.failed


async def test_a_task_waiting_on_a_clock_timer_resumes_at_that_simulated_time(
    tmp_path: Path,
) -> None:
    events = [book(T0), trade(T0 + 10 * MS), book(T0 + 500 * MS), book(T0 + 2_000 * MS)]
    clock, feed, engine = stack(events, tmp_path)
    placed_at: list[int] = []

    async def later() -> None:
        waited: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        clock.call_at(clock.now_ns() + 1_000 * MS, lambda: waited.set_result(None))
        await waited
        order = await engine.place(buy())
        placed_at.append(order.created_ns)

    tasks: list[asyncio.Task[None]] = []
    engine.bus.subscribe(
        TradePrinted, lambda _: tasks.append(asyncio.get_running_loop().create_task(later()))
    )
    report = await drive(engine, [feed])
    assert placed_at == [T0 + 1_010 * MS]
    assert report.tasks == 1 and not report.unfinished


async def test_failed_and_never_finishing_reactions_are_reported(tmp_path: Path) -> None:
    events = [book(T0), trade(T0 + 10 * MS), book(T0 + 20 * MS)]
    _, feed, engine = stack(events, tmp_path)
    tasks: list[asyncio.Task[object]] = []

    async def stuck() -> None:
        await asyncio.Event().wait()  # waits on nothing the driver moves

    def react(_: TradePrinted) -> None:
        loop = asyncio.get_running_loop()
        tasks.append(loop.create_task(engine.place(buy("1000")), name="too-big"))
        tasks.append(loop.create_task(stuck(), name="stuck"))

    engine.bus.subscribe(TradePrinted, react)
    report = await drive(engine, [feed])
    assert len(report.failed) == 1 and report.failed[0].startswith("too-big")
    assert "insufficient USDT" in report.failed[0]
    assert report.unfinished == [
        "stuck (test_failed_and_never_finishing_reactions_are_reported.<locals>.stuck)"
    ]


async def test_the_driver_needs_a_simulated_clock(tmp_path: Path) -> None:
    feed = ListFeed(ManualClock(), [])
    engine = Engine(SystemClock(), feed, [AccountSpec("paper")])
    with pytest.raises(TradetermError, match="simulated clock"):
        await drive(engine, [feed])


async def test_the_stale_watch_runs_on_simulated_time_when_asked(tmp_path: Path) -> None:
    events = [book(T0), book(T0 + 500 * MS), book(T0 + 10_000 * MS)]  # 9.5 s of silence
    clock, feed, engine = stack(events, tmp_path)
    seen: list[tuple[FeedState, int]] = []
    engine.bus.subscribe(FeedStateChanged, lambda e: seen.append((e.state, clock.now_ns())))
    await engine.start()
    engine.on_market(FeedStateChanged("list", FeedState.CONNECTED))
    seen.clear()
    await drive(engine, [feed], watch_feed_s=1.0)
    # checked every simulated second: stale at the first check after 5 s of silence,
    # connected again by the next message
    (stale_state, stale_at), (back_state, back_at) = seen
    assert stale_state is FeedState.STALE and back_state is FeedState.CONNECTED
    assert T0 + 5_500 * MS < stale_at <= T0 + 6_500 * MS
    assert back_at == T0 + 10_000 * MS


async def test_without_a_ledger_no_journal_text_is_made_and_orders_work_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tradeterm.engine.trading as trading

    made: list[object] = []
    for name in ("dumps", "event_record"):
        real = getattr(trading, name)
        monkeypatch.setattr(trading, name, lambda x, real=real: made.append(x) or real(x))
    events = [book(T0), book(T0 + 100 * MS, "3098.50"), book(T0 + 200 * MS)]
    clock = ManualClock(T0 - 1_000 * MS)
    feed = ListFeed(clock, events)
    spec = AccountSpec("paper", balances={"USDT": D("100000")})
    engine = Engine(clock, feed, [spec], client_id_prefix="n")  # a backtest: no ledger
    engine.attach_venue("paper", PaperVenue("paper", engine.view("list"), clock, latency_ms=5))
    await engine.start()

    placed: list[str] = []
    at(clock, T0 + 10 * MS, limit_bid(engine, "3090", placed))
    at(clock, T0 + 30 * MS, lambda: engine.amend(placed[0], D("3098.50"), D("0.2")))
    fills: list[tuple[str, str]] = []
    engine.bus.subscribe(OrderFilled, lambda e: fills.append((str(e.fill.price), str(e.fill.qty))))
    report = await drive(engine, [feed])
    # amended to 3098.50 x 0.2, filled when the 100 ms book's ask came down to it
    assert fills == [("3098.50", "0.2")] and not report.failed and not report.unfinished
    assert engine.state.accounts["paper"].balances["ETH"].total == D("0.2") * (1 - ETH.maker_fee)
    assert made == []  # the amend request and the venue's events were never turned to text


async def test_balances_changed_follows_an_order_update_exactly_when_funds_moved(
    tmp_path: Path,
) -> None:
    # a bid rests at 3099 behind 5 public, is amended to 0.2 (more held), moves up the queue
    # as the public size is cancelled, is partly filled by a sell there, then cancelled
    sell = Trade("ETH/USDT", D("3099.00"), D("0.1"), Side.SELL, T0 + 120 * MS, "s")
    events: list[MarketEvent] = [
        book(T0),
        BookChanged("ETH/USDT", [(D("3099.00"), D("0"))], [], ts_ns=T0 + 100 * MS),
        TradePrinted(sell),
    ]
    clock, feed, engine = stack(events, tmp_path, latency_ms=5)
    account = engine.state.accounts["paper"]
    seen: list[tuple[str, bool]] = []  # (order status, funds differ from the previous update)
    announced: list[bool] = []
    last: list[object] = [None]

    def on_order(event: OrderUpdated) -> None:
        funds = sorted((a, b.total, b.reserved) for a, b in account.balances.items())
        seen.append((event.order.status.value, funds != last[0]))
        announced.append(False)
        last[0] = funds

    def on_balances(event: BalancesChanged) -> None:
        announced[-1] = True

    engine.bus.subscribe(OrderUpdated, on_order)
    engine.bus.subscribe(BalancesChanged, on_balances)
    await engine.start()
    placed: list[str] = []
    at(clock, T0 + 10 * MS, limit_bid(engine, "3099", placed))
    at(clock, T0 + 30 * MS, lambda: engine.amend(placed[0], None, D("0.2")))
    at(clock, T0 + 150 * MS, lambda: engine.cancel(placed[0]))
    report = await drive(engine, [feed])
    assert not report.failed and not report.unfinished
    statuses = [status for status, _ in seen]
    assert statuses[:2] == ["submitted", "open"] and statuses[-1] == "canceled"
    assert {"pending_amend", "partially_filled", "pending_cancel"} <= set(statuses)
    assert any(not moved for _, moved in seen)  # updates that moved no funds happened
    # every update that held, freed or moved funds was announced, and only those
    assert announced == [moved for _, moved in seen]
