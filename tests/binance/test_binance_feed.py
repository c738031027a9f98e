"""The native Binance feed against the local stand-in exchange, replaying a real capture."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from binance_data import EXCHANGE_INFO, SYMBOLS, expected, frames, need, snapshots
from binance_standin import BinanceStandIn, Faults

from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import FeedStateChanged, TradePrinted
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.binance.rest import Backoff

FAST = Backoff(base_s=0.01, cap_s=0.05, tries=6)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


def standin(faults: Faults | None = None, interval_s: float = 0.0) -> BinanceStandIn:
    need()
    return BinanceStandIn(
        frames(), snapshots(), EXCHANGE_INFO.read_bytes(), faults, interval_s=interval_s
    )


def make(server: BinanceStandIn, tmp_path: Path, **kw: Any) -> tuple[BinanceFeed, Engine]:
    feed = BinanceFeed(
        list(SYMBOLS.values()), urls=server.urls, cache_dir=tmp_path, backoff=FAST, **kw
    )
    engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="binance")], stale_after_s=0.3)
    return feed, engine


def top10(engine: Engine, symbol: str) -> dict[str, list[list[str]]]:
    book = engine.state.books_on(engine.feed.venue)[symbol]
    return {
        "bids": [[str(p), str(q)] for p, q in book.bids.top(10)],
        "asks": [[str(p), str(q)] for p, q in book.asks.top(10)],
    }


def want_top10(answer: dict[str, Any]) -> dict[str, list[list[str]]]:
    """The expected top 10 as the engine prints its Decimals (same values, same digits)."""
    return {
        side: [[str(Decimal(p)), str(Decimal(q))] for p, q in levels]
        for side, levels in answer["final_top10"].items()
    }


def at_final(feed: BinanceFeed, answers: dict[str, Any]) -> Callable[[], bool]:
    def done() -> bool:
        books = [feed.books.get(s) for s in SYMBOLS]
        return all(
            b is not None and b.synced and b.last_u == answers[s]["final_u"]
            for s, b in zip(SYMBOLS, books, strict=True)
        )

    return done


async def session(
    server: BinanceStandIn, feed: BinanceFeed, engine: Engine, timeout: float = 15.0
) -> None:
    await engine.start()
    task = asyncio.create_task(engine.run_feed())
    try:
        await until(at_final(feed, expected()), timeout)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_normal_session_ends_in_the_known_final_books(tmp_path: Path) -> None:
    answers = expected()
    go = asyncio.Event()  # the market starts once every symbol is subscribed: all trades count
    async with standin(Faults(hold={0: go})) as server:
        feed, engine = make(server, tmp_path)
        events: list[Any] = []
        engine.bus.subscribe_all(events.append)
        opening = asyncio.create_task(until(lambda: bool(server.subscriptions)))
        opening.add_done_callback(lambda _: go.set())
        await session(server, feed, engine)
    for native, symbol in SYMBOLS.items():
        answer = answers[native]
        assert top10(engine, symbol) == want_top10(answer), native
        book = engine.state.books_on(engine.feed.venue)[symbol]
        assert len(book.bids) == answer["final_levels"]["bids"], native
        assert len(book.asks) == answer["final_levels"]["asks"], native
        assert engine.state.markets_on(engine.feed.venue)[symbol].venue == "binance"
    assert all(feed.books[s].resyncs == 0 for s in SYMBOLS)
    assert server.connections == 1 and feed.malformed == 0
    path = server.stream_paths[0]
    assert path.startswith("/stream?streams=") and "nknusdt@depth@100ms" in path
    trades = [e.trade for e in events if isinstance(e, TradePrinted)]
    assert {t.symbol for t in trades} == {"NKN/USDT", "LRC/BTC"}
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert states[:2] == [FeedState.CONNECTING, FeedState.CONNECTED]


def depth_frames(native: str) -> list[int]:
    """Indexes of ``native``'s depth messages in the replayed capture."""
    low = native.lower()
    return [i for i, f in enumerate(frames()) if f.startswith(f'{{"stream":"{low}@depth')]


def assert_known_tops(engine: Engine) -> None:
    answers = expected()
    for native, symbol in SYMBOLS.items():
        assert top10(engine, symbol) == want_top10(answers[native]), native


async def test_a_dropped_connection_reconnects_and_resyncs(tmp_path: Path) -> None:
    cut = depth_frames("NKNUSDT")[60]
    synced = asyncio.Event()  # the cut comes once the first connection's snapshot is applied
    async with standin(Faults(close_after={cut}, hold={cut: synced})) as server:
        feed, engine = make(server, tmp_path)
        events: list[Any] = []
        engine.bus.subscribe_all(events.append)

        async def release() -> None:
            await until(lambda: "NKNUSDT" in feed.books and feed.books["NKNUSDT"].synced)
            synced.set()

        releaser = asyncio.create_task(release())
        await session(server, feed, engine)
        await releaser
    assert server.connections == 2 and feed.connections == 2
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert FeedState.RECONNECTING in states
    assert states[states.index(FeedState.RECONNECTING) + 1] == FeedState.CONNECTED
    down = [e for e in events if isinstance(e, FeedStateChanged) and e.detail]
    assert down and "closed" in down[0].detail
    snapshots_asked = [r for r in server.requests if r.startswith("/api/v3/depth?symbol=NKNUSDT")]
    assert len(snapshots_asked) == 2  # one per connection
    assert_known_tops(engine)


async def test_a_sequence_gap_resyncs_from_a_fresh_snapshot_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lost = depth_frames("NKNUSDT")[80]
    synced = asyncio.Event()  # the gap comes once the first snapshot is applied
    async with standin(Faults(drop={lost}, hold={lost: synced})) as server:
        feed, engine = make(server, tmp_path)

        async def release() -> None:
            await until(lambda: "NKNUSDT" in feed.books and feed.books["NKNUSDT"].synced)
            synced.set()

        releaser = asyncio.create_task(release())
        with caplog.at_level(logging.WARNING, "tradeterm.venues.binance"):
            await session(server, feed, engine)
        await releaser
    assert server.connections == 1
    assert feed.books["NKNUSDT"].resyncs == 1
    assert all(feed.books[s].resyncs == 0 for s in SYMBOLS if s != "NKNUSDT")
    asked = [r for r in server.requests if r.startswith("/api/v3/depth?symbol=NKNUSDT")]
    assert len(asked) == 2
    gap = [r.getMessage() for r in caplog.records if "resync" in r.getMessage()]
    # Usually a diff continues the snapshot before the lost one, and the break is a gap in
    # the chain; on a loaded machine the snapshot can already hold every diff before the
    # lost one, and the diff after it is then the first to follow the snapshot: too new.
    reasons = ("gap: U=", "is older than the stream (next U=")
    assert len(gap) == 1 and "NKNUSDT" in gap[0] and any(r in gap[0] for r in reasons)
    assert "message #" in gap[0]
    assert_known_tops(engine)


async def test_a_malformed_message_is_logged_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    at = depth_frames("NKNUSDT")[40]
    bad_depth = (
        '{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","s":"NKNUSDT",'
        '"U":"x","u":5,"b":[],"a":[]}}'
    )
    bad_level = (
        '{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","s":"NKNUSDT",'
        '"U":1,"u":2,"b":[["0.35","lots"]],"a":[]}}'
    )
    garbage = ["{not json", bad_depth, bad_level, '{"stream":"x","data":7}']
    async with standin(Faults(inject={at: garbage})) as server:
        feed, engine = make(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.binance"):
            await session(server, feed, engine)
    assert feed.malformed == len(garbage)
    skipped = [r.getMessage() for r in caplog.records if "malformed message" in r.getMessage()]
    assert len(skipped) == len(garbage)
    assert "{not json" in skipped[0]
    assert all(feed.books[s].resyncs == 0 for s in SYMBOLS)
    assert_known_tops(engine)


async def test_a_silent_stream_goes_stale_and_comes_back(tmp_path: Path) -> None:
    at = depth_frames("NKNUSDT")[30]
    async with standin(Faults(pause={at: 1.0})) as server:
        feed, engine = make(server, tmp_path)
        events: list[Any] = []
        engine.bus.subscribe_all(events.append)
        watcher = asyncio.create_task(engine.watch_feed(interval_s=0.05))
        try:
            await session(server, feed, engine)
        finally:
            watcher.cancel()
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert FeedState.STALE in states
    assert states[states.index(FeedState.STALE) + 1] == FeedState.CONNECTED
    assert engine.state.feed.state is FeedState.CONNECTED
    assert server.connections == 1
    assert_known_tops(engine)


async def test_rest_rate_limit_replies_are_retried_with_backoff(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with standin(Faults(rest_failures=3)) as server:
        feed, engine = make(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.binance"):
            await session(server, feed, engine)
        assert server.requests[:4] == ["/api/v3/exchangeInfo"] * 4
    retried = [r.getMessage() for r in caplog.records if "HTTP 429" in r.getMessage()]
    assert len(retried) == 3
    assert_known_tops(engine)


async def test_an_unreachable_stream_is_retried_with_growing_waits(tmp_path: Path) -> None:
    async with standin() as server:
        urls = {"api": {"public": server.urls["api"]["public"], "ws": "ws://127.0.0.1:9/ws"}}
        feed = BinanceFeed(
            ["NKN/USDT"], urls=urls, cache_dir=tmp_path, backoff=Backoff(0.02, 0.2, 6)
        )
        engine = Engine(SystemClock(), feed, [AccountSpec("main")])
        events: list[Any] = []
        engine.bus.subscribe_all(events.append)
        await engine.start()
        task = asyncio.create_task(engine.run_feed())
        stamps: list[float] = []

        def count() -> bool:
            downs = [e for e in events if isinstance(e, FeedStateChanged)]
            while len(stamps) < len(downs):
                stamps.append(time.monotonic())
            return len(downs) >= 6

        try:
            await until(count, 10)
            assert not task.done()  # still trying, never crashed
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    states = [e for e in events if isinstance(e, FeedStateChanged)]
    assert states[0].state is FeedState.CONNECTING
    assert all(e.state is FeedState.RECONNECTING for e in states[1:])
    assert "127.0.0.1" in states[1].detail or "refused" in states[1].detail.lower()
    assert FeedState.CONNECTED not in [e.state for e in states]
    waits = [b - a for a, b in itertools.pairwise(stamps[1:])]
    assert waits[-1] > waits[0]  # exponential: 0.01-0.02 s first, 0.1-0.2 s by the fifth
