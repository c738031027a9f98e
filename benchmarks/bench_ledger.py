"""Ledger writes per second with durability on (fsync on every commit), batched and not.

Run: ``python benchmarks/bench_ledger.py [--quick]``. Every write is a real
journal record (an OrderFilled as the engine journals it) in a real SQLite
file in WAL mode with synchronous=FULL. "Group commit" is the engine's own
JournalWriter: records submitted while a commit is in flight go into the next
one, and nothing is acknowledged before its commit returns.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure
from tradeterm.domain.enums import Liquidity, Side
from tradeterm.domain.events import OrderFilled
from tradeterm.domain.fills import Fill
from tradeterm.engine.journal import event_record
from tradeterm.engine.ledger import Ledger, Record
from tradeterm.engine.writer import JournalWriter


def records(n: int) -> list[Record]:
    out = []
    for i in range(n):
        fill = Fill(
            f"f{i}",
            f"c{i // 3}",
            "paper",
            "BTC/USDT",
            Side.BUY,
            Decimal("67250.1"),
            Decimal("0.01234"),
            Decimal("0.00001234"),
            "BTC",
            Liquidity.TAKER,
            i,
        )
        out.append(Record(i, "paper", "filled", fill.client_id, event_record(OrderFilled(fill))))
    return out


def one_by_one(n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(Path(tmp) / "l.sqlite")
        batch = records(n)
        started = time.perf_counter()
        for record in batch:
            ledger.append([record])
        elapsed = time.perf_counter() - started
        ledger.close()
    return n / elapsed


async def grouped(n: int, producers: int) -> tuple[float, float]:
    """``producers`` tasks each submit and await acknowledgement, as the engine does."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(Path(tmp) / "l.sqlite")
        writer = JournalWriter(ledger)
        batch = records(n)
        acked = 0
        latencies: list[float] = []
        loop = asyncio.get_running_loop()

        async def produce(chunk: list[Record]) -> None:
            nonlocal acked
            for record in chunk:
                done: asyncio.Future[None] = loop.create_future()
                sent = time.perf_counter()
                writer.submit([record], lambda d=done: d.set_result(None))
                await done
                latencies.append(time.perf_counter() - sent)
                acked += 1

        started = time.perf_counter()
        await asyncio.gather(*(produce(batch[i::producers]) for i in range(producers)))
        elapsed = time.perf_counter() - started
        assert acked == n and sum(1 for _ in ledger.records()) == n
        ledger.close()
    latencies.sort()
    return n / elapsed, latencies[len(latencies) // 2] * 1e3


def main() -> None:
    quick = "--quick" in sys.argv
    n = 300 if quick else 2000
    repeat = 3 if quick else 5
    single = statistics.median(one_by_one(n // 4) for _ in range(repeat))
    figure("ledger writes/s, one durable commit each", single, "/s", f"median of {repeat}")
    for producers in (1, 16, 64):
        runs = [asyncio.run(grouped(n, producers)) for _ in range(repeat)]
        rate = statistics.median(r[0] for r in runs)
        ack = statistics.median(r[1] for r in runs)
        figure(
            f"ledger writes/s, group commit, {producers} concurrent writers",
            rate,
            "/s",
            f"median of {repeat}; median time to durable ack {ack:.2f} ms",
        )


if __name__ == "__main__":
    main()
