"""Event-driven backtests: events per second and peak RSS of the deterministic driver on the
shared hftbacktest BTC/USDT capture, with the market maker and with no strategy, and the
same fills run to run; candles per second of event-driven ``sma_cross`` on a candle file.
Beside them, the replay's decoding alone (its events dropped, no engine): the ceiling any
work after the engine's hand-off can approach.

Each run is its own Python process, so its peak RSS (``ru_maxrss``) is its own. Aim from
issue 18: at least 200,000 events/s with the market maker, under 150 MB.

    python benchmarks/bench_eventbt.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from collections.abc import Iterator, Sequence

from common import figure
from tradeterm.domain.book import OrderBook
from tradeterm.domain.events import BookChanged, MarketEvent, OrderFilled, OrderUpdated
from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import SteppedFeed, drive, play
from tradeterm.engine.engine import Engine
from tradeterm.engine.ports import MarketFeed, MarketSink
from tradeterm.strategies.host import StrategyHost
from tradeterm.strategies.market_maker import MarketMaker, MarketMakerParams
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay import ReplayFeed

D = Decimal
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CAPTURE = DATA / "orderbook" / "binance" / "hftbacktest_spot_btcusdt_20240808.gz"
CANDLES = DATA / "candles" / "binance_spot_2019-10_freqtrade" / "XRP_ETH-1m.feather"
PARAMS = MarketMakerParams(inventory_target=D("0.05"), max_inventory=D("0.02"), qty=D("0.002"))


def _paper_engine(clock: ManualClock, feed: MarketFeed) -> Engine:
    """The engine over ``feed`` with a paper account on its venue (50 ms latency)."""
    spec = AccountSpec("paper", venue="binance", balances={"USDT": D(10_000), "BTC": D("0.05")})
    engine = Engine(clock, feed, [spec], client_id_prefix="b")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=50)
    )
    return engine


async def _drive(engine: Engine, feed: SteppedFeed, with_strategy: bool) -> tuple[int, float]:
    """Start the engine (and the market maker), then drive ``feed``: messages, seconds."""
    await engine.start()
    if with_strategy:
        host = StrategyHost(
            engine, MarketMaker(PARAMS), name="mm", account="paper", symbol="BTC/USDT"
        )
        host.start()
    started = time.perf_counter()
    report = await drive(engine, [feed])
    return report.messages, time.perf_counter() - started


def one_capture_run(with_strategy: bool) -> dict[str, object]:
    """The capture through the driver; figures as a dict (printed as JSON by the child)."""
    clock = ManualClock(0)
    feed = ReplayFeed([CAPTURE], clock, speed=None, venue="binance")
    engine = _paper_engine(clock, feed)
    fills: list[Fill] = []
    engine.bus.subscribe(OrderFilled, lambda e: fills.append(e.fill))
    levels = [0]

    def count(event: BookChanged) -> None:
        levels[0] += len(event.bids) + len(event.asks)

    engine.bus.subscribe(BookChanged, count)
    messages, elapsed = asyncio.run(_drive(engine, feed, with_strategy))
    digest = hashlib.sha256(repr(fills).encode()).hexdigest()[:16]
    return {
        "messages": messages,
        "elapsed": elapsed,
        "fills": len(fills),
        "levels": levels[0],
        "digest": digest,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


class _Recorder:
    """A sink that keeps every event, grouped by the message that sent it."""

    def __init__(self) -> None:
        self.current: list[MarketEvent] = []

    def on_market(self, event: MarketEvent) -> None:
        self.current.append(event)


class _Decoded:
    """The capture decoded once (through the replay, as the driver plays it), played again
    from a list: each message's events as the replay sent them, at the same times. The
    replay keeps its own books here, so the engine applies the levels itself."""

    def __init__(self) -> None:
        clock = ManualClock(0)
        self._feed = ReplayFeed([CAPTURE], clock, speed=None, venue="binance")
        self.venue = self._feed.venue
        recorder = _Recorder()
        self.messages: list[tuple[int, list[MarketEvent]]] = []
        for ts in self._feed.timeline(recorder):
            clock.set_ns(ts)
            recorder.current = []
            self.messages.append((ts, recorder.current))
        self.clock = clock

    async def load_markets(self) -> Sequence[Market]:
        return await self._feed.load_markets()

    def focus(self, symbol: str) -> None:
        pass

    async def run(self, sink: MarketSink) -> None:
        for _ in self.timeline(sink):
            pass

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return []

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        self.clock.rewind_ns(self.messages[0][0])  # (as the replay: a jump to its start)
        on_market = sink.on_market
        for ts, events in self.messages:
            yield ts
            for event in events:
                on_market(event)


class _BookOnly:
    """A sink that only applies book events to books (the part of the engine's work that a
    replay into an engine does itself)."""

    def __init__(self) -> None:
        self.books: dict[str, OrderBook] = {}

    def on_market(self, event: MarketEvent) -> None:
        if type(event) is BookChanged:
            book = self.books.get(event.symbol) or self.books.setdefault(
                event.symbol, OrderBook(event.symbol)
            )
            if event.snapshot:
                book.load(event.bids, event.asks, event.seq)
            else:
                book.apply(event.bids, event.asks)


def one_decoded_run(with_strategy: bool) -> dict[str, object]:
    """The engine, the paper venue and (with_strategy) the market maker on events decoded
    beforehand: what they cost apart from the replay's decoding."""
    decoded = _Decoded()
    clock = ManualClock(0)
    decoded.clock = clock
    engine = _paper_engine(clock, decoded)
    log: list[str] = []
    engine.bus.subscribe(OrderFilled, lambda e: log.append(repr(e.fill)))
    engine.bus.subscribe(OrderUpdated, lambda e: log.append(repr(e)))
    messages, elapsed = asyncio.run(_drive(engine, decoded, with_strategy))
    books = _BookOnly()
    clock = ManualClock(0)
    decoded.clock = clock
    started = time.perf_counter()
    play([decoded.timeline(books)], clock)
    books_s = time.perf_counter() - started
    log.append(repr(sorted(engine.state.accounts["paper"].balances.items())))
    return {
        "messages": messages,
        "elapsed": elapsed,
        "books_s": books_s,
        "order_events": len(log) - 1,
        "digest": hashlib.sha256("\n".join(log).encode()).hexdigest()[:16],
    }


class _Discard:
    """A sink that drops every event: what is left is the replay's own decoding."""

    def on_market(self, event: MarketEvent) -> None:
        pass


def one_feed_run() -> dict[str, object]:
    clock = ManualClock(0)
    feed = ReplayFeed([CAPTURE], clock, speed=None, venue="binance")
    started = time.perf_counter()
    report = play([feed.timeline(_Discard())], clock)
    return {
        "messages": report.messages,
        "elapsed": time.perf_counter() - started,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def one_candle_run() -> dict[str, object]:
    from tradeterm.analysis.backtest.candles import read_candles
    from tradeterm.cli.backtest_event import run_event_candles

    candles = read_candles(CANDLES)
    started = time.perf_counter()
    run = run_event_candles(candles, "sma_cross", {}, fee=0.001, cash=D(10_000))
    return {
        "candles": len(candles),
        "messages": run.drive.messages,
        "elapsed": time.perf_counter() - started,
        "fills": len(run.fills),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def median_run(results: list[dict[str, object]]) -> dict[str, object]:
    """The run of median elapsed time (of an odd count; the upper middle of an even one)."""
    return sorted(results, key=lambda r: float(r["elapsed"]))[len(results) // 2]  # type: ignore[arg-type]


def child(kind: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument(
        "--child",
        choices=("mm", "none", "feed", "candles", "decoded-mm", "decoded-none"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args()
    if args.child:
        if args.child.startswith("decoded-"):
            print(json.dumps(one_decoded_run(args.child == "decoded-mm")))
        elif args.child == "candles":
            print(json.dumps(one_candle_run()))
        elif args.child == "feed":
            print(json.dumps(one_feed_run()))
        else:
            print(json.dumps(one_capture_run(args.child == "mm")))
        return 0
    if not CAPTURE.exists():
        print(f"skipped: {CAPTURE} not found", flush=True)
        return 0
    runs = 1 if args.quick else 5
    feed = median_run([child("feed") for _ in range(runs)])
    figure(
        "event-driven capture, replay decoding alone: events/s",
        int(feed["messages"]) / float(feed["elapsed"]),  # type: ignore[call-overload, arg-type]
        "events/s",
        f"{feed['messages']:,} messages into a sink that drops them (no engine), median of "
        f"{runs}: the ceiling for the runs below",
    )
    for kind, label in (("none", "no strategy"), ("mm", "market maker")):
        results = [child(kind) for _ in range(runs)]
        run = median_run(results)
        same = len({r["digest"] for r in results}) == 1
        figure(
            f"event-driven capture, {label}: events/s",
            int(run["messages"]) / float(run["elapsed"]),  # type: ignore[call-overload, arg-type]
            "events/s",
            f"{run['messages']:,} messages, {run['levels']:,} level updates, "
            f"{run['fills']} fills, median of {runs}; "
            f"aim 200,000; fills identical run to run: {same}",
        )
        figure(
            f"event-driven capture, {label}: peak RSS",
            max(float(r["rss_mb"]) for r in results),  # type: ignore[arg-type]
            "MB",
            "whole process incl. interpreter and imports; aim < 150 MB",
        )
    for kind, label in (("decoded-none", "no strategy"), ("decoded-mm", "market maker")):
        results = [child(kind) for _ in range(runs)]
        run = median_run(results)
        messages = int(run["messages"])  # type: ignore[call-overload]
        beyond = (float(run["elapsed"]) - float(run["books_s"])) / messages * 1e6  # type: ignore[arg-type]
        figure(
            f"engine + paper venue + {label} on pre-decoded events: events/s",
            messages / float(run["elapsed"]),  # type: ignore[arg-type]
            "events/s",
            f"{messages:,} messages decoded beforehand, the engine applying their levels, "
            f"median of {runs}; {beyond:.2f} us/event beyond applying the levels "
            f"(target <= 2 us); {run['order_events']} order events, digest {run['digest']}, "
            f"identical run to run: {len({r['digest'] for r in results}) == 1}",
        )
    if CANDLES.exists():
        result = child("candles")
        figure(
            "event-driven sma_cross on candles",
            int(result["candles"]) / float(result["elapsed"]),  # type: ignore[call-overload, arg-type]
            "candles/s",
            f"{result['candles']:,} 1m candles, {result['messages']:,} events, "
            f"{result['fills']} fills, peak RSS {float(result['rss_mb']):.0f} MB",  # type: ignore[arg-type]
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
