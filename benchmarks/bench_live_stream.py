"""Key press to a live order acknowledged, with Binance's user data stream: in a real app.

Run: ``python benchmarks/bench_live_stream.py [--quick]``. A real TradetermApp in
``app.run_test(size=(120, 40))`` on an armed live Binance account: the real ccxt.pro client
following the stand-in's user data stream (WebSocket API, ``tests/live``) with REST polls
an hour apart, and a durable SQLite ledger in a temp dir. Each sample opens the command line
with ``buy 0.001 BTC/USDT @ <far below the touch>`` (not timed), sends Enter, and measures
(1) to the stand-in having accepted the order (its REST handler, before it answers), and
(2) to the exchange's confirmation reaching the venue (the REST answer or the stream's NEW
report, whichever comes first), (3) to the order's row in the orders pane showing ``open``:
the confirmation on screen, after its durable ledger commit (timed as in ``bench_ticket``).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "live"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from binance_stream_kit import stream_engine  # noqa: E402
from binance_ws_standin import BinanceStandIn  # noqa: E402
from live_kit import ACCOUNT, API_KEY, SECRET  # noqa: E402
from textual import events  # noqa: E402

from bench_ticket import CommitClock  # noqa: E402
from common import figure  # noqa: E402
from tradeterm.domain.commands import Arm  # noqa: E402
from tradeterm.engine.logbook import LogBook  # noqa: E402
from tradeterm.ui.app import TradetermApp  # noqa: E402
from tradeterm.ui.session import Session  # noqa: E402

SIZE = (120, 40)
TIMEOUT_S = 5.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def wait(ready: Callable[[], object], what: str) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while not ready():
        if time.perf_counter() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0)


async def measure(count: int) -> tuple[dict[str, list[float]], int]:
    binance = BinanceStandIn(API_KEY, SECRET, {"USDT": Decimal(10_000_000)})
    await binance.start()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        engine, venue = stream_engine(binance, Path(folder) / "ledger.sqlite")
        app = TradetermApp(Session(engine, LogBook(engine.clock.now_ns)), refresh_hz=15)
        account = engine.state.accounts[ACCOUNT]
        assert engine.trading.ledger is not None
        commits = CommitClock(engine.trading.ledger)
        confirmed: dict[str, float] = {}
        absorb = venue.tracker.absorb

        def timed(tracked: Any, answer: Any) -> None:  # the first word from the exchange
            confirmed.setdefault(tracked.client_id, time.perf_counter())
            absorb(tracked, answer)

        venue.tracker.absorb = timed  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            stream = venue.stream
            assert stream is not None
            await wait(lambda: stream.up and binance.subscribers() == 1, "no stream")
            await engine.execute(Arm(ACCOUNT))
            table = app.orders.table
            for i in range(count + 5):
                app.action_command_line(f"buy 0.001 BTC/USDT @ {30000 + i}.00")
                await pilot.pause()
                before = set(account.orders)
                started = time.perf_counter()
                app.post_message(events.Key("enter", "\r"))

                def placed(known: set[str] = before) -> set[str]:
                    return set(account.orders) - known

                await wait(placed, "never placed")
                [client_id] = placed()

                def shown_open(key: str = client_id) -> bool:
                    row = table.row(key)
                    return row is not None and "open" in row.cells

                await wait(shown_open, "never shown open")
                done = time.perf_counter()
                if i >= 5:  # the first few warm ccxt's session up
                    for name, value in (
                        ("accepted by the stand-in", binance.accepted_at[client_id] - started),
                        ("confirmed to the venue", confirmed[client_id] - started),
                        ("shown open on screen", done - started),
                        (
                            "its acceptance's ledger commit",
                            commits.first_after(confirmed[client_id]),
                        ),
                    ):
                        results.setdefault(name, []).append(value)
                await engine.trading.writer.drain()
                await pilot.pause()
        await venue.close()
    await binance.stop()
    rest_rounds = sum(1 for m, p, _ in binance.requests if (m, p) == ("GET", "account"))
    return results, rest_rounds


def main() -> None:
    count = 40 if "--quick" in sys.argv else 200
    results, rounds = asyncio.run(measure(count))
    note = f"{count} orders, Binance stand-in, user data stream, durable ledger"
    for name, values in results.items():
        ms = [v * 1000 for v in values]
        figure(f"Enter to live order {name}, median", statistics.median(ms), "ms", note)
        figure(f"Enter to live order {name}, p99", p99(ms), "ms", note)
    figure("REST polling rounds meanwhile", rounds, "", "the first poll and the sweep on open")


if __name__ == "__main__":
    main()
