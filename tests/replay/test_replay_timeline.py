"""The replay's timeline (the deterministic driver's way in) plays exactly what ``run`` plays."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest
from replay_data import SPOT, need

from tradeterm.domain.events import MarketEvent
from tradeterm.engine.clock import ManualClock
from tradeterm.venues.replay import ReplayFeed

BAD_TRADE = '{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","p":"1"}}'


@pytest.fixture
def head(tmp_path: Path) -> Path:
    """The capture's first 3,000 lines, with a trade that names no id after line 2,000."""
    need(SPOT[0])
    with gzip.open(SPOT[0], "rt") as fh:
        lines = [next(fh) for _ in range(3000)]
    lines.insert(2000, f"{lines[1999].split(' ', 1)[0]} {BAD_TRADE}\n")
    path = tmp_path / "spot_head.gz"
    path.write_bytes(gzip.compress("".join(lines).encode(), compresslevel=1))
    return path


class _Sink:
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_market(self, event: MarketEvent) -> None:
        self.events.append(repr(event))


def _timeline(path: Path) -> tuple[ReplayFeed, _Sink, list[tuple[int, int, int | None]]]:
    feed = ReplayFeed([path], ManualClock(0), speed=None, venue="binance")
    sink = _Sink()
    seen = []
    last = None
    for ts in feed.timeline(sink):
        seen.append((ts, feed.messages, feed.progress.now_ns))
        last = ts
    assert last is not None
    return feed, sink, seen


async def _run(path: Path) -> tuple[ReplayFeed, _Sink]:
    feed = ReplayFeed([path], ManualClock(0), speed=None, venue="binance")
    sink = _Sink()
    task = asyncio.create_task(feed.run(sink))
    while not feed.finished:
        await asyncio.sleep(0.001)
    task.cancel()
    return feed, sink


def test_the_timeline_plays_what_run_plays_and_counts_as_it_goes(head: Path) -> None:
    stepped, stepped_sink, seen = _timeline(head)
    ran, ran_sink = asyncio.run(_run(head))
    assert stepped_sink.events == ran_sink.events  # every event, in the same order
    assert len(stepped_sink.events) > 1000
    assert stepped.messages == ran.messages == 3001
    assert [str(i) for i in stepped._session.issues] == [str(i) for i in ran._session.issues]
    assert any(":2001" in str(i) for i in stepped._session.issues)  # the bad trade, reported
    # while it plays: the messages played and the time reached before each next one
    times = [ts for ts, _, _ in seen]
    assert [(n, now) for _, n, now in seen[1:]] == list(
        zip(range(1, len(seen)), times[:-1], strict=True)
    )
    assert stepped.progress.now_ns == times[-1] and stepped.finished
