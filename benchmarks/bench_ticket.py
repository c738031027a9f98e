"""Key press to order acknowledged on screen, in-process.

Run: ``python benchmarks/bench_ticket.py [--quick]``. A real TradetermApp in
``app.run_test(size=(120, 40))`` (every pane visible), a real paper venue (latency 0)
and a real durable SQLite ledger in a temp dir. Each sample puts an order's text in place
(the command line opened with it, or the ticket opened with ``b`` and its quantity filled
in; not timed), then measures from the moment the Enter key is sent until the order's row
is in the open-orders pane's table, polling the table's keys between event-loop turns.

Two paths: the command line (``:`` then ``buy 0.01 BTC/USDT @ <far below the touch>``
Enter) and the ticket (``b``, type the quantity, Enter). Where the time goes: each
sample's durable ledger commit is timed as the app makes it (the engine shows an order
only once its record is on disk), and the rest is key dispatch, the pre-trade checks, the
worker, the paper venue and the table update.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from common import figure
from tradeterm.domain.enums import FillModel
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger, Record
from tradeterm.engine.logbook import LogBook
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.screens.ticket import TicketScreen
from tradeterm.ui.session import Session
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

SIZE = (120, 40)
TIMEOUT_S = 5.0
AIM_MEDIAN_MS = 5.0
AIM_P99_MS = 20.0
"""The aims (issue 17): Enter to the order's row under 5 ms median, p99 under 20 ms."""


def build(directory: Path) -> TradetermApp:
    clock = SystemClock()
    feed = SimFeed(clock, seed=7, rate=0, history_minutes=120, symbols=["BTC/USDT", "ETH/USDT"])
    spec = AccountSpec("paper", balances={"USDT": Decimal(10_000_000)}, latency_ms=0)
    engine = Engine(clock, feed, [spec], ledger=Ledger(directory / "ledger.sqlite"))
    venue = PaperVenue(
        "paper", engine.view(engine.feed.venue), clock, fill_model=FillModel.REALISTIC, latency_ms=0
    )
    engine.attach_venue("paper", venue)
    engine.load_markets([flow.market for flow in feed.flows.values()])
    feed.bootstrap(engine)
    feed.step(engine, 200)
    return TradetermApp(Session(engine, LogBook(clock.now_ns)), start_feed=False, refresh_hz=15)


def send_enter(app: TradetermApp) -> None:
    """The Enter key, as the terminal driver delivers it (no Pilot waiting around it)."""
    app.post_message(events.Key("enter", "\r"))


async def until_new_row(app: TradetermApp, before: int) -> None:
    table = app.orders.table
    deadline = time.perf_counter() + TIMEOUT_S
    while table.row_count == before:
        if time.perf_counter() > deadline:
            raise TimeoutError("the order never reached the orders pane")
        await asyncio.sleep(0)


class CommitClock:
    """Times each ledger commit as the app makes it (on the writer's thread)."""

    def __init__(self, ledger: Ledger) -> None:
        self.spans: list[tuple[float, float]] = []
        append = ledger.append

        def timed(records: Sequence[Record]) -> None:
            started = time.perf_counter()
            append(records)
            self.spans.append((started, time.perf_counter()))

        ledger.append = timed  # type: ignore[method-assign]

    def first_after(self, moment: float) -> float:
        """How long the first commit that started after ``moment`` took."""
        return next(end - start for start, end in self.spans if start >= moment)


async def sample(
    app: TradetermApp, pilot: Pilot[None], prepare: Callable[[], None], commits: CommitClock
) -> tuple[float, float]:
    """One order: ``prepare`` types it (untimed), then Enter until its row is in the pane.
    Returns (that time, how long its durable commit took within it)."""
    before = app.orders.table.row_count
    prepare()
    await pilot.pause()
    started = time.perf_counter()
    send_enter(app)
    await until_new_row(app, before)
    elapsed = time.perf_counter() - started
    await app.engine.trading.writer.drain()  # the venue's acceptance, before the next sample
    await pilot.pause()
    return elapsed, commits.first_after(started)


async def measure(count: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        app = build(Path(tmp))
        ledger = app.engine.trading.ledger
        assert ledger is not None
        commits = CommitClock(ledger)
        book = app.engine.state.books_on(app.engine.feed.venue)["BTC/USDT"]
        bid = book.best_bid()
        assert bid is not None
        far = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
        results: dict[str, list[float]] = {}

        def record(name: str, got: tuple[float, float]) -> None:
            results.setdefault(name, []).append(got[0])
            results.setdefault(f"{name}: its durable ledger commit", []).append(got[1])

        def command_line(i: int) -> Callable[[], None]:
            return lambda: app.action_command_line(f"buy 0.01 BTC/USDT @ {far - i}")

        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.5)
            for i in range(count):
                record("command line", await sample(app, pilot, command_line(i), commits))
            await app.engine.cancel_all()  # the ticket starts from an empty book of orders too
            await app.engine.trading.writer.drain()
            await pilot.pause()
            for _ in range(count):
                await pilot.press("b")
                ticket = app.screen
                assert isinstance(ticket, TicketScreen)

                def quantity(ticket: TicketScreen = ticket) -> None:
                    ticket.query_one("#qty", Input).value = "0.01"

                record("ticket", await sample(app, pilot, quantity, commits))
                await pilot.pause()
                assert not isinstance(app.screen, TicketScreen)
            parse = []
            for i in range(count):
                started = time.perf_counter()
                app.desk.parse(f"buy 0.01 BTC/USDT @ {far - i}")
                parse.append(time.perf_counter() - started)
            results["parse + checks"] = parse
        return results


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    quick = "--quick" in sys.argv
    count = 50 if quick else 200
    results = asyncio.run(measure(count))
    note = f"{count} orders, 120x40, paper venue latency 0, durable ledger"
    for name in ("command line", "ticket"):
        ms = [v * 1000 for v in results[name]]
        commit = [v * 1000 for v in results[f"{name}: its durable ledger commit"]]
        rest = [a - b for a, b in zip(ms, commit, strict=True)]
        median, worst = statistics.median(ms), p99(ms)
        missed = "" if median < AIM_MEDIAN_MS else f"; MISSED the aim of {AIM_MEDIAN_MS:g} ms"
        figure(f"{name}: Enter to order row on screen, median", median, "ms", note + missed)
        missed = "" if worst < AIM_P99_MS else f"; MISSED the aim of {AIM_P99_MS:g} ms"
        figure(f"{name}: Enter to order row on screen, p99", worst, "ms", note + missed)
        commit_note = f"p99 {p99(commit):.2f} ms"
        rest_note = f"p99 {p99(rest):.2f} ms: keys, checks, worker, venue, table update"
        figure(f"{name}: of which the durable commit, median", statistics.median(commit), "ms",
               commit_note)  # fmt: skip
        figure(f"{name}: of which the rest, median", statistics.median(rest), "ms", rest_note)
    parse = statistics.median(results["parse + checks"]) * 1000
    figure("parse + checks alone, median", parse, "ms", f"of {count}")


if __name__ == "__main__":
    main()
