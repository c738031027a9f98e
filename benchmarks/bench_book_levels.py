"""A depth message's book work, split: decoding (``wire.depth``), writing the levels
(``BookSide.set_many``) and freeing the decoded message, per message and per level, on 1
book and on 20 books taking turns, with warm caches and with cold ones.

Run: ``python benchmarks/bench_book_levels.py [--quick]``. The messages are the hftbacktest
BTCUSDT capture's depth diffs after its REST snapshot, for 20 symbols re-labelled and scaled
as ``binance_venue_server.py`` serves them to the workstation benchmarks (one symbol's copy
after another: each message is another book's). "Cold" writes an 8 MB buffer before each
message, as the rest of a busy process (or another process on an idle core) would evict the
books between two of their messages; the 20 books (~1,200-2,200 levels a side) do not fit a
2 MB L2 either way. Figures are medians of 3 runs, wall time of each part (timed around it,
one message at a time).
"""

from __future__ import annotations

import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import binance_venue_server as venue  # noqa: E402
from common import figure  # noqa: E402
from tradeterm.domain.book import OrderBook  # noqa: E402
from tradeterm.venues import wire  # noqa: E402

THRASH = np.zeros(8 * 1024 * 1024 // 8)


def inputs(seconds: float) -> tuple[dict[str, dict[str, Any]], list[str]]:
    snapshot, messages = venue.read_capture(seconds)
    depth = [m for _, m in messages if m["data"].get("e") == "depthUpdate"]
    frames = [venue.relabel(m, base, 0) for m in depth for base in venue.SCALE]
    return venue.scaled_books(snapshot), frames


def run(
    books: dict[str, dict[str, Any]], frames: list[str], cold: bool
) -> tuple[float, float, float, float]:
    """(decode, set_many, free, levels) per message, in microseconds and levels."""
    decode = wire.c_depth or wire.depth
    held: dict[str, OrderBook] = {}
    for name, snap in books.items():
        book = held[name] = OrderBook(name)
        book.load(
            [(Decimal(p), Decimal(q)) for p, q in snap["bids"]],
            [(Decimal(p), Decimal(q)) for p, q in snap["asks"]],
        )
    warm = len(frames) // 5
    spent = [0.0, 0.0, 0.0]
    levels = 0
    for i, frame in enumerate(frames):
        if cold and i >= warm:
            np.add(THRASH, 1.0, out=THRASH)
        t0 = time.perf_counter()
        message = decode(frame)
        t1 = time.perf_counter()
        assert message is not None
        book = held[message[4]]
        book.bids.set_many(message[5])
        book.asks.set_many(message[6])
        t2 = time.perf_counter()
        count = len(message[5]) + len(message[6])
        del message
        t3 = time.perf_counter()
        if i >= warm:
            spent[0] += t1 - t0
            spent[1] += t2 - t1
            spent[2] += t3 - t2
            levels += count
    n = len(frames) - warm
    return spent[0] / n * 1e6, spent[1] / n * 1e6, spent[2] / n * 1e6, levels / n


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    books, frames = inputs(20.0 if quick else 120.0)
    one = {name: b for name, b in books.items() if name == "BTCUSDT"}
    one_frames = [f for f in frames if '"s":"BTCUSDT"' in f]
    for label, chosen, stream in (("1 book", one, one_frames), ("20 books", books, frames)):
        for cold in (False, True):
            runs = [run(chosen, stream, cold) for _ in range(1 if quick else 3)]
            decode, write, free, levels = (statistics.median(r[k] for r in runs) for k in range(4))
            what = f"{label}, {'cold' if cold else 'warm'}"
            note = f"{levels:.1f} levels a message, {len(stream) // 5 * 4:,} messages"
            figure(f"book levels, {what}, decode", decode, "us/msg", note)
            figure(
                f"book levels, {what}, set_many",
                write,
                "us/msg",
                f"{write / levels * 1e3:.0f} ns a level",
            )
            figure(f"book levels, {what}, free", free, "us/msg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
