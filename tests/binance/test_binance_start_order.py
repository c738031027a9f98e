"""The order of a native Binance start on the local stand-in: the active symbol's streams
first, then its depth snapshot alone, then the other symbols' streams (subscribed by
message) and snapshots (issue 13: the first book fast)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from binance_standin import BinanceStandIn, Faults
from test_binance_feed import FAST, depth_frames, standin, until

from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import BookChanged, FeedStateChanged
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.binance import feed as binance_feed
from tradeterm.venues.binance.streams import stream_names

SYMBOLS = ["NKN/USDT", "BLZ/ETH", "LRC/BTC", "RUNE/EUR"]
ACTIVE = "RUNE/EUR"
"""The last configured symbol: on the old order its snapshot was asked for last."""


def depth_requests(server: BinanceStandIn) -> list[str]:
    """The symbols whose depth snapshots the stand-in was asked for, in order."""
    return [r.split("symbol=")[1].split("&")[0] for r in server.requests if "/depth?" in r]


async def start_on(server: BinanceStandIn, tmp_path: Path) -> tuple[BinanceFeed, Engine]:
    feed = BinanceFeed(SYMBOLS, urls=server.urls, cache_dir=tmp_path, backoff=FAST)
    engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="binance")])
    await engine.start()
    engine.select_symbol(ACTIVE)  # (the first market is active after the start)
    return feed, engine


async def run_until_synced(server: BinanceStandIn, tmp_path: Path) -> BinanceFeed:
    """A feed on ``server`` streamed until every book is synced."""
    feed, engine = await start_on(server, tmp_path)
    task = asyncio.create_task(engine.run_feed())
    try:
        await until(lambda: len(feed.books) == 4 and all(b.synced for b in feed.books.values()))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return feed


async def test_the_active_symbols_snapshot_is_asked_for_first_and_alone(tmp_path: Path) -> None:
    async with standin() as server:
        feed, engine = await start_on(server, tmp_path)
        seen: list[tuple[list[str], list[str], list[str]]] = []
        """At the active book: depth snapshots asked for, stream urls, streams subscribed."""
        late: dict[str, bool] = {}
        """Each other symbol: was its depth stream subscribed before its snapshot came?"""

        def on_book(event: BookChanged) -> None:
            if not event.snapshot:
                return
            if event.symbol == ACTIVE and not seen:
                seen.append(
                    (depth_requests(server), server.stream_paths[:], server.subscriptions[:])
                )
            elif event.symbol != ACTIVE:
                native = feed.native[event.symbol].lower()
                late.setdefault(event.symbol, f"{native}@depth@100ms" in server.subscriptions)

        engine.bus.subscribe(BookChanged, on_book)
        task = asyncio.create_task(engine.run_feed())
        try:
            await until(lambda: all(b.synced for b in feed.books.values()) and len(feed.books) == 4)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    asked, paths, subscribed = seen[0]
    # the stream is open (its events buffered) before any snapshot, with the active streams only
    assert paths == ["/stream?streams=runeeur@depth@100ms/runeeur@trade/runeeur@ticker"]
    assert asked == ["RUNEEUR"]  # first, and alone while its answer came
    assert subscribed == []  # nor any other symbol's trades or diffs
    # then every other symbol: subscribed by message, its snapshot asked for once that is done
    assert sorted(depth_requests(server)) == sorted(feed.native.values())
    assert late == {s: True for s in SYMBOLS if s != ACTIVE}
    assert {s.partition("@")[0] for s in server.subscriptions} == {"nknusdt", "blzeth", "lrcbtc"}
    assert feed.malformed == 0  # (the SUBSCRIBE's answer is no stream message)
    books = engine.state.books_on("binance")
    assert all(books[s].bids and books[s].asks for s in SYMBOLS)


async def test_after_a_reconnect_the_active_book_is_again_synced_first(tmp_path: Path) -> None:
    cut = depth_frames("NKNUSDT")[60]
    synced = asyncio.Event()  # the link drops once the active book was synced on it
    async with standin(Faults(close_after={cut}, hold={cut: synced})) as server:
        feed, engine = await start_on(server, tmp_path)
        opened: list[int] = []  # depth requests made before each connection was up

        def on_state(event: FeedStateChanged) -> None:
            if event.state is FeedState.CONNECTED:
                opened.append(len(depth_requests(server)))

        def on_book(event: BookChanged) -> None:
            if event.snapshot and event.symbol == ACTIVE:
                synced.set()

        engine.bus.subscribe(FeedStateChanged, on_state)
        engine.bus.subscribe(BookChanged, on_book)
        task = asyncio.create_task(engine.run_feed())
        try:
            await until(
                lambda: feed.connections == 2 and all(b.synced for b in feed.books.values())
            )
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    asked = depth_requests(server)
    assert len(opened) == 2 and opened[1] > 0
    assert [asked[i] for i in opened] == ["RUNEEUR", "RUNEEUR"]  # each connection: it first
    assert sorted(set(asked[opened[1] :])) == sorted(feed.native.values())


async def test_a_refused_subscription_leaves_the_other_books_empty_not_frozen(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with standin(Faults(refuse_subscribe=True)) as server:
        feed, engine = await start_on(server, tmp_path)
        task = asyncio.create_task(engine.run_feed())
        try:
            await until(lambda: "not subscribed" in caplog.text)
            await asyncio.sleep(0.1)  # (no snapshot asked for after it)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert depth_requests(server) == ["RUNEEUR"]  # none for books no diff would follow
    assert feed.books["RUNEEUR"].synced
    assert not any(b.synced for n, b in feed.books.items() if n != "RUNEEUR")
    assert "SUBSCRIBE #1 refused" in caplog.text and "3 markets not subscribed" in caplog.text


async def test_a_refused_subscription_is_asked_again_on_the_same_connection(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with standin(Faults(refuse_subscribes=2)) as server:
        feed = await run_until_synced(server, tmp_path)
    assert feed.connections == 1
    assert "SUBSCRIBE #1 refused" in caplog.text and "SUBSCRIBE #2 refused" in caplog.text
    assert caplog.text.count("3 markets not subscribed: asking again") == 2
    others = sorted(n for n in feed.native.values() if n != "RUNEEUR")
    assert sorted(server.subscriptions) == sorted(stream_names(others))  # the third: yes
    assert sorted(set(depth_requests(server))) == sorted(feed.native.values())


async def test_subscribed_books_sync_when_the_subscribes_answer_never_comes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exchange subscribed the other symbols but its answer was lost (or came after the
    wait): their diffs flow, so their snapshots are asked for all the same, rather than their
    diffs piling up unsynced until the next connection."""
    monkeypatch.setattr(binance_feed, "SUBSCRIBE_TIMEOUT_S", 0.2)
    async with standin(Faults(silent_subscribe=True), interval_s=0.01) as server:
        feed = await run_until_synced(server, tmp_path)
    assert sorted(depth_requests(server)) == sorted(feed.native.values())
