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
    data_dir = data_dir_for(config)
    if symbols:
        config = replace(config, sim=replace(config.sim, symbols=tuple(symbols)))
    path = out or data_dir / "recordings" / f"sim-{time.strftime('%Y%m%d-%H%M%S')}.ndjson.gz"
    setup_logging(data_dir / "logs", config.general.log_level)
    return asyncio.run(_record(config, path, seconds))


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
