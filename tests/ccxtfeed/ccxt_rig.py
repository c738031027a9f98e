"""The ccxt feed on the local Binance stand-in: ccxt's own Binance client, pointed at it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from binance_data import EXCHANGE_INFO, SYMBOLS, expected, frames, need, snapshots
from binance_standin import BinanceStandIn, Faults

from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.ccxt.feed import CcxtFeed
from tradeterm.venues.net import Backoff

FAST = Backoff(base_s=0.01, cap_s=0.05, tries=6)


def standin(faults: Faults | None = None, interval_s: float = 0.0, **kw: Any) -> BinanceStandIn:
    need()
    return BinanceStandIn(
        frames(), snapshots(), EXCHANGE_INFO.read_bytes(), faults, interval_s=interval_s, **kw
    )


def ccxt_config(server: BinanceStandIn) -> dict[str, Any]:
    """``[venues.NAME.ccxt]`` for the stand-in: its urls (a ws url with ``/stream`` in it, so
    ccxt reads the frames as spot), and one stream connection (the stand-in plays one
    session; ccxt would open one per subscription kind)."""
    return {
        "urls": {
            "api": {
                "public": f"http://127.0.0.1:{server.port}/api/v3",
                "ws": {"spot": f"ws://127.0.0.1:{server.port}/stream"},
            }
        },
        "options": {"streamLimits": {"spot": 1}},
        # ccxt paces REST by Binance's weights (a 1000-level snapshot waits 2.5 s): not here
        "enableRateLimit": False,
    }


def make(
    server: BinanceStandIn, tmp_path: Path, symbols: list[str] | None = None, **kw: Any
) -> tuple[CcxtFeed, Engine]:
    feed = CcxtFeed(
        "binance",
        list(SYMBOLS.values()) if symbols is None else symbols,
        config=ccxt_config(server),
        cache_dir=tmp_path,
        backoff=FAST,
        **kw,
    )
    engine = Engine(SystemClock(), feed, [AccountSpec("main", venue="binance")], stale_after_s=0.3)
    return feed, engine


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


def at_final(engine: Engine) -> Callable[[], bool]:
    """Every book has reached the capture's last update id."""
    answers = expected()

    def done() -> bool:
        books = engine.state.books_on(engine.feed.venue)
        return all(
            symbol in books and books[symbol].seq == answers[native]["final_u"]
            for native, symbol in SYMBOLS.items()
        )

    return done


async def session(feed: CcxtFeed, engine: Engine, timeout: float = 20.0) -> None:
    """Start, stream until every book is final, stop (ccxt's connections closed)."""
    await engine.start()
    task = asyncio.create_task(engine.run_feed())
    try:
        await until(at_final(engine), timeout)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await feed.close()


def assert_known_books(engine: Engine) -> None:
    """Each book's top 10 and level counts are the capture's known final ones."""
    answers = expected()
    for native, symbol in SYMBOLS.items():
        answer = answers[native]
        book = engine.state.books_on(engine.feed.venue)[symbol]
        for side, levels in (("bids", book.bids), ("asks", book.asks)):
            want = [(Decimal(p), Decimal(q)) for p, q in answer["final_top10"][side]]
            assert levels.top(10) == want, f"{native} {side}"
            assert len(levels) == answer["final_levels"][side], f"{native} {side}"


async def release_when_loaded(engine: Engine, event: asyncio.Event) -> None:
    """Set ``event`` once every book has its first snapshot (always set at the end, so a
    failing test never leaves the stand-in holding its stream)."""
    try:
        await until(lambda: len(engine.state.books_on(engine.feed.venue)) == len(SYMBOLS))
    finally:
        event.set()


def depth_frames(native: str) -> list[int]:
    """Indexes of ``native``'s depth messages in the replayed capture."""
    low = native.lower()
    return [i for i, f in enumerate(frames()) if f.startswith(f'{{"stream":"{low}@depth')]
