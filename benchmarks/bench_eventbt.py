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
from common import figure
from tradeterm.domain.events import BookChanged, MarketEvent, OrderFilled
from tradeterm.domain.fills import Fill
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import drive, play
from tradeterm.engine.engine import Engine
from tradeterm.strategies.host import StrategyHost
from tradeterm.strategies.market_maker import MarketMaker, MarketMakerParams
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay import ReplayFeed

D = Decimal
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CAPTURE = DATA / "orderbook" / "binance" / "hftbacktest_spot_btcusdt_20240808.gz"
CANDLES = DATA / "candles" / "binance_spot_2019-10_freqtrade" / "XRP_ETH-1m.feather"
PARAMS = MarketMakerParams(inventory_target=D("0.05"), max_inventory=D("0.02"), qty=D("0.002"))


def one_capture_run(with_strategy: bool) -> dict[str, object]:
    """The capture through the driver; figures as a dict (printed as JSON by the child)."""
    clock = ManualClock(0)
    feed = ReplayFeed([CAPTURE], clock, speed=None, venue="binance")
    spec = AccountSpec("paper", venue="binance", balances={"USDT": D(10_000), "BTC": D("0.05")})
    engine = Engine(clock, feed, [spec], client_id_prefix="b")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=50)
    )
    fills: list[Fill] = []
    engine.bus.subscribe(OrderFilled, lambda e: fills.append(e.fill))
    levels = [0]

    def count(event: BookChanged) -> None:
        levels[0] += len(event.bids) + len(event.asks)

    engine.bus.subscribe(BookChanged, count)

    async def run() -> tuple[int, float]:
        await engine.start()
        if with_strategy:
            host = StrategyHost(
                engine, MarketMaker(PARAMS), name="mm", account="paper", symbol="BTC/USDT"
            )
            host.start()
        report = await drive(engine, [feed])
        return report.messages, report.elapsed_s

    messages, elapsed = asyncio.run(run())
    digest = hashlib.sha256(repr(fills).encode()).hexdigest()[:16]
    return {
        "messages": messages,
        "elapsed": elapsed,
        "fills": len(fills),
        "levels": levels[0],
        "digest": digest,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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
        "--child", choices=("mm", "none", "feed", "candles"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        if args.child == "candles":
            print(json.dumps(one_candle_run()))
        elif args.child == "feed":
            print(json.dumps(one_feed_run()))
        else:
            print(json.dumps(one_capture_run(args.child == "mm")))
        return 0
    if not CAPTURE.exists():
        print(f"skipped: {CAPTURE} not found", flush=True)
        return 0
    runs = 1 if args.quick else 2
    feed = min((child("feed") for _ in range(runs)), key=lambda r: float(r["elapsed"]))  # type: ignore[arg-type]
    figure(
        "event-driven capture, replay decoding alone: events/s",
        int(feed["messages"]) / float(feed["elapsed"]),  # type: ignore[call-overload, arg-type]
        "events/s",
        f"{feed['messages']:,} messages into a sink that drops them (no engine), best of "
        f"{runs}: the ceiling for the runs below",
    )
    for kind, label in (("none", "no strategy"), ("mm", "market maker")):
        results = [child(kind) for _ in range(runs)]
        best = min(results, key=lambda r: float(r["elapsed"]))  # type: ignore[arg-type]
        same = len({r["digest"] for r in results}) == 1
        figure(
            f"event-driven capture, {label}: events/s",
            int(best["messages"]) / float(best["elapsed"]),  # type: ignore[call-overload, arg-type]
            "events/s",
            f"{best['messages']:,} messages, {best['levels']:,} level updates, "
            f"{best['fills']} fills, best of {runs}; "
            f"aim 200,000; fills identical run to run: {same}",
        )
        figure(
            f"event-driven capture, {label}: peak RSS",
            max(float(r["rss_mb"]) for r in results),  # type: ignore[arg-type]
            "MB",
            "whole process incl. interpreter and imports; aim < 150 MB",
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
