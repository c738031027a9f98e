"""The native Binance feed keeps to Binance's REST request weights against the local stand-in:
the budget's waits, the exchange's used-weight header, a 429's pause of every request, and a
book whose snapshots are wrong resyncing with growing waits instead of a snapshot storm.

The REST side runs on a ManualClock that a test moves only when every request the feed has
let out has reached the stand-in, so the times the stand-in stamps are the feed's own."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from binance_data import EXCHANGE_INFO, SYMBOLS, frames, need, snapshots
from binance_standin import BinanceStandIn, Faults

from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import VenueUnavailable
from tradeterm.domain.events import FeedStateChanged
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock, SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.binance.rest import Backoff
from tradeterm.venues.rest_budget import Limit

FAST = Backoff(base_s=0.01, cap_s=60.0, tries=6)
NS = 1_000_000_000


def standin(
    clock: ManualClock | None, faults: Faults, interval_s: float = 0.0, **kw: Any
) -> BinanceStandIn:
    need()
    stamp = (lambda: clock.now_ns() / NS) if clock is not None else time.monotonic
    return BinanceStandIn(
        frames(),
        snapshots(),
        EXCHANGE_INFO.read_bytes(),
        faults,
        interval_s=interval_s,
        stamp=stamp,
        **kw,
    )


def feed_on(server: BinanceStandIn, clock: ManualClock | None, **kw: Any) -> BinanceFeed:
    return BinanceFeed(list(SYMBOLS.values()), urls=server.urls, backoff=FAST, clock=clock, **kw)


async def drive(
    clock: ManualClock, server: BinanceStandIn, feed: BinanceFeed, done: Callable[[], bool]
) -> None:
    """Move the clock to its next timer whenever every request the feed let out has come to
    the stand-in (so no request is stamped later than it was let out), until ``done``."""
    deadline = time.monotonic() + 20
    while not done():
        assert time.monotonic() < deadline, f"timed out; requests {server.requests}"
        await asyncio.sleep(0.01)
        due = clock.next_due_ns()
        if due is not None and len(server.requests) == feed.rest.requests:
            clock.set_ns(due)


def depth_stamps(server: BinanceStandIn) -> list[float]:
    return [t for p, t in zip(server.requests, server.stamps, strict=True) if "/depth" in p]


def all_synced(feed: BinanceFeed) -> Callable[[], bool]:
    return lambda: bool(feed.books) and all(b.synced for b in feed.books.values())


async def run(
    feed: BinanceFeed, until: Callable[[], Any], events: list[Any] | None = None
) -> Engine:
    engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="binance")])
    if events is not None:
        engine.bus.subscribe_all(events.append)
    await engine.start()
    task = asyncio.create_task(engine.run_feed())
    try:
        await until()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return engine


async def test_requests_past_the_configured_weight_wait_for_the_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(0)
    async with standin(clock, Faults()) as server:
        # exchangeInfo 20 + 4 snapshots of 1,000 levels at 50 each: 220 of 120 a minute
        feed = feed_on(server, clock, rest_limit=Limit(120, 60))
        events: list[Any] = []
        with caplog.at_level(logging.INFO, "tradeterm.venues"):
            await run(feed, lambda: drive(clock, server, feed, all_synced(feed)), events)
    assert feed.budget.limit == Limit(120, 60)  # (configured: exchangeInfo's 1,200 not taken)
    assert server.stamps[0] == 0  # exchangeInfo
    assert depth_stamps(server) == [0, 0, 60, 60]  # two fit; the rest wait for the first 120
    assert len(server.requests) == 5
    # the feed's status says so (the status bar shows a connected feed's detail)
    said = [(e.state, e.detail) for e in events if isinstance(e, FeedStateChanged)]
    assert said[-2:] == [
        (FeedState.CONNECTED, "REST paced: next request in 60s"),
        (FeedState.CONNECTED, ""),
    ]
    paced = [r.getMessage() for r in caplog.records if "REST requests paced" in r.getMessage()]
    assert paced == [
        "binance: REST requests paced (request weight 120 of 120 per 60s): the next waits 60.0s"
    ]


async def test_the_limit_exchange_info_states_and_the_used_weight_header_are_kept() -> None:
    clock = ManualClock(0)
    # another program on this address spent 1,100 of the minute's 1,200 (exchangeInfo 2021)
    async with standin(clock, Faults(foreign_weight=1100)) as server:
        feed = feed_on(server, clock)
        await run(feed, lambda: drive(clock, server, feed, all_synced(feed)))
    assert feed.budget.limit == Limit(1200, 60.0)
    # after exchangeInfo the header says 1,120: one 50 fits, the next waits out the minute
    assert depth_stamps(server) == [0, 60, 60, 60]


async def test_without_the_header_the_same_snapshots_go_out_at_once() -> None:
    clock = ManualClock(0)
    async with standin(clock, Faults()) as server:
        feed = feed_on(server, clock)
        await run(feed, lambda: drive(clock, server, feed, all_synced(feed)))
    assert depth_stamps(server) == [0, 0, 0, 0]


async def test_a_429_pauses_every_request_of_the_venue_for_its_retry_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(0)
    bar = ["1", "2", "0.5", "1.5", "10"]
    klines = {"NKNUSDT": [[60_000 * i, *bar, 60_000 * i + 59_999] for i in range(5)]}
    # a candles request (request 1, after exchangeInfo) is refused for 30 s
    async with standin(clock, Faults(throttle={1: 30}), klines=klines) as server:
        feed = feed_on(server, clock)
        engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="binance")])
        await engine.start()  # (exchangeInfo)
        refused = asyncio.create_task(feed.fetch_candles("NKN/USDT", "1m", 0, 5))
        while not feed.budget.paused_s():
            assert not refused.done(), refused
            await asyncio.sleep(0.005)
        # then every other request of the venue: the books' snapshots and more candles
        more = asyncio.create_task(feed.fetch_candles("NKN/USDT", "1m", 0, 5))
        streaming = asyncio.create_task(engine.run_feed())
        try:
            with caplog.at_level(logging.WARNING, "tradeterm.venues"):
                await drive(clock, server, feed, lambda: all_synced(feed)() and more.done())
        finally:
            streaming.cancel()
            await asyncio.gather(streaming, return_exceptions=True)
        assert len(refused.result()) == len(more.result()) == 5
    assert server.stamps[:2] == [0, 0]
    assert len(server.requests) == 2 + 2 + 4  # the refused one again, the other, 4 snapshots
    assert min(server.stamps[2:]) == 30
    said = [r.getMessage() for r in caplog.records if "Retry-After" in r.getMessage()]
    assert len(said) == 1 and "every request waits 30s" in said[0]


async def test_a_pause_longer_than_the_client_waits_sends_nothing_more(tmp_path: Path) -> None:
    clock = ManualClock(0)
    async with standin(clock, Faults(throttle={0: 3600})) as server:
        feed = BinanceFeed(
            ["NKN/USDT"], urls=server.urls, backoff=Backoff(0.01, 30, 6), clock=clock
        )
        task = asyncio.create_task(feed.load_markets())
        while not task.done():
            await asyncio.sleep(0.01)
            due = clock.next_due_ns()
            if due is not None and len(server.requests) == feed.rest.requests:
                clock.set_ns(due)
        with pytest.raises(VenueUnavailable, match=r"not sent: REST paused another 3600s"):
            task.result()
    assert server.requests == ["/api/v3/exchangeInfo"]


async def test_a_book_whose_snapshots_cross_resyncs_with_growing_waits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # every NKNUSDT snapshot carries a bid above the best ask: the book crosses at the diff
    # after it, every time; the stream plays its 150 NKNUSDT diffs over about 2.7 s
    backoff = Backoff(base_s=0.1, cap_s=2.0, tries=6)
    async with standin(None, Faults(crossed={"NKNUSDT"}), interval_s=0.01) as server:
        feed = BinanceFeed(list(SYMBOLS.values()), urls=server.urls, backoff=backoff)
        with caplog.at_level(logging.WARNING, "tradeterm.venues.binance"):
            await run(feed, lambda: asyncio.wait_for(server.finished.wait(), 30))
    asked = [p.split("symbol=")[1].split("&")[0] for p in server.requests if "/depth" in p]
    others = [s for s in asked if s != "NKNUSDT"]
    assert sorted(others) == sorted(set(SYMBOLS) - {"NKNUSDT"})  # one each: unaffected
    assert all(feed.books[s].synced for s in SYMBOLS if s != "NKNUSDT")
    assert asked.count("NKNUSDT") < 30  # (one a diff without the waits: over 100)
    storm = [
        r.getMessage()
        for r in caplog.records
        if "NKNUSDT: resync" in r.getMessage() and "in a row" in r.getMessage()
    ]
    pattern = re.compile(r"resync from a fresh snapshot in ([\d.]+)s \(.*; (\d+) in a row")
    rows = [pattern.search(m) for m in storm]
    assert all(rows), storm
    counts = [int(m.group(2)) for m in rows if m]
    waits = [float(m.group(1)) for m in rows if m]
    assert counts == list(range(1, len(counts) + 1))  # each loss soon after the last snapshot
    assert len(counts) >= 3
    for n, wait in enumerate(waits):  # attempt n waits between half and all of its ceiling
        ceiling = min(2.0, 0.1 * 2**n)
        assert ceiling / 2 - 0.05 <= wait <= ceiling + 0.05
    # each snapshot but the first followed a counted wait: a handful, not one a diff
    assert asked.count("NKNUSDT") <= len(counts) + 1
