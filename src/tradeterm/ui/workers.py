"""The app's named workers: the engine's start, its feeds and venues (group ``feeds``), and
the one handler that reports any worker's failure in the log pane and a notification."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerState

from tradeterm.domain.errors import TradetermError
from tradeterm.ui.scanning import WORKER_GROUP

if TYPE_CHECKING:
    from tradeterm.ui.host import Host
    from tradeterm.ui.workstation import Workstation

log = logging.getLogger("tradeterm.ui")


def start_engine(host: Host, parts: Workstation, *, start_feed: bool) -> None:
    """Start the engine in a worker; then, with ``start_feed``, its feed, watchdog and venues."""
    job = _start_engine(host, parts, start_feed)
    host.run_worker(job, name="engine.start", group="engine", exit_on_error=False)


async def _start_engine(host: Host, parts: Workstation, start_feed: bool) -> None:
    engine = parts.engine
    if not engine.started:
        await engine.start()
    from tradeterm.engine.algos import restart_notes  # (after the first frame)

    for note in restart_notes(engine):  # TWAP/VWAP parents resumed or ended by the restart
        host.notify(note, timeout=8)
    for problem in parts.strategies.start_autostart():  # the others start
        host.notify(problem, severity="error", timeout=8)
    if start_feed:
        for venue in engine.feeds:  # each feed its own worker: one failing leaves the others
            host.run_worker(
                engine.run_feed(venue), name=f"feed.{venue}", group="feeds", exit_on_error=False
            )
        host.run_worker(
            engine.watch_feed(), name="feed.watchdog", group="feeds", exit_on_error=False
        )
        host.run_worker(engine.run_venues(), name="venues", group="feeds", exit_on_error=False)
        for feeder in parts.session.candles:  # a real venue's candles, backfilled into the store
            name = f"candles.{feeder.venue}"
            host.run_worker(feeder.run(), name=name, group="feeds", exit_on_error=False)


def worker_changed(host: Host, parts: Workstation | None, event: Worker.StateChanged) -> None:
    """Hand finished scanner passes back; log and show a failed worker; the app lives on."""
    worker = event.worker
    if worker.group == WORKER_GROUP and parts is not None:
        parts.scans.finished(worker)
    if event.state is WorkerState.ERROR:
        if worker.group == "recording" and parts is not None:
            parts.recording.lost()
        error = worker.error
        message = str(error) if isinstance(error, TradetermError) else repr(error)
        log.error(
            "worker %s (%s) failed: %s",
            worker.name,
            worker.group,
            message,
            exc_info=None if isinstance(error, TradetermError) else error,
        )
        host.notify(f"{worker.name} stopped: {message}", severity="error", timeout=8)
