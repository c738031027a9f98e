"""`tradeterm record`: record a venue's market headless to a recording file."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tradeterm.cli.compose import market_feed
from tradeterm.cli.markets import check_venue, with_symbols
from tradeterm.config.settings import Settings
from tradeterm.domain.errors import ConfigError, DataError
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.logsetup import setup_logging
from tradeterm.paths import data_dir_for
from tradeterm.venues.replay import Recorder
from tradeterm.venues.sim.feed import SimFeed


def record(
    config: Settings,
    venue: str,
    symbols: Sequence[str] | None,
    seconds: float | None,
    out: Path | None,
) -> int:
    """Record ``venue`` (sim or a ``[venues.NAME]`` table) until ``seconds`` pass or Ctrl-C;
    returns the exit code (2 for bad options: an unknown venue or symbol, a bad ``--out``).

    Raises:
        VenueUnavailable: the exchange cannot be reached and has no markets cache.
    """
    problem = check_out(out) if out is not None else ""
    if not problem:
        try:
            venue = check_venue(config, venue)
        except ConfigError as exc:
            problem = str(exc)
    if symbols and not problem:
        if venue == "sim":
            symbols, problem = check_symbols(symbols)
        else:  # the exchange's own list is the judge, once its markets load
            symbols = [symbol.strip().upper() for symbol in symbols]
        if not problem:
            config = with_symbols(config, venue, symbols)
    if problem:
        print(f"tradeterm record: {problem}", file=sys.stderr)
        return 2
    data_dir = data_dir_for(config)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = out or data_dir / "recordings" / f"{venue}-{stamp}.ndjson.gz"
    setup_logging(data_dir / "logs", config.general.log_level)
    try:
        asyncio.run(record_session(config, venue, path, seconds))
    except DataError as exc:  # a symbol the exchange does not list
        print(f"tradeterm record: {exc}", file=sys.stderr)
        return 2
    return 0


def check_out(out: Path) -> str:
    """What is wrong with ``--out`` (its folder must exist: a typo is not silently created)."""
    if out.is_dir():
        return f"--out {out} is a folder; give a file name in it, e.g. {out / 'session.ndjson.gz'}"
    folder = out.parent
    if not folder.is_dir():
        return (
            f"--out {out}: the folder {folder} does not exist; create it first "
            "or choose a file in an existing folder"
        )
    return ""


def check_symbols(symbols: Sequence[str]) -> tuple[list[str], str]:
    """``--symbols`` as the sim lists them (case-insensitive), or what is unknown and the
    close matches. Returns (symbols, problem); problem is empty when all are listed."""
    import difflib

    from tradeterm.venues.sim.catalog import ALL_LISTINGS

    listed = [x.symbol for x in ALL_LISTINGS]
    by_upper = {symbol.upper(): symbol for symbol in listed}
    known: list[str] = []
    problems: list[str] = []
    for symbol in symbols:
        found = by_upper.get(symbol.strip().upper())
        if found is not None:
            known.append(found)
            continue
        close = difflib.get_close_matches(symbol.strip().upper(), list(by_upper), 3, 0.5)
        hint = (
            f"close matches: {', '.join(by_upper[c] for c in close)}" if close else "no close match"
        )
        problems.append(f"unknown symbol {symbol!r} on venue sim ({hint})")
    if problems:
        return known, (
            f"--symbols: {'; '.join(problems)}. The sim lists {len(listed)} symbols: "
            f"{', '.join(listed)}"
        )
    return known, ""


async def record_session(config: Settings, venue: str, path: Path, seconds: float | None) -> Engine:
    """Record ``venue``'s feed through an engine to ``path`` for ``seconds`` (None: until
    cancelled); returns the stopped engine, its books as they were when recording ended.

    Raises:
        DataError: a configured symbol is not listed by the venue.
        VenueUnavailable: the venue cannot be reached (its markets, or its stream url is bad).
    """
    clock = SystemClock()
    feed = market_feed(config, clock, venue)
    engine = Engine(clock, feed, [AccountSpec("recorder", venue=venue)])
    await engine.start()
    if isinstance(feed, SimFeed):
        feed.bootstrap(
            engine.sink(feed.venue)
        )  # the sim's books and history before the first event
    recorder = Recorder(engine, path)
    recorder.start()
    symbols = ", ".join(engine.state.markets_on(feed.venue))
    until = f"for {seconds:g} s" if seconds else "until Ctrl-C"
    print(f"recording {feed.venue} ({symbols}) to {path} {until}", file=sys.stderr)
    streaming = asyncio.create_task(engine.run_feed(), name=f"record-{venue}")
    tasks = [streaming, asyncio.create_task(recorder.run(), name="record-flush")]
    try:
        await asyncio.wait([streaming], timeout=seconds)  # a feed that fails ends it early
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        recorder.close()
        await engine.stop()
        print(f"wrote {path} ({recorder.records:,} records)", file=sys.stderr)
    if not streaming.cancelled() and (failure := streaming.exception()) is not None:
        raise failure
    return engine
