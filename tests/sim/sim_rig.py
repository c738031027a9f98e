"""Sim test helpers: a real Engine over a real SimFeed on a ManualClock, and an event digest.

Run as a script (``python sim_rig.py SEED``) it prints the digest, so a test can
compare runs across processes (different hash seeds).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence

from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.sim.feed import SimFeed

START_NS = 1_767_225_600_000_000_000  # 2026-01-01 00:00:00 UTC, on a minute boundary
MINUTE_NS = 60_000_000_000


def make(
    seed: int = 7,
    symbols: Sequence[str] | None = None,
    history_minutes: int = 120,
    start_ns: int = START_NS,
    rate: float = 40.0,
) -> tuple[ManualClock, SimFeed, Engine]:
    clock = ManualClock(start_ns)
    feed = SimFeed(
        clock,
        seed=seed,
        rate=rate,
        symbols=None if symbols is None else list(symbols),
        history_minutes=history_minutes,
    )
    engine = Engine(clock, feed, [AccountSpec("paper")])
    return clock, feed, engine


def digest(seed: int, steps: int = 1500) -> str:
    """A hash of every event (as it looked when published) of a bootstrap plus ``steps``."""
    clock, feed, engine = make(seed, history_minutes=60, start_ns=START_NS + 17_000_000_000)
    h = hashlib.sha256()
    engine.bus.subscribe_all(lambda event: h.update(repr(event).encode()))
    feed.bootstrap(engine)
    for i in range(steps):
        clock.advance(0.031)
        feed.step(engine, 1 + i % 3)
    feed.publish_tickers(engine)
    return h.hexdigest()


if __name__ == "__main__":
    print(digest(int(sys.argv[1])))
