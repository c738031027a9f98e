"""The deterministic driver on a real Binance capture: the same input gives the same journal.

A subscriber trades in reaction to the tape (a buy limit at the best bid every
40th print, a market sell every 40th print in between, a cancel of the oldest
open order every 100th); its orders travel 50 ms on the simulated clock. Run
twice, once with a subscriber that sleeps on wall time in its callback, the two
SQLite ledgers hold exactly the same records: ids, kinds, payloads, prices,
quantities and simulated times.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from replay_data import SPOT, need

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.events import TradePrinted
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import DriveReport, drive
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay import ReplayFeed

D = Decimal
SYMBOL = "BTC/USDT"
Row = tuple[int, int, str, str, str | None, str]


class Reactor:
    """Trades on the tape as it prints; ``slow_s`` sleeps that long (wall time) now and then."""

    def __init__(self, engine: Engine, slow_s: float = 0.0) -> None:
        self.engine = engine
        self.slow_s = slow_s
        self.prints = 0
        self.slept_s = 0.0
        self.tasks: list[asyncio.Task[object]] = []
        engine.bus.subscribe(TradePrinted, self.on_trade)

    def on_trade(self, event: TradePrinted) -> None:
        if event.trade.symbol != SYMBOL:
            return
        self.prints += 1
        n = self.prints
        if self.slow_s and n % 7 == 0:
            started = time.perf_counter()
            time.sleep(self.slow_s)
            self.slept_s += time.perf_counter() - started
        book = self.engine.view(self.engine.feed.venue).book(SYMBOL)
        if book is None or book.bids.best() is None:
            return
        if n % 40 == 0:
            price = book.bids.best()
            self.spawn(PlaceOrder(SYMBOL, Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=price))
        elif n % 40 == 20:
            self.spawn(PlaceOrder(SYMBOL, Side.SELL, OrderType.MARKET, qty=D("0.003")))
        if n % 100 == 0:
            open_orders = self.engine.state.accounts["paper"].open_orders()
            if open_orders:
                oldest = min(open_orders, key=lambda o: o.created_ns)
                self.tasks.append(asyncio.create_task(self.engine.cancel(oldest.client_id)))

    def spawn(self, cmd: PlaceOrder) -> None:
        self.tasks.append(asyncio.create_task(self.engine.place(cmd)))


def run_once(tmp: Path, name: str, slow_s: float = 0.0) -> tuple[list[Row], DriveReport, Reactor]:
    clock = ManualClock(0)
    feed = ReplayFeed([SPOT[0]], clock, speed=None, venue="binance")
    ledger = Ledger(tmp / f"{name}.sqlite", durable=False)
    spec = AccountSpec("paper", balances={"USDT": D("1000000"), "BTC": D("10")})
    engine = Engine(clock, feed, [spec], ledger=ledger, client_id_prefix="det")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=50)
    )
    reactor = Reactor(engine, slow_s)
    report = asyncio.run(drive(engine, [feed]))
    rows = [(r.seq, r.ts_ns, r.account, r.kind, r.client_id, r.payload) for r in ledger.records()]
    ledger.close()
    return rows, report, reactor


def test_the_same_capture_gives_the_same_journal_at_any_speed(tmp_path: Path) -> None:
    need(SPOT[0])
    fast, fast_report, _ = run_once(tmp_path, "fast")
    slow, _, slow_reactor = run_once(tmp_path, "slow", slow_s=0.002)
    assert slow_reactor.slept_s > 2  # the slow run really spent seconds in its subscriber
    kinds = Counter(row[3] for row in fast)
    # the scenario does what it says: orders rest, fill as maker and taker, get cancelled
    assert kinds["placed"] > 200 and kinds["filled"] > 100 and kinds["canceled"] > 40
    assert '"liquidity":"maker"' in "".join(row[5] for row in fast)
    assert fast_report.messages == 41_249 and not fast_report.failed
    assert slow == fast
    times = [row[1] for row in fast]
    assert times == sorted(times)  # journaled in simulated time order
    assert fast_report.first_ns is not None and fast_report.last_ns is not None
    assert fast_report.first_ns <= times[0] and times[-1] <= fast_report.last_ns + 1_000_000_000
