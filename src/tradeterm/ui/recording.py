"""Recording the session from the workstation (``ctrl+r`` or the palette): the
CLI hands in how to make a recorder (the UI never imports venues); this starts it in a
named worker that flushes every second, and stops it, saving the file."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.worker import Worker

from tradeterm.domain.errors import TradetermError

if TYPE_CHECKING:
    from tradeterm.ui.host import Host
    from tradeterm.ui.workstation import Workstation

log = logging.getLogger("tradeterm.ui")

WORKER_NAME = "recorder"


class Recorder(Protocol):
    """What the workstation needs of a recorder (``venues.replay.Recorder``)."""

    path: Path
    records: int

    def start(self) -> None: ...

    def run(self) -> Coroutine[Any, Any, None]: ...

    def close(self) -> None: ...


RecorderFactory = Callable[[], Recorder]
"""Makes a recorder writing to a new file (the CLI names it by venue and time)."""


class Recording:
    """Starts and stops the session recording; at most one at a time."""

    def __init__(self, host: Host, parts: Workstation, factory: RecorderFactory | None) -> None:
        self.host = host
        self.parts = parts
        self.factory = factory
        self.recorder: Recorder | None = None
        self._worker: Worker[None] | None = None

    @property
    def active(self) -> bool:
        return self.recorder is not None

    def toggle(self) -> None:
        if self.recorder is None:
            self.start()
        else:
            self.stop()

    def start(self) -> None:
        host = self.host
        if self.factory is None:
            host.notify("recording is not available here", severity="warning", timeout=4)
            return
        if self.recorder is not None:
            host.notify(f"already recording to {self.recorder.path}", timeout=4)
            return
        recorder = self.factory()
        try:
            recorder.start()
        except TradetermError as exc:
            log.error("recording not started: %s", exc)
            host.notify(f"recording not started: {exc}", severity="error", timeout=8)
            return
        self.recorder = recorder
        self._worker = host.run_worker(
            recorder.run(), name=WORKER_NAME, group="recording", exit_on_error=False
        )
        host.notify(f"recording to {recorder.path}  (ctrl+r stops)", timeout=5)
        self.parts.refresher.hurry()

    def lost(self) -> None:
        """The recorder's worker failed (the file could not be written): no longer
        recording; what was flushed before stays readable."""
        self.recorder = self._worker = None
        self.parts.refresher.hurry()

    def stop(self) -> None:
        """Stop and save; the file is complete when this returns."""
        recorder, worker = self.recorder, self._worker
        if recorder is None:
            return
        self.recorder = self._worker = None
        if worker is not None:
            worker.cancel()
        try:
            recorder.close()
        except OSError as exc:
            log.error("recording %s not finished: %s", recorder.path, exc)
            self.host.notify(f"recording not finished: {exc}", severity="error", timeout=8)
            return
        self.host.notify(f"recording saved: {recorder.path} ({recorder.records:,} records)")
        self.parts.refresher.hurry()
