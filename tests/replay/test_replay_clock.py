"""Replay time and clock timers in the workstation: a session's start and a seek are jumps."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import time
from pathlib import Path

import pytest
from replay_data import SPOT, need

from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import FeedStateChanged
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.replay import ReplayFeed

S = 1_000_000_000


@pytest.fixture
def head(tmp_path: Path) -> Path:
    need(SPOT[0])
    with gzip.open(SPOT[0], "rt") as fh:
        lines = [next(fh) for _ in range(4000)]
    path = tmp_path / "spot_head.gz"
    path.write_bytes(gzip.compress("".join(lines).encode(), compresslevel=1))
    return path


async def until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting for the replay"
        await asyncio.sleep(0.002)


async def test_the_stale_watch_sleeps_through_the_start_and_a_seek(head: Path) -> None:
    """On a clock made at 0, a one-second timer must not fire for every second since 1970
    when the session starts in 2024, and a 60 s seek, which delivers nothing to the engine
    while it fast-plays, must not make the feed look stale."""
    clock = ManualClock(0)
    feed = ReplayFeed([head], clock, speed=None, paused=True)
    engine = Engine(clock, feed, [AccountSpec("main")])
    events: list[object] = []
    engine.bus.subscribe(FeedStateChanged, events.append)
    beats: list[int] = []
    clock.call_every(1.0, lambda: beats.append(clock.now_ns()))
    await engine.start()
    tasks = [asyncio.create_task(engine.watch_feed()), asyncio.create_task(engine.run_feed())]
    try:
        await until(lambda: feed.progress.start_ns is not None and feed.messages == 0)
        await asyncio.sleep(0.02)
        start = feed.progress.start_ns
        assert start is not None
        assert feed.step()
        feed.seek(start + 60 * S)
        await until(lambda: not feed.seeking)
        assert clock.now_ns() == start + 60 * S
        assert feed.messages > 1_000
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert len(beats) <= 3  # at the start's jump and the seek's landing, not 60 times
    assert [e.state for e in events if isinstance(e, FeedStateChanged)].count(FeedState.STALE) == 0
    assert engine.state.feed.state is FeedState.CONNECTED
