"""The app's named workers: the engine's start, its feeds and venues (group ``feeds``), and
the one handler that reports any worker's failure in the log pane and a notification."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerState

from tradeterm.domain.errors import TradetermError
from tradeterm.ui.scanning import WORKER_GROUP

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp

log = logging.getLogger("tradeterm.ui")


def start_engine(app: TradetermApp) -> None:
    app.run_worker(_start_engine(app), name="engine.start", group="engine", exit_on_error=False)


async def _start_engine(app: TradetermApp) -> None:
    engine = app.engine
    if not engine.started:
        await engine.start()
    if app.start_feed:
        app.run_worker(
            engine.run_feed(), name=f"feed.{engine.feed.venue}", group="feeds", exit_on_error=False
        )
        app.run_worker(
            engine.watch_feed(), name="feed.watchdog", group="feeds", exit_on_error=False
        )
        app.run_worker(engine.run_venues(), name="venues", group="feeds", exit_on_error=False)
        feeder = app.candle_feeder
        if feeder is not None:
            app.run_worker(feeder.run(), name="candles", group="feeds", exit_on_error=False)


def worker_changed(app: TradetermApp, event: Worker.StateChanged) -> None:
    """Hand finished scanner passes back; log and show a failed worker; the app lives on."""
    worker = event.worker
    if worker.group == WORKER_GROUP:
        app.scans.finished(worker)
    if event.state is WorkerState.ERROR:
        if worker.group == "recording":
            app.recording.lost()
        error = worker.error
        message = str(error) if isinstance(error, TradetermError) else repr(error)
        log.error(
            "worker %s (%s) failed: %s",
            worker.name,
            worker.group,
            message,
            exc_info=None if isinstance(error, TradetermError) else error,
        )
        app.notify(f"{worker.name} stopped: {message}", severity="error", timeout=8)
