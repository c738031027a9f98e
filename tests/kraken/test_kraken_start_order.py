"""The order of a native Kraken start on the local stand-in: the active pair's book, trades and
ticker subscribed first and alone, every other pair's after its book came (issue 13: the
first book fast); every book still ends on the stand-in's checksum."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from kraken_data import ASSET_PAIRS, DEPTH, PAIRS, need, precisions, timeline
from kraken_standin import Faults, KrakenStandIn
from test_kraken_feed import FAST, assert_known_books, at_final, book_updates, until

from tradeterm.domain.events import BookChanged
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.kraken import KrakenFeed
from tradeterm.venues.kraken import subscribe as kraken_subscribe

SYMBOLS = list(PAIRS.values())
ACTIVE = "ADA/BTC"
"""The last configured pair: on the old order it was subscribed with all the others."""
OTHERS = [s for s in SYMBOLS if s != ACTIVE]
AFTER_S = 0.3


def standin(faults: Faults | None = None, await_all: bool = True) -> KrakenStandIn:
    need()
    return KrakenStandIn(
        timeline(), precisions(), ASSET_PAIRS.read_bytes(), faults, DEPTH, await_all=await_all
    )


async def start_on(server: KrakenStandIn, tmp_path: Path) -> tuple[KrakenFeed, Engine]:
    feed = KrakenFeed(
        list(PAIRS),
        urls=server.urls,
        cache_dir=tmp_path,
        backoff=FAST,
        depth=DEPTH,
        others_after_s=AFTER_S,
    )
    engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="kraken")])
    await engine.start()
    engine.select_symbol(ACTIVE)  # (the first market is active after the start)
    return feed, engine


async def run_until(engine: Engine, done: Callable[[], bool], timeout: float = 40.0) -> None:
    task = asyncio.create_task(engine.run_feed())
    try:
        await until(done, timeout)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def connection(journal: list[tuple[float, str]], number: int) -> list[tuple[float, str]]:
    """The journal's entries of the ``number``-th connection (each opens with a book
    subscription of the active pair)."""
    opened = [i for i, (_, what) in enumerate(journal) if what == f"subscribe book {ACTIVE}"]
    end = opened[number + 1] if number + 1 < len(opened) else len(journal)
    return journal[opened[number] : end]


def assert_active_first(entries: list[tuple[float, str]]) -> None:
    """The active pair's channels alone, its snapshot, then (``AFTER_S`` later) the others'."""
    what = [w for _, w in entries]
    others = ",".join(OTHERS)
    assert what[:4] == [
        f"subscribe book {ACTIVE}",
        f"snapshot {ACTIVE}",  # (answering the subscription: before anything else is asked)
        f"subscribe trade {ACTIVE}",
        f"subscribe ticker {ACTIVE}",
    ]
    later = what.index(f"subscribe book {others}")
    assert what[later : later + 1 + len(OTHERS)] == [
        f"subscribe book {others}",
        *(f"snapshot {s}" for s in OTHERS),
    ]
    assert what[later + 1 + len(OTHERS) :][:2] == [
        f"subscribe trade {others}",
        f"subscribe ticker {others}",
    ]
    assert not any(w.startswith("snapshot") and ACTIVE not in w for w in what[:later])
    assert entries[later][0] - entries[1][0] >= AFTER_S  # after its book, and a pause


async def test_the_active_pair_is_subscribed_first_and_alone(tmp_path: Path) -> None:
    async with standin() as server:
        feed, engine = await start_on(server, tmp_path)
        assert feed.first_book() == ACTIVE
        first_books: list[str] = []
        engine.bus.subscribe(
            BookChanged, lambda e: first_books.append(e.symbol) if e.snapshot else None
        )
        await run_until(engine, at_final(server, feed))
    assert_active_first(connection(server.journal, 0))
    assert first_books[0] == ACTIVE and sorted(set(first_books)) == sorted(SYMBOLS)
    assert all(feed.books[s].resyncs == 0 for s in SYMBOLS)
    assert feed.malformed == 0 and server.connections == 1
    assert_known_books(engine)  # every book ends right (at_final: on the last checksum too)


async def test_after_a_reconnect_the_active_pair_is_again_subscribed_first(
    tmp_path: Path,
) -> None:
    cut = book_updates("XMR/USD")[80]
    async with standin(Faults(close_after={cut})) as server:
        feed, engine = await start_on(server, tmp_path)
        await run_until(engine, lambda: feed.connections == 2 and at_final(server, feed)())
    assert server.connections == 2
    for number in (0, 1):
        assert_active_first(connection(server.journal, number))
    assert_known_books(engine)


async def test_a_refused_active_book_does_not_hold_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kraken_subscribe, "LEAD_TIMEOUT_S", 60.0)  # (not what frees them)
    async with standin(Faults(refuse_books={ACTIVE})) as server:
        feed, engine = await start_on(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.kraken"):
            await run_until(
                engine,
                lambda: (
                    server.finished.is_set()
                    and all(feed.books[s].checksum == server.checksums[s] for s in OTHERS)
                ),
            )
    assert "request refused" in caplog.text and "Currency pair not supported" in caplog.text
    assert not feed.books[ACTIVE].synced
    assert all(feed.books[s].synced for s in OTHERS)


async def test_a_lost_active_book_holds_the_others_no_longer_than_the_timeout(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The active pair's snapshot never comes (here: its pair has no book yet and the
    timeline waits for every subscription): the others are subscribed all the same."""
    monkeypatch.setattr(kraken_subscribe, "LEAD_TIMEOUT_S", 0.5)
    async with standin(await_all=False) as server:
        hold = asyncio.Event()  # no pair's book is known until the timeline plays
        server.faults.hold[0] = hold
        _, engine = await start_on(server, tmp_path)
        others = f"subscribe book {','.join(OTHERS)}"
        with caplog.at_level(logging.WARNING, "tradeterm.venues.kraken"):
            await run_until(engine, lambda: others in [w for _, w in server.journal])
        hold.set()
    assert f"no {ACTIVE} book in 0.5s; subscribing the other pairs" in caplog.text
    assert [w for _, w in server.journal][:4] == [
        f"subscribe book {ACTIVE}",
        f"subscribe trade {ACTIVE}",
        f"subscribe ticker {ACTIVE}",
        others,
    ]
