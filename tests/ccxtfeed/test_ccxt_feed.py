"""The ccxt feed through ccxt's real Binance client against the local stand-in exchange,
replaying a real capture: known final books, reconnects, gaps, garbage, rate limits."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from binance_data import SYMBOLS
from binance_standin import Faults
from ccxt_rig import (
    assert_known_books,
    depth_frames,
    make,
    release_when_loaded,
    session,
    standin,
    until,
)

from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import BookChanged, FeedStateChanged, TradePrinted


def events_of(engine: Any) -> list[Any]:
    events: list[Any] = []
    engine.bus.subscribe_all(events.append)
    return events


async def test_a_normal_session_ends_in_the_known_final_books(tmp_path: Path) -> None:
    # hold the stream after a few NKNUSDT diffs until ccxt has its snapshots, so most of the
    # session arrives as diffs on a synced book (the feed's own diffing, not only snapshots)
    go = asyncio.Event()
    hold_at = depth_frames("NKNUSDT")[5]
    async with standin(Faults(hold={hold_at: go}), interval_s=0.0005) as server:
        feed, engine = make(server, tmp_path)
        events = events_of(engine)

        releaser = asyncio.create_task(release_when_loaded(engine, go))
        await session(feed, engine)
        await releaser
    assert_known_books(engine)
    books = [e for e in events if isinstance(e, BookChanged)]
    assert {e.symbol for e in books if e.snapshot} == set(SYMBOLS.values())
    diffs = [e for e in books if not e.snapshot and e.symbol == "NKN/USDT"]
    assert len(diffs) > 50  # sent as the levels that changed, not the whole book again
    assert max(len(e.bids) + len(e.asks) for e in diffs) < 50
    trades = [e.trade for e in events if isinstance(e, TradePrinted)]
    assert {t.symbol for t in trades} == {"NKN/USDT", "LRC/BTC"}
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert states[:2] == [FeedState.CONNECTING, FeedState.CONNECTED]
    assert server.stream_paths == ["/stream/0"]  # ccxt subscribed by message, on one link
    assert {f"{n.lower()}@depth@100ms" for n in SYMBOLS} <= set(server.subscriptions)
    assert feed.malformed == 0


async def test_books_are_copies_that_ccxt_cannot_change_later(tmp_path: Path) -> None:
    async with standin() as server:
        feed, engine = make(server, tmp_path)
        events = events_of(engine)
        await session(feed, engine)
    book = feed.exchange.orderbooks["NKN/USDT"]
    best_before = engine.state.books_on(engine.feed.venue)["NKN/USDT"].bids.top(1)
    first = next(e for e in events if isinstance(e, BookChanged) and e.symbol == "NKN/USDT")
    levels_before = list(first.bids)
    book["bids"].store(float(best_before[0][0]) + 0.0001, 12345.0)  # ccxt mutates in place
    assert engine.state.books_on(engine.feed.venue)["NKN/USDT"].bids.top(1) == best_before
    assert list(first.bids) == levels_before


async def test_a_dropped_connection_reconnects_and_resyncs(tmp_path: Path) -> None:
    cut = depth_frames("NKNUSDT")[60]
    synced = asyncio.Event()  # the link drops once the books are loaded
    async with standin(Faults(close_after={cut}, hold={cut: synced})) as server:
        feed, engine = make(server, tmp_path)
        events = events_of(engine)

        releaser = asyncio.create_task(release_when_loaded(engine, synced))
        await session(feed, engine)
        await releaser
    assert server.connections == 2
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert FeedState.RECONNECTING in states
    assert states[states.index(FeedState.RECONNECTING) + 1] == FeedState.CONNECTED
    asked = [r for r in server.requests if r.startswith("/api/v3/depth?symbol=NKNUSDT")]
    assert len(asked) == 2  # a fresh snapshot on the new connection
    after = states.index(FeedState.RECONNECTING)
    later = [e for e in events if isinstance(e, (BookChanged, FeedStateChanged))]
    back = [e for e in later if isinstance(e, FeedStateChanged)][after + 1]
    nkn = [e for e in later[later.index(back) :] if getattr(e, "symbol", "") == "NKN/USDT"]
    assert nkn and nkn[0].snapshot  # the engine's book is replaced whole, never patched blind
    assert_known_books(engine)


async def test_a_sequence_gap_resyncs_from_a_fresh_snapshot_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lost = depth_frames("NKNUSDT")[80]
    synced = asyncio.Event()  # the gap comes once the first snapshot is applied
    async with standin(Faults(drop={lost}, hold={lost: synced})) as server:
        feed, engine = make(server, tmp_path)

        releaser = asyncio.create_task(release_when_loaded(engine, synced))
        with caplog.at_level(logging.WARNING, "tradeterm.venues.ccxt"):
            await session(feed, engine)
        await releaser
    assert server.connections == 1
    asked = [r for r in server.requests if r.startswith("/api/v3/depth?symbol=NKNUSDT")]
    assert len(asked) == 2
    gaps = [r.getMessage() for r in caplog.records if "resync" in r.getMessage()]
    assert len(gaps) == 1 and "NKN/USDT" in gaps[0] and "update #" in gaps[0]
    assert_known_books(engine)


async def test_malformed_messages_are_skipped_and_nothing_crashes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    at = depth_frames("NKNUSDT")[40]
    bad_level = (
        '{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","s":"NKNUSDT",'
        '"U":1,"u":2,"b":[["0.35","lots"]],"a":[]}}'
    )
    garbage = ["{not json", bad_level, '{"stream":"x","data":7}', "[]"]
    synced = asyncio.Event()  # the garbage comes once the books are loaded
    async with standin(Faults(inject={at + 1: garbage}, hold={at: synced})) as server:
        feed, engine = make(server, tmp_path, silence_s=0.4)
        events = events_of(engine)

        releaser = asyncio.create_task(release_when_loaded(engine, synced))
        with caplog.at_level(logging.WARNING, "tradeterm.venues.ccxt"):
            await session(feed, engine)
        await releaser
    # ccxt's reader stops at the first text it cannot parse; the feed notices the silence and
    # remakes the link, which resyncs from fresh snapshots (a loaded machine may be silent
    # once more while it catches up, and remake it again)
    silent = [r.getMessage() for r in caplog.records if "no update for" in r.getMessage()]
    assert silent and server.connections >= 2
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert states[-2:] == [FeedState.RECONNECTING, FeedState.CONNECTED]
    assert_known_books(engine)


async def test_rest_rate_limit_replies_are_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with standin(Faults(rest_failures=2)) as server:
        feed, engine = make(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.ccxt"):
            await session(feed, engine)
        assert server.requests[:3] == ["/api/v3/exchangeInfo"] * 3
    retried = [r.getMessage() for r in caplog.records if "retry in" in r.getMessage()]
    assert len(retried) == 2
    assert_known_books(engine)


async def test_a_silent_stream_goes_stale_and_comes_back(tmp_path: Path) -> None:
    at = depth_frames("NKNUSDT")[30]
    async with standin(Faults(pause={at: 1.0})) as server:
        feed, engine = make(server, tmp_path)
        events = events_of(engine)
        watcher = asyncio.create_task(engine.watch_feed(interval_s=0.05))
        try:
            await session(feed, engine)
        finally:
            watcher.cancel()
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert FeedState.STALE in states
    assert states[states.index(FeedState.STALE) + 1] == FeedState.CONNECTED
    assert_known_books(engine)


async def test_a_wide_universe_streams_books_for_the_focused_symbol_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tradeterm.venues.ccxt.feed.FULL_DEPTH_SYMBOLS", 2)
    async with standin(interval_s=0.001) as server:
        feed, engine = make(server, tmp_path)  # 4 symbols: more than 2
        await engine.start()
        task = asyncio.create_task(engine.run_feed())
        try:
            await until(lambda: "NKN/USDT" in engine.state.books_on(engine.feed.venue))
            depth = {s for s in server.subscriptions if "@depth" in s}
            assert depth == {"nknusdt@depth@100ms"}  # the first market is the active one
            assert {f"{n.lower()}@miniTicker" for n in SYMBOLS} <= set(server.subscriptions)
            engine.select_symbol("LRC/BTC")
            await until(lambda: "LRC/BTC" in engine.state.books_on(engine.feed.venue))
            assert "lrcbtc@depth@100ms" in server.subscriptions
            assert "blzeth@depth@100ms" not in server.subscriptions
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await feed.close()


async def test_a_focus_change_unsubscribes_the_streams_of_the_symbol_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tradeterm.venues.ccxt.feed.FULL_DEPTH_SYMBOLS", 2)
    async with standin(interval_s=0.001) as server:
        feed, engine = make(server, tmp_path)  # 4 symbols: more than 2
        await engine.start()
        task = asyncio.create_task(engine.run_feed())
        try:
            await until(lambda: "NKN/USDT" in engine.state.books_on(engine.feed.venue))
            assert server.unsubscriptions == []
            engine.select_symbol("LRC/BTC")
            await until(lambda: "lrcbtc@depth@100ms" in server.subscriptions)
            await until(lambda: len(server.unsubscriptions) == 2)
            assert sorted(server.unsubscriptions) == ["nknusdt@depth@100ms", "nknusdt@trade"]
            engine.select_symbol("NKN/USDT")  # back again: subscribed anew, LRC/BTC let go
            await until(lambda: len(server.unsubscriptions) == 4)
            assert sorted(server.unsubscriptions[2:]) == ["lrcbtc@depth@100ms", "lrcbtc@trade"]
            assert server.subscriptions.count("nknusdt@depth@100ms") == 2
            # to and fro at once: each symbol's unsubscribe lands before its new subscribe
            for symbol in ("LRC/BTC", "NKN/USDT", "LRC/BTC", "NKN/USDT"):
                engine.select_symbol(symbol)

            def last(stream: str) -> str:
                return [m for m, s in server.stream_requests if s == stream][-1]

            settled = ("nknusdt@depth@100ms", "nknusdt@trade", "lrcbtc@depth@100ms", "lrcbtc@trade")
            # every unsubscribe of the burst done first (before the burst the streams already
            # looked settled), then NKN/USDT's new subscribe, which waited for them, lands last
            await until(
                lambda: not any(t.get_name().endswith("-unwatch") for t in asyncio.all_tasks())
            )
            await until(
                lambda: [last(s) for s in settled] == ["SUBSCRIBE"] * 2 + ["UNSUBSCRIBE"] * 2
            )
            assert feed.malformed == 0
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await feed.close()


async def test_a_client_that_leaves_before_subscribing_does_not_hold_the_stand_in_open() -> None:
    """A link closed before its SUBSCRIBE (a reconnect cut short) used to leave the stand-in's
    handler waiting forever, and the whole test run hung in ``wait_closed``."""
    from websockets.asyncio.client import connect

    async def leave_early() -> None:
        async with standin() as server:
            async with connect(f"ws://127.0.0.1:{server.port}/ws"):
                pass  # gone before it subscribed
            await until(lambda: server.connections == 1)

    await asyncio.wait_for(leave_early(), 10)  # the stand-in closes: no hang
