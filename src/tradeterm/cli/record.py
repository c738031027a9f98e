"""`tradeterm record`: record a venue's market headless to a recording file."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from tradeterm.cli.compose import sim_feed
from tradeterm.config.settings import Settings
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.logsetup import setup_logging
from tradeterm.paths import data_dir_for
from tradeterm.venues.replay import Recorder


def record(
    config: Settings, symbols: Sequence[str] | None, seconds: float | None, out: Path | None
) -> int:
    """Record until ``seconds`` pass or Ctrl-C; returns the exit code (2 for bad options)."""
    problem = check_out(out) if out is not None else ""
    if symbols and not problem:
        symbols, problem = check_symbols(symbols)
    if problem:
        print(f"tradeterm record: {problem}", file=sys.stderr)
        return 2
    data_dir = data_dir_for(config)
    if symbols:
        config = replace(config, sim=replace(config.sim, symbols=tuple(symbols)))
    path = out or data_dir / "recordings" / f"sim-{time.strftime('%Y%m%d-%H%M%S')}.ndjson.gz"
    setup_logging(data_dir / "logs", config.general.log_level)
    return asyncio.run(_record(config, path, seconds))


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


async def _record(config: Settings, path: Path, seconds: float | None) -> int:
    clock = SystemClock()
    feed = sim_feed(config, clock)
    engine = Engine(clock, feed, [AccountSpec("recorder")])
    await engine.start()
    feed.bootstrap(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    recorder = Recorder(engine, path)
    recorder.start()
    symbols = ", ".join(engine.state.markets)
    until = f"for {seconds:g} s" if seconds else "until Ctrl-C"
    print(f"recording {feed.venue} ({symbols}) to {path} {until}", file=sys.stderr)
    tasks = [asyncio.create_task(engine.run_feed()), asyncio.create_task(recorder.run())]
    try:
        if seconds:
            await asyncio.sleep(seconds)
        else:
            await asyncio.Event().wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        recorder.close()
        await engine.stop()
        print(f"wrote {path}", file=sys.stderr)
    return 0
