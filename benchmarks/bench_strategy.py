"""Strategy costs: the market maker's decision per book update when nothing changes, and
callbacks per second on a replayed Binance capture.

1. Decision: a market maker quoting five orders per side on a paper account (orders
   resting, nothing in flight); the same book handed to ``on_book`` again and again,
   which is the fast path (fair price within the refresh tolerance). Aim: < 10 µs.
   Then what the bound strategy adds to ``Engine.on_market`` for a book update deep in
   the book (bus, host, decision), against the same updates with the strategy stopped.
2. Replay: the recorded BTC/USDT capture (../shared/data) through the deterministic
   driver with a paper venue, once with the market maker bound and once without; the
   difference per book update is what the strategy adds (its requotes and their orders
   included), and its callbacks per second of wall time.

    python benchmarks/bench_strategy.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import figure
from tradeterm.domain.events import BookChanged
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import drive
from tradeterm.engine.engine import Engine
from tradeterm.engine.ports import MarketSink
from tradeterm.strategies.host import StrategyHost
from tradeterm.strategies.market_maker import MarketMaker, MarketMakerParams
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay import ReplayFeed

D = Decimal
CAPTURE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "orderbook"
    / "binance"
    / "hftbacktest_spot_btcusdt_20240808.gz"
)
BTC = Market(
    "bench",
    "BTC/USDT",
    "BTC",
    "USDT",
    D("0.01"),
    D("0.00001"),
    D("0.00001"),
    D(5),
    D("0.001"),
    D("0.001"),
)
PARAMS = MarketMakerParams(inventory_target=D("0.05"), max_inventory=D("0.02"), qty=D("0.002"))


class OneBook:
    """A feed with one market and no messages (the book is set by hand)."""

    venue = "bench"

    async def load_markets(self) -> Sequence[Market]:
        return [BTC]

    async def run(self, sink: MarketSink) -> None:
        raise NotImplementedError

    def focus(self, symbol: str) -> None:
        pass

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return []

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        return iter(())


async def decision_cost(calls: int) -> tuple[float, float, int]:
    """Seconds per ``on_book`` call on the fast path; seconds the bound strategy adds to each
    ``Engine.on_market`` of a book update that leaves the fair price where it was (bus and
    host included); the orders resting meanwhile."""
    clock = ManualClock()
    engine = Engine(
        clock,
        OneBook(),
        [AccountSpec("paper", venue="bench", balances={"USDT": D(10_000), "BTC": D("0.05")})],
    )
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=0)
    )
    await engine.start()
    bids = [(D(61_000) - D("0.5") * i, D("0.4")) for i in range(50)]
    asks = [(D("61000.5") + D("0.5") * i, D("0.4")) for i in range(50)]
    sink = engine.sink(engine.feed.venue)  # the feed's way in: its events are the venue's
    sink.on_market(BookChanged("BTC/USDT", bids, asks, snapshot=True, ts_ns=clock.now_ns()))
    strategy = MarketMaker(PARAMS)
    host = StrategyHost(engine, strategy, name="mm", account="paper", symbol="BTC/USDT")
    host.start()
    book = engine.view(engine.feed.venue).book("BTC/USDT")
    assert book is not None
    strategy.on_book(book)  # quotes the ladder
    for _ in range(50):  # let the orders be journaled and accepted
        await asyncio.sleep(0)
    strategy.on_book(book)  # takes note of the acceptances
    for _ in range(50):
        await asyncio.sleep(0)
    resting = len(host.open_orders())
    requotes = strategy.requotes
    on_book = strategy.on_book
    started = time.perf_counter()
    for _ in range(calls):
        on_book(book)
    elapsed = time.perf_counter() - started
    assert strategy.requotes == requotes, "the measured calls left the fast path"
    # through the engine: a change deep in the book (the fair price does not move)
    deep = [
        BookChanged("BTC/USDT", [(D(60_980), D(q))], [], ts_ns=clock.now_ns())
        for q in ("0.5", "0.6")
    ]
    on_market = sink.on_market

    def feed() -> float:
        started = time.perf_counter()
        for i in range(calls):
            on_market(deep[i & 1])
        return time.perf_counter() - started

    bound = feed()
    assert strategy.requotes == requotes, "the measured updates left the fast path"
    host.stop(cancel_orders=False)
    bare = feed()
    return elapsed / calls, (bound - bare) / calls, resting


def replay(with_strategy: bool) -> tuple[float, int, int]:
    """Wall seconds of the whole capture, book updates, strategy callbacks."""
    clock = ManualClock(0)
    feed = ReplayFeed([CAPTURE], clock, speed=None, venue="binance")
    spec = AccountSpec("paper", venue="binance", balances={"USDT": D(10_000), "BTC": D("0.05")})
    engine = Engine(clock, feed, [spec], client_id_prefix="b")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=50)
    )
    updates = [0]
    engine.bus.subscribe(BookChanged, lambda e: updates.__setitem__(0, updates[0] + 1))
    host: StrategyHost | None = None

    async def run() -> float:
        nonlocal host
        await engine.start()
        if with_strategy:
            host = StrategyHost(
                engine, MarketMaker(PARAMS), name="mm", account="paper", symbol="BTC/USDT"
            )
            host.start()
        started = time.perf_counter()
        await drive(engine, [feed])
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    return elapsed, updates[0], host.callbacks if host is not None else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and runs")
    args = parser.parse_args()
    calls = 20_000 if args.quick else 200_000
    per_call, added, resting = asyncio.run(decision_cost(calls))
    figure(
        "market maker decision per book update, nothing changed",
        per_call * 1e6,
        "µs",
        f"aim < 10 µs; {resting} orders resting, {calls:,} calls",
    )
    figure(
        "market maker added to Engine.on_market, nothing changed",
        added * 1e6,
        "µs",
        "bus dispatch, host and decision, over the engine's own book update",
    )
    if not CAPTURE.exists():
        print(f"replay figures skipped: {CAPTURE} not found", flush=True)
        return 0
    runs = 1 if args.quick else 3
    bare = min(replay(False)[0] for _ in range(runs))
    timed = [replay(True) for _ in range(runs)]
    elapsed, updates, callbacks = min(timed)
    figure(
        "market maker: callbacks/s on a replayed capture",
        callbacks / elapsed,
        "callbacks/s",
        f"{callbacks:,} callbacks, {updates:,} book updates, whole run incl. engine and paper",
    )
    figure(
        "market maker: added cost per book update (replay)",
        (elapsed - bare) / updates * 1e6,
        "µs",
        f"with its requotes and orders; best of {runs}",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
