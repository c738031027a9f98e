"""Order book updates per second: tradeterm's OrderBook beside a SortedDict book.

Run: ``python benchmarks/bench_orderbook.py [--quick]``. The stream is the real
Binance depth data in ../shared/data (spot BTCUSDT and USD-M BTCUSDT): the REST
snapshot, then every level update in order. Both books get the same parsed
Decimal updates and, every 10 updates, are read for the top 20 levels a side.
The two books run in turn (one run each per round, the first to go alternating),
so a change in the machine's load hits both alike; the speed-up is the median of
the per-round ratios, in wall time and in CPU time.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from sortedcontainers import SortedDict

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure
from tradeterm.domain.book import OrderBook

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "orderbook" / "binance"
Update = tuple[bool, Decimal, Decimal]


def load_stream(
    name: str,
) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]], list[Update]]:
    """The first snapshot's levels and every depth level update after it, parsed once."""
    bids: list[tuple[Decimal, Decimal]] = []
    asks: list[tuple[Decimal, Decimal]] = []
    updates: list[Update] = []
    with gzip.open(DATA / name, "rt") as lines:
        for row in lines:
            message = json.loads(row.split(" ", 1)[1])
            if "lastUpdateId" in message and not bids:
                bids = [(Decimal(p), Decimal(q)) for p, q in message["bids"]]
                asks = [(Decimal(p), Decimal(q)) for p, q in message["asks"]]
                continue
            data = message.get("data", {})
            if bids and data.get("e") == "depthUpdate":
                updates += [(True, Decimal(p), Decimal(q)) for p, q in data["b"]]
                updates += [(False, Decimal(p), Decimal(q)) for p, q in data["a"]]
    return bids, asks, updates


class SortedDictBook:
    """The textbook alternative: one SortedDict per side."""

    def __init__(self) -> None:
        self.bids: SortedDict = SortedDict()
        self.asks: SortedDict = SortedDict()

    def load(
        self, bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]]
    ) -> None:
        self.bids = SortedDict({p: q for p, q in bids if q})
        self.asks = SortedDict({p: q for p, q in asks if q})

    def set(self, is_bid: bool, price: Decimal, qty: Decimal) -> None:
        side = self.bids if is_bid else self.asks
        if qty:
            side[price] = qty
        else:
            side.pop(price, None)

    def top(self, n: int) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        bids, asks = self.bids, self.asks
        best_bids = [(p, bids[p]) for p in reversed(bids.keys()[-n:])]
        best_asks = [(p, asks[p]) for p in asks.keys()[:n]]
        return best_bids, best_asks


AIM = 1.5  # issue 17: at least 1.5x the SortedDict book, in every run, both streams
Rates = tuple[float, float]  # updates per second of wall time, of CPU time


def run_ours(bids: list, asks: list, updates: list[Update]) -> Rates:
    book = OrderBook("X")
    book.load(bids, asks)
    bid_set, ask_set = book.bids.set, book.asks.set
    bid_top, ask_top = book.bids.top, book.asks.top
    started, used = time.perf_counter(), time.process_time()
    for i, (is_bid, price, qty) in enumerate(updates):
        if is_bid:
            bid_set(price, qty)
        else:
            ask_set(price, qty)
        if i % 10 == 9:
            bid_top(20)
            ask_top(20)
    cpu, wall = time.process_time() - used, time.perf_counter() - started
    return len(updates) / wall, len(updates) / cpu


def run_sorted(bids: list, asks: list, updates: list[Update]) -> Rates:
    book = SortedDictBook()
    book.load(bids, asks)
    set_level, top = book.set, book.top
    started, used = time.perf_counter(), time.process_time()
    for i, (is_bid, price, qty) in enumerate(updates):
        set_level(is_bid, price, qty)
        if i % 10 == 9:
            top(20)
    cpu, wall = time.process_time() - used, time.perf_counter() - started
    return len(updates) / wall, len(updates) / cpu


def interleaved(
    bids: list, asks: list, updates: list[Update], repeat: int
) -> tuple[list[Rates], list[Rates]]:
    """Each book's rates over ``repeat`` rounds, the two run in turn, first place alternating."""
    ours: list[Rates] = []
    theirs: list[Rates] = []
    for round_ in range(repeat):
        if round_ % 2:
            theirs.append(run_sorted(bids, asks, updates))
            ours.append(run_ours(bids, asks, updates))
        else:
            ours.append(run_ours(bids, asks, updates))
            theirs.append(run_sorted(bids, asks, updates))
    return ours, theirs


def check_same(bids: list, asks: list, updates: list[Update]) -> None:
    ours, theirs = OrderBook("X"), SortedDictBook()
    ours.load(bids, asks)
    theirs.load(bids, asks)
    for is_bid, price, qty in updates:
        (ours.bids if is_bid else ours.asks).set(price, qty)
        theirs.set(is_bid, price, qty)
    assert (ours.bids.top(20), ours.asks.top(20)) == theirs.top(20), "books disagree"


def main() -> None:
    quick = "--quick" in sys.argv
    repeat = 3 if quick else 7
    for name in ("hftbacktest_spot_btcusdt_20240808.gz", "hftbacktest_usdm_btcusdt_20240808.gz"):
        bids, asks, updates = load_stream(name)
        if quick:
            updates = updates[:100_000]
        check_same(bids, asks, updates)
        ours, theirs = interleaved(bids, asks, updates, repeat)
        label = name.split("_")[1]
        note = (
            f"{len(updates):,} real level updates, top 20 a side read every 10, "
            f"median of {repeat}, the two books run in turn"
        )
        ours_wall = statistics.median(wall for wall, _ in ours)
        theirs_wall = statistics.median(wall for wall, _ in theirs)
        figure(f"order book updates/s, tradeterm OrderBook, Binance {label}", ours_wall, "/s", note)
        figure(f"order book updates/s, SortedDict book, Binance {label}", theirs_wall, "/s")
        ratio = statistics.median(a[0] / b[0] for a, b in zip(ours, theirs, strict=True))
        cpu_ratio = statistics.median(a[1] / b[1] for a, b in zip(ours, theirs, strict=True))
        missed = "" if ratio >= AIM else f"; MISSED the aim of {AIM}x"
        figure(
            f"speed-up over SortedDict, Binance {label}",
            ratio,
            "x",
            f"median of the rounds' ratios; aim: >= {AIM}{missed}",
        )
        figure(
            f"speed-up over SortedDict in CPU time, Binance {label}",
            cpu_ratio,
            "x",
            "process time, insensitive to other load",
        )


if __name__ == "__main__":
    main()
