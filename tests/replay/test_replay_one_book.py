"""A replay into an engine writes each depth update to one book: the engine's, which it keeps."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterable
from pathlib import Path

import pytest
from replay_data import SPOT, need

from tradeterm.domain.book import BookSide, Level
from tradeterm.domain.events import BookChanged
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import drive
from tradeterm.engine.engine import Engine
from tradeterm.venues.replay import ReplayFeed
from tradeterm.venues.replay.session import Session


@pytest.fixture
def spot_head(tmp_path: Path) -> Path:
    need(SPOT[0])
    with gzip.open(SPOT[0], "rt") as fh:
        lines = [next(fh) for _ in range(3000)]
    path = tmp_path / "spot_head.gz"
    path.write_bytes(gzip.compress("".join(lines).encode(), compresslevel=1))
    return path


def count_side_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count ``BookSide.set_many`` calls (each book update writes both sides once)."""
    calls = [0]
    original = BookSide.set_many

    def counting(self: BookSide, levels: Iterable[Level]) -> None:
        calls[0] += 1
        original(self, levels)

    monkeypatch.setattr(BookSide, "set_many", counting)
    return calls


def verified(path: Path) -> Session:
    session = Session([path])
    for item in session.items():
        session.process(item)
    return session


def test_each_update_is_written_once_and_the_engine_book_is_the_verified_one(
    spot_head: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = verified(spot_head)
    state = reference.states["BTC/USDT"]
    assert state.applied > 100 and state.synced  # the head holds real diffs, all in sequence

    clock = ManualClock(0)
    feed = ReplayFeed([spot_head], clock, speed=None, venue="binance")
    engine = Engine(clock, feed, [AccountSpec("main")])
    diffs: list[BookChanged] = []
    engine.bus.subscribe(BookChanged, lambda e: diffs.append(e) if not e.snapshot else None)

    async def run() -> None:
        await engine.start()
        writes.append(count_side_writes(monkeypatch))
        await drive(engine, [feed])

    writes: list[list[int]] = []
    asyncio.run(run())

    assert len(diffs) == state.applied  # every applied diff still reaches the bus
    assert writes[0][0] == 2 * state.applied  # one book, both sides, once per update
    book = engine.state.books_on("binance")["BTC/USDT"]
    assert book.seq == state.book.seq
    assert book.bids.top(10_000) == state.book.bids.top(10_000)
    assert book.asks.top(10_000) == state.book.asks.top(10_000)


def test_a_seek_back_empties_the_kept_book_before_its_event(spot_head: Path) -> None:
    """Subscribers of the "book cleared" event of a seek back find the engine's book empty."""
    clock = ManualClock(0)
    feed = ReplayFeed([spot_head], clock, speed=None, venue="binance")
    engine = Engine(clock, feed, [AccountSpec("main")])
    seen: list[
        tuple[int, int]
    ] = []  # (levels in the event, bids in the engine's book) on snapshots

    def on_book(event: BookChanged) -> None:
        if event.snapshot:
            book = engine.state.books_on("binance")[event.symbol]
            seen.append((len(event.bids), len(book.bids)))

    engine.bus.subscribe(BookChanged, on_book)

    async def run() -> None:
        await engine.start()
        task = asyncio.create_task(engine.run_feed())
        while not feed.finished:
            await asyncio.sleep(0.005)
        first = feed.progress.start_ns
        assert first is not None
        seen.clear()
        feed.seek(first - 1)  # before the first message: every book is cleared
        while feed.seeking:
            await asyncio.sleep(0.005)
        task.cancel()

    asyncio.run(run())
    assert seen[0] == (0, 0)  # (then the session plays again from its start)
