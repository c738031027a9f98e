"""Paper venue throughput: book updates per second through engine -> bus -> PaperVenue.

Ten simulated symbols, 100 resting limit orders (ten per symbol, on the first
five levels of each side, realistic queue model). The market-data stream is
made beforehand from the sim venue's SymbolFlows (book updates and the trades
printed before them), then replayed into ``Engine.on_market`` and timed; the
same stream without the paper venue attached gives the engine's own cost.
When a resting order fills completely, a new one is placed on the fifth level
of the same side after the next book update, so about 100 orders rest all
the time (the re-quotes are part of the timed work).

    python benchmarks/bench_paper.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from common import figure, median_time
from tradeterm.domain.enums import FillModel, OrderType, Side
from tradeterm.domain.events import (
    BookChanged,
    ExecutionEvent,
    MarketEvent,
    MarketsLoaded,
    OrderFilled,
    TradePrinted,
)
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.catalog import LISTINGS
from tradeterm.venues.sim.feed import SimFeed

SYMBOLS = [listing.symbol for listing in LISTINGS[:10]]
LIMIT, BUY = OrderType.LIMIT, Side.BUY  # enum member reads are slow on 3.11
ORDERS_PER_SIDE = 5
RUNS = 5


def drive(coro: Coroutine[Any, Any, None]) -> None:
    """Run one of the venue's coroutines, which finish without suspending."""
    try:
        coro.send(None)
    except StopIteration:
        return
    raise RuntimeError("the venue coroutine suspended")


def make_stream(steps: int) -> tuple[SimFeed, list[MarketEvent], list[MarketEvent]]:
    """Snapshots for the ten books, then ``steps`` order-flow events (1 ms apart)."""
    clock = ManualClock()
    feed = SimFeed(clock, seed=7, symbols=SYMBOLS, history_minutes=1)
    snapshots: list[MarketEvent] = [flow.snapshot(clock.now_ns()) for flow in feed.flows.values()]
    stream: list[MarketEvent] = []

    class Tape:
        def on_market(self, event: MarketEvent) -> None:
            if isinstance(event, BookChanged | TradePrinted):
                stream.append(event)

    tape = Tape()
    for _ in range(steps):
        clock.advance(0.001)
        feed.step(tape, 1)
    return feed, snapshots, stream


class Requoter:
    """The bound sink: counts fills and notes completely filled orders for re-quoting."""

    def __init__(self) -> None:
        self.fills = 0
        self.pending: list[tuple[str, Side]] = []
        self.remaining: dict[str, Decimal] = {}

    def on_execution(self, event: ExecutionEvent) -> None:
        if isinstance(event, OrderFilled):
            fill = event.fill
            self.fills += 1
            left = self.remaining[fill.client_id] - fill.qty
            self.remaining[fill.client_id] = left
            if not left:
                self.pending.append((fill.symbol, fill.side))


class Run:
    """One prepared engine (books loaded, orders resting), ready to be fed the stream."""

    def __init__(self, feed: SimFeed, snapshots: list[MarketEvent], with_paper: bool) -> None:
        self.clock = ManualClock()
        self.engine = Engine(self.clock, feed, [AccountSpec("paper")])
        self.engine.on_market(MarketsLoaded("sim", [f.market for f in feed.flows.values()]))
        for event in snapshots:
            self.engine.on_market(event)
        self.sink = Requoter()
        self.venue: PaperVenue | None = None
        self.placed = 0
        if with_paper:
            self.venue = PaperVenue(
                "paper",
                self.engine.view(self.engine.feed.venue),
                self.clock,
                fill_model=FillModel.REALISTIC,
                latency_ms=0,
            )
            self.venue.bind(self.sink)
            for symbol in SYMBOLS:
                book = self.engine.view("sim").book(symbol)
                assert book is not None
                for side, book_side in ((Side.BUY, book.bids), (Side.SELL, book.asks)):
                    for price, _ in book_side.top(ORDERS_PER_SIDE):
                        self.place(symbol, side, price)

    def place(self, symbol: str, side: Side, price: Decimal) -> None:
        assert self.venue is not None
        market = self.engine.view("sim").market(symbol)
        assert market is not None
        self.placed += 1
        qty = market.lot_size * 10
        cid = f"b{self.placed}"
        self.sink.remaining[cid] = qty
        drive(self.venue.submit(Order(cid, "paper", symbol, side, LIMIT, qty, price)))

    def requote(self) -> None:
        pending = self.sink.pending
        while pending:
            symbol, side = pending.pop()
            book = self.engine.view("sim").book(symbol)
            assert book is not None
            levels = (book.bids if side is BUY else book.asks).top(ORDERS_PER_SIDE)
            if levels:
                self.place(symbol, side, levels[-1][0])

    def feed(self, stream: list[MarketEvent]) -> None:
        on_market = self.engine.on_market
        pending = self.sink.pending
        for event in stream:
            on_market(event)
            if pending and type(event) is BookChanged:
                self.requote()

    def resting(self) -> int:
        assert self.venue is not None
        return sum(len(self.venue.resting(symbol)) for symbol in SYMBOLS)


def timed(runs: list[Run], stream: list[MarketEvent]) -> tuple[float, float]:
    """Median (via ``median_time``) and best wall time of feeding ``stream`` to each run."""
    pool = list(runs)
    each: list[float] = []

    def once() -> None:
        run = pool.pop()
        started = time.perf_counter()
        run.feed(stream)
        each.append(time.perf_counter() - started)

    return median_time(once, repeat=len(runs)), min(each)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter stream (rougher figure)")
    args = parser.parse_args()
    steps = 20_000 if args.quick else 150_000
    feed, snapshots, stream = make_stream(steps)
    updates = sum(isinstance(e, BookChanged) for e in stream)
    trades = len(stream) - updates

    bare, bare_best = timed([Run(feed, snapshots, False) for _ in range(RUNS)], stream)
    runs = [Run(feed, snapshots, True) for _ in range(RUNS)]
    with_paper, paper_best = timed(runs, stream)
    last = runs[0]  # every run sees the same stream: the same fills

    note = f"{updates:,} updates and {trades:,} trades, 10 symbols, median of {RUNS}"
    figure(
        "paper venue: book updates/s (100 resting orders)",
        updates / with_paper,
        "updates/s",
        f"{note}; best run {updates / paper_best:,.0f}/s",
    )
    figure(
        "engine alone: book updates/s",
        updates / bare,
        "updates/s",
        f"{note}; best run {updates / bare_best:,.0f}/s",
    )
    figure(
        "paper venue cost per book update",
        (with_paper - bare) / updates * 1e6,
        "µs",
        "over the engine's own, medians; trades, fills and re-quotes included",
    )
    figure(
        "paper fills during a run",
        float(last.sink.fills),
        "fills",
        f"{last.placed - 100} re-quotes, {last.resting()} resting at the end",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
