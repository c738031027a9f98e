"""The native Kraken feed against the local stand-in exchange, replaying a real (v1) session
served as Kraken WebSocket v2."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from kraken_data import ASSET_PAIRS, DEPTH, PAIRS, expected, need, precisions, timeline
from kraken_standin import Faults, KrakenStandIn

from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import FeedStateChanged, TickerUpdated, TradePrinted
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.kraken import KrakenFeed, refusals
from tradeterm.venues.net import Backoff

FAST = Backoff(base_s=0.01, cap_s=0.05, tries=6)
SYMBOLS = list(PAIRS.values())


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


def standin(faults: Faults | None = None) -> KrakenStandIn:
    """The stand-in, its timeline held until every pair is subscribed (the feed subscribes the
    active pair first, the others after its book): every fault lands on a subscribed pair."""
    need()
    return KrakenStandIn(
        timeline(), precisions(), ASSET_PAIRS.read_bytes(), faults, DEPTH, await_all=True
    )


def book_subscriptions(server: KrakenStandIn) -> list[list[str]]:
    """The pairs of each book subscription the stand-in received, in order."""
    return [r["params"]["symbol"] for r in server.received if r["params"]["channel"] == "book"]


def make(server: KrakenStandIn, tmp_path: Path) -> tuple[KrakenFeed, Engine]:
    feed = KrakenFeed(list(PAIRS), urls=server.urls, cache_dir=tmp_path, backoff=FAST, depth=DEPTH)
    engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="kraken")], stale_after_s=0.3)
    return feed, engine


def at_final(server: KrakenStandIn, feed: KrakenFeed) -> Callable[[], bool]:
    """The whole timeline played and every book synced on the stand-in's last checksum."""

    def done() -> bool:
        return server.finished.is_set() and all(
            s in feed.books
            and feed.books[s].synced
            and feed.books[s].checksum == server.checksums[s]
            for s in SYMBOLS
        )

    return done


async def session(server: KrakenStandIn, feed: KrakenFeed, engine: Engine) -> None:
    await engine.start()
    task = asyncio.create_task(engine.run_feed())
    try:
        await until(at_final(server, feed), 20.0)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def assert_known_books(engine: Engine) -> None:
    """Top 10 by value and level counts as in expected/ (computed there from v1 checksums)."""
    for symbol, answer in expected().items():
        book = engine.state.books_on(engine.feed.venue)[symbol]
        for side, got in (("bids", book.bids.top(10)), ("asks", book.asks.top(10))):
            want = [(Decimal(p), Decimal(q)) for p, q in answer["final_top10"][side]]
            assert list(got) == want, (symbol, side)
        assert len(book.bids) == answer["final_levels"]["bids"], symbol
        assert len(book.asks) == answer["final_levels"]["asks"], symbol


def book_updates(symbol: str) -> list[int]:
    return [i for i, e in enumerate(timeline()) if e.kind == "update" and e.symbol == symbol]


async def test_a_normal_session_ends_in_the_known_final_books(tmp_path: Path) -> None:
    async with standin() as server:
        feed, engine = make(server, tmp_path)
        events: list[Any] = []
        engine.bus.subscribe_all(events.append)
        await session(server, feed, engine)
    assert_known_books(engine)
    assert all(feed.books[s].resyncs == 0 for s in SYMBOLS)
    assert server.connections == 1 and feed.malformed == 0
    assert server.requests == ["/0/public/AssetPairs"]
    book_sub = [r["params"] for r in server.received if r["params"]["channel"] == "book"]
    first = feed.first_book()  # the active pair, alone; then every other pair at once
    assert first == engine.state.active.symbol
    assert book_sub == [
        {"channel": "book", "symbol": [first], "depth": 1000, "snapshot": True},
        {
            "channel": "book",
            "symbol": [s for s in SYMBOLS if s != first],
            "depth": 1000,
            "snapshot": True,
        },
    ]
    assert engine.state.markets_on(engine.feed.venue)["BTC/CHF"].venue == "kraken"
    trades = [e.trade for e in events if isinstance(e, TradePrinted)]
    recorded = [(e.symbol, row) for e in timeline() if e.kind == "trade" for row in e.body]
    assert len(trades) == len(recorded) == 10
    for trade, (symbol, row) in zip(trades, recorded, strict=True):
        assert (trade.symbol, trade.price, trade.qty) == (symbol, Decimal(row[0]), Decimal(row[1]))
        assert trade.side.value == {"b": "buy", "s": "sell"}[row[3]]
    tickers = [e.ticker for e in events if isinstance(e, TickerUpdated)]
    assert len(tickers) == 18
    xmr = next(t for t in tickers if t.symbol == "XMR/USD")
    assert (xmr.last, xmr.bid, xmr.ask) == (Decimal("355.23"), Decimal("354.32"), Decimal("355.24"))
    assert xmr.open_24h == Decimal("335.21")
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert states[:2] == [FeedState.CONNECTING, FeedState.CONNECTED]


async def test_a_dropped_connection_reconnects_and_resyncs(tmp_path: Path) -> None:
    cut = book_updates("ADA/BTC")[100]
    async with standin(Faults(close_after={cut})) as server:
        feed, engine = make(server, tmp_path)
        events: list[Any] = []
        engine.bus.subscribe_all(events.append)
        await session(server, feed, engine)
    assert server.connections == 2 and feed.connections == 2
    states = [e.state for e in events if isinstance(e, FeedStateChanged)]
    assert FeedState.RECONNECTING in states
    assert states[states.index(FeedState.RECONNECTING) + 1] == FeedState.CONNECTED
    first = feed.first_book()
    others = [s for s in SYMBOLS if s != first]
    # each connection: the active pair alone, then the others
    assert book_subscriptions(server) == [[first], others, [first], others]
    assert_known_books(engine)


async def test_a_checksum_mismatch_resubscribes_for_a_fresh_snapshot_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = book_updates("XMR/USD")[50]
    async with standin(Faults(corrupt={bad})) as server:
        feed, engine = make(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.kraken"):
            await session(server, feed, engine)
    assert feed.books["XMR/USD"].resyncs == 1
    assert all(feed.books[s].resyncs == 0 for s in SYMBOLS if s != "XMR/USD")
    assert server.connections == 1
    again = [r for r in server.received if r["params"].get("symbol") == ["XMR/USD"]]
    assert [r["method"] for r in again] == ["unsubscribe", "subscribe"]
    logged = [r.getMessage() for r in caplog.records if "resync" in r.getMessage()]
    assert len(logged) == 1
    assert "XMR/USD" in logged[0] and "checksum mismatch at update 51" in logged[0]
    assert "stream message #" in logged[0]
    assert_known_books(engine)


async def test_a_malformed_message_is_logged_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    at = book_updates("SC/EUR")[40]
    garbage = [
        "{not json",
        '{"channel":"book","type":"update","data":[{"symbol":"SC/EUR","bids":[],"asks":[]}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"SC/EUR",'
        '"bids":[{"price":"lots","qty":1}],"asks":[],"checksum":1}]}',
        '{"channel":"trade","type":"update","data":[{"symbol":"SC/EUR","side":"up",'
        '"price":1.0,"qty":1.0}]}',
        "[7]",
    ]
    async with standin(Faults(inject={at: garbage})) as server:
        feed, engine = make(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.kraken"):
            await session(server, feed, engine)
    assert feed.malformed == len(garbage)
    skipped = [r.getMessage() for r in caplog.records if "malformed message" in r.getMessage()]
    assert len(skipped) == len(garbage)
    assert "{not json" in skipped[0]
    assert all(feed.books[s].resyncs == 0 for s in SYMBOLS)
    assert_known_books(engine)


async def test_a_silent_stream_goes_stale_and_comes_back(tmp_path: Path) -> None:
    at = book_updates("ETH/CHF")[30]
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
    assert_known_books(engine)


async def test_rest_rate_limit_replies_are_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with standin(Faults(rest_failures=2)) as server:
        feed, engine = make(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.kraken"):
            await session(server, feed, engine)
        assert server.requests == ["/0/public/AssetPairs"] * 3
    retried = [r.getMessage() for r in caplog.records if "HTTP 429" in r.getMessage()]
    assert len(retried) == 2
    assert_known_books(engine)


async def test_rate_limit_and_outage_said_in_a_200_body_are_waited_out_and_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kraken answers 200 with ``EGeneral:Too many requests`` in the body: every request of
    the venue waits the pause before the next try (``EService:Unavailable``: retried only)."""
    monkeypatch.setattr(refusals, "PAUSE_S", 0.04)  # (under FAST's longest wait)
    faults = Faults(rest_refusals=["EGeneral:Too many requests", "EService:Unavailable"])
    async with standin(faults) as server:
        feed, engine = make(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.kraken"):
            await session(server, feed, engine)
        assert server.requests[:3] == ["/0/public/AssetPairs"] * 3
        assert server.stamps[1] - server.stamps[0] >= 0.04  # the pause, not FAST's 0.005 s
    retried = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retried) == 2
    assert "Kraken: EGeneral:Too many requests: every request waits 0.04s" in retried[0]
    assert "Kraken: EService:Unavailable" in retried[1]
    assert_known_books(engine)


async def test_snapshots_failing_again_and_again_are_asked_for_with_growing_waits(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with standin(Faults(bad_snapshots={"OMG/USD": 3})) as server:
        feed, engine = make(server, tmp_path)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.kraken"):
            await session(server, feed, engine)
    assert feed.books["OMG/USD"].resyncs == 3
    assert server.connections == 1
    mismatches = [r.getMessage() for r in caplog.records if "at snapshot" in r.getMessage()]
    assert len(mismatches) == 3 and all("OMG/USD" in m for m in mismatches)
    waits = [r.getMessage() for r in caplog.records if "resubscribing in" in r.getMessage()]
    assert len(waits) == 2  # the first resubscribe goes at once, the later ones wait
    assert_known_books(engine)


async def test_a_client_that_leaves_before_subscribing_does_not_hold_the_stand_in_open() -> None:
    """A link closed before it subscribed used to leave the stand-in's handler waiting
    forever, so leaving the stand-in hung (and with it the test run)."""
    from websockets.asyncio.client import connect

    async def leave_early() -> None:
        async with standin() as server:
            async with connect(f"ws://127.0.0.1:{server.port}/v2"):
                pass  # gone before it subscribed
            for _ in range(500):
                if server.connections == 1:
                    break
                await asyncio.sleep(0.01)

    await asyncio.wait_for(leave_early(), 10)  # the stand-in closes: no hang
