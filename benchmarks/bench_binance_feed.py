"""Binance feed throughput: recorded combined-stream messages through ``BinanceFeed``'s
decoder and book sync into the engine, in CPU time (no network: the frames are handed to
``on_message`` as the websocket would); then over the wire, native vs ccxt.pro side by side:
the same depth messages from a local Binance in another process (``binance_server.py``)
through each feed into the engine, in the client's CPU time until its book is final.

Run from any directory: ``python benchmarks/bench_binance_feed.py [--quick]``. Uses the
hftbacktest BTCUSDT spot capture of 2024-08-08 (depth@100ms, trade, bookTicker; REST
snapshot inline). Over the wire runs each client twice: offering permessage-deflate (as
both do to a remote exchange; the local server agrees) and not (native: ``compression =
"none"``, the default towards 127.0.0.1; ccxt: ``options.ws.compress = 0``).

Over the wire costs more a message than in-process back to back, and most of the gap is not
the transport's code: the client sleeps between reads, and on this shared machine (a VM of 2
cores) an idle core's caches are taken by whatever runs meanwhile, so every wake-up starts
cold. The rows "after N ms asleep" measure that: the same in-process handling, timed on the
thread's own CPU, with the thread asleep before each message (10,000 messages a second is
one every 0.1 ms).

``--one KIND COMPRESSION`` runs one over-the-wire measurement and prints ``count cpu wall``
(KIND ``native`` or ``ccxt``; COMPRESSION ``deflate``, ``none`` or ``default``: the feed's
own default), for a driver that alternates source trees in one run.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from tradeterm.domain.events import BookChanged, MarketEvent
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock, SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ports import MarketFeed
from tradeterm.venues.binance import BinanceFeed

CAPTURE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "orderbook"
    / "binance"
    / "hftbacktest_spot_btcusdt_20240808.gz"
)


def load() -> tuple[list[str], dict[str, Any], list[str]]:
    """Frames before the snapshot, the snapshot, frames after it (depth and trades only)."""
    before: list[str] = []
    after: list[str] = []
    snapshot: dict[str, Any] | None = None
    with gzip.open(CAPTURE, "rt") as lines:
        for line in lines:
            body = line.partition(" ")[2].strip()
            if '"lastUpdateId"' in body[:20]:
                snapshot = json.loads(body)
            elif "@depth" in body[:40] or "@trade" in body[:40]:
                (after if snapshot is not None else before).append(body)
    assert snapshot is not None
    return before, snapshot, after


class Discard:
    def on_market(self, event: MarketEvent) -> None:
        pass


def feed_for(sink: Any) -> BinanceFeed:
    feed = BinanceFeed(["BTC/USDT"])
    feed.native, feed.unified = {"BTC/USDT": "BTCUSDT"}, {"BTCUSDT": "BTC/USDT"}
    feed.attach(sink)
    return feed


async def run(
    with_engine: bool, depth_only: bool = False, asleep_s: float = 0.0
) -> tuple[int, float]:
    """(messages, CPU seconds) handing the frames to the feed back to back; with
    ``asleep_s``, the thread sleeps that long before each one and only the handling is
    timed (the thread's own CPU): the cost of a message to a process that was idle."""
    before, snapshot, after = load()
    if depth_only:
        after = [f for f in after if "@depth" in f[:40]]
    if with_engine:
        engine = Engine(ManualClock(), feed_for(Discard()), [AccountSpec("main")])
        feed = feed_for(engine.sink(engine.feed.venue))
    else:
        feed = feed_for(Discard())
    for frame in before:
        feed.on_message(frame)
    feed.books["BTCUSDT"].on_snapshot(snapshot)
    if asleep_s:
        cpu = 0.0
        for frame in after:
            time.sleep(asleep_s)
            start = time.thread_time()
            feed.on_message(frame)
            cpu += time.thread_time() - start
    else:
        start = time.process_time()
        for frame in after:
            feed.on_message(frame)
        cpu = time.process_time() - start
    assert feed.books["BTCUSDT"].synced and feed.malformed == 0
    return len(after), cpu


def decode_only() -> tuple[int, float, float]:
    _, _, after = load()
    start = time.process_time()
    for frame in after:
        orjson.loads(frame)
    fast = time.process_time() - start
    start = time.process_time()
    for frame in after:
        json.loads(frame)
    return len(after), fast, time.process_time() - start


SERVER = Path(__file__).resolve().parent / "binance_server.py"


def wire_feed(kind: str, port: int, compression: str = "default") -> MarketFeed:
    public, ws = f"http://127.0.0.1:{port}/api/v3", f"ws://127.0.0.1:{port}"
    if kind == "native":
        urls = {"api": {"public": public, "ws": f"{ws}/ws"}}
        if compression == "default":
            return BinanceFeed(["BTC/USDT"], urls=urls)
        return BinanceFeed(["BTC/USDT"], urls=urls, compression=compression)  # type: ignore[arg-type]
    from tradeterm.venues.ccxt.feed import CcxtFeed  # ccxt.pro's own Binance client

    options: dict[str, Any] = {"streamLimits": {"spot": 1}}
    if compression != "default":
        options["ws"] = {"compress": 15 if compression == "deflate" else 0}
    config = {
        "urls": {"api": {"public": public, "ws": {"spot": f"{ws}/stream"}}},
        "options": options,
        "enableRateLimit": False,  # one snapshot; Binance's weights would only add waiting
    }
    return CcxtFeed("binance", ["BTC/USDT"], config=config)


async def over_the_wire(
    kind: str, limit: int, compression: str = "default"
) -> tuple[int, float, float]:
    """(depth messages, client CPU seconds, wall seconds) from the synced book to the final
    one: the server holds its stream until the feed has its first book."""
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "--limit", str(limit)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    port, final_u, count = map(int, server.stdout.readline().split())
    feed = wire_feed(kind, port, compression)
    engine = Engine(SystemClock(), feed, [AccountSpec("main")])
    await engine.start()
    first, final = asyncio.Event(), asyncio.Event()

    def on_book(event: BookChanged) -> None:
        first.set()
        if event.seq == final_u:
            final.set()

    engine.bus.subscribe(BookChanged, on_book)
    task = asyncio.create_task(engine.run_feed())
    await asyncio.wait_for(first.wait(), 60)
    await asyncio.sleep(0.2)  # let the subscriptions settle
    cpu, wall = time.process_time(), time.perf_counter()
    server.stdin.write("go\n")
    server.stdin.flush()
    await asyncio.wait_for(final.wait(), 600)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    close = getattr(feed, "close", None)
    if close is not None:
        await close()
    server.stdin.close()
    server.wait(30)
    return count, cpu, wall


def wire_figures(limit: int, runs: int) -> dict[str, float]:
    """Microseconds of client CPU per depth message, by ``kind compression``; the runs of
    the four alternate, and each figure is the median run."""
    runs_of: dict[tuple[str, str], list[tuple[int, float, float]]] = {}
    for _ in range(runs):
        for compression in ("deflate", "none"):
            for kind in ("native", "ccxt"):
                result = asyncio.run(over_the_wire(kind, limit, compression))
                runs_of.setdefault((kind, compression), []).append(result)
    us: dict[str, float] = {}
    for (kind, compression), results in runs_of.items():
        count, cpu, wall = sorted(results, key=lambda r: r[1])[len(results) // 2]
        us[f"{kind} {compression}"] = cpu / count * 1e6
        print(
            f"over the wire, {kind}, compression {compression}: {count / cpu:,.0f} depth "
            f"msg/CPU-s ({cpu / count * 1e6:.1f} us each; {count:,} messages, {cpu:.2f} CPU-s, "
            f"{wall:.2f} s wall, median of {runs}; "
            f"{10_000 * cpu / count * 100:.0f} % of a core at 10,000 msg/s)"
        )
    for compression in ("deflate", "none"):
        ratio = us[f"ccxt {compression}"] / us[f"native {compression}"]
        print(
            f"over the wire, compression {compression}, native / ccxt.pro: {ratio:.1f}x per CPU-s"
        )
    return us


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        count, cpu, wall = asyncio.run(over_the_wire(args[1], 100_000, args[2]))
        print(count, cpu, wall)
        return 0
    quick = "--quick" in args
    wire = wire_figures(1_000 if quick else 100_000, 1 if quick else 3)
    count, fast, slow = decode_only()
    print(f"messages after the snapshot: {count} (depth@100ms + trade)")
    print(f"decode only: orjson {count / fast:,.0f} msg/CPU-s, json {count / slow:,.0f} msg/CPU-s")
    for depth_only in (False, True):
        what = "depth only" if depth_only else "depth + trades"
        for with_engine in (False, True):
            count, cpu = asyncio.run(run(with_engine, depth_only))
            where = "feed -> engine" if with_engine else "feed alone"
            print(
                f"{what}, {where}: {count / cpu:,.0f} msg/CPU-s ({cpu * 1e6 / count:.1f} us each)"
            )
    in_process = cpu * 1e6 / count  # the last run: depth only, feed -> engine
    for asleep_s in (0.0001, 0.001):
        count, cpu = asyncio.run(run(True, True, asleep_s))
        print(
            f"depth only, feed -> engine, each message after {asleep_s * 1e3:g} ms asleep: "
            f"{cpu * 1e6 / count:.1f} us each (back to back: {in_process:.1f}): the same "
            "work on caches the idle core lost"
        )
    for compression in ("deflate", "none"):
        gap = wire[f"native {compression}"] - in_process
        print(
            f"native over the wire less in-process back to back, compression {compression}: "
            f"{gap:.1f} us a depth message (the transport, and waking up to each read)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
