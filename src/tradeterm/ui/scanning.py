"""The live scanner: every ``interval`` seconds, and only when the market changed since the
last pass, the candles are copied on the event loop and a thread worker converts and scans
them; the result comes back to the loop, where the scanner pane and the indicator alerts
take it.

What runs where: the engine appends to and replaces candles in its deques on the loop, so the
loop takes the copy (the newest ``SCAN_LENGTH`` candles of each symbol, the books' spreads and
the tickers: about 5 ms for 124 symbols) and the thread only reads that copy. The thread does
the expensive part: ``MatrixBuilder.build`` (10-30 ms per pass for 124 symbols, 0.5 s for the
very first, which converts every candle) and ``scan`` (about 5 ms). One pass at a time: a
tick that finds a pass still running waits for the next one.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerState

from tradeterm.domain.market_data import Candle, Ticker
from tradeterm.engine.candle_series import CandleSeries

if TYPE_CHECKING:
    from collections.abc import Callable

    from tradeterm.analysis.scanner import MatrixBuilder, ScanResult
    from tradeterm.ui.host import Host
    from tradeterm.ui.workstation import Workstation

log = logging.getLogger("tradeterm.ui.scanner")

SCAN_LENGTH = 1441
"""Candles per symbol a pass reads: the 24h columns need 1441 one-minute candles."""
DEFAULT_INTERVAL_S = 2.0
WORKER_GROUP = "scanner"


@dataclass(frozen=True, slots=True, repr=False)
class Snapshot:
    """What one pass reads, copied on the event loop."""

    candles: dict[str, Sequence[Candle]]
    spreads: dict[str, float | None]
    tickers: dict[str, Ticker]

    def __repr__(self) -> str:  # short: a full repr of 180,000 candles takes a second
        return f"Snapshot({len(self.candles)} symbols)"


@dataclass(frozen=True, slots=True)
class ScanTiming:
    """Wall time of one pass's parts, in milliseconds."""

    copy_ms: float
    """Taking the snapshot, on the loop."""
    compute_ms: float
    """Building the matrix and scanning it, in the worker thread."""
    apply_ms: float
    """Handing the result to the pane and the alerts, on the loop."""


def _newest(series: Sequence[Candle], length: int) -> Sequence[Candle]:
    """The newest ``length`` candles, oldest first: of the engine's packed series a packed
    copy (its columns, which the builder converts without a Decimal), else a list of the same
    objects (the builder reuses the floats of candles it converted before by identity)."""
    if isinstance(series, CandleSeries):
        return series.packed_tail(length)
    newest_first = list(islice(reversed(series), length))
    newest_first.reverse()
    return newest_first


class ScanRunner:
    """Schedules scanner passes and hands their results to the app (attributes down).

    Args:
        host: the app's timers, workers and toasts.
        parts: the workstation (the engine, the scanner pane, the alerts).
        visible: whether a pane is on screen now (by pane id).
        interval: seconds between passes; 0 runs a pass only when asked (``run_now``).
    """

    def __init__(
        self,
        host: Host,
        parts: Workstation,
        visible: Callable[[str], bool],
        interval: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.host = host
        self.parts = parts
        self.visible = visible
        self.interval = interval
        self.builder: MatrixBuilder | None = None  # made by the first pass (numpy loads then)
        self.result: ScanResult | None = None
        self.running = False
        self.passes = 0
        self.timings: deque[ScanTiming] = deque(maxlen=64)
        self._copy_ms = 0.0

    def start(self) -> None:
        if self.interval > 0:
            self.host.set_interval(self.interval, self.tick, name="scanner")

    def tick(self) -> None:
        """Start a pass in a worker thread when the market changed and someone looks: the
        scanner pane is on screen or an indicator alert is active."""
        parts = self.parts
        if self.running or not parts.bridge.scan_due:
            return
        if self.visible("scanner") or parts.alerting.watches_scans:
            self._start()
        # else it stays due: the pass runs once the pane is shown

    def _start(self) -> bool:
        """Copy the snapshot and start a pass in a worker thread; False: nothing to scan."""
        self.parts.bridge.scan_due = False
        started = time.perf_counter()
        snapshot = self.snapshot()
        if not snapshot.candles:
            return False
        self._copy_ms = (time.perf_counter() - started) * 1e3
        self.running = True
        self.host.run_worker(
            partial(self.compute, snapshot),
            name="scanner.scan",
            group=WORKER_GROUP,
            description=f"scanner pass over {len(snapshot.candles)} symbols",
            thread=True,
            exit_on_error=False,
        )
        return True

    def snapshot(self) -> Snapshot:
        """Copy what a pass reads (on the event loop, where the engine writes it)."""
        state = self.parts.engine.state
        label = state.label
        return Snapshot(
            {label(inst): _newest(series, SCAN_LENGTH) for inst, series in state.candles.items()},
            {label(inst): book.spread_bps() for inst, book in state.books.items()},
            state.by_label(state.tickers),
        )

    def compute(self, snapshot: Snapshot, fresh: bool = False) -> tuple[ScanResult, float]:
        """One pass over a snapshot (safe in a worker thread) with the runner's builder, or a
        new one when ``fresh`` (a pass in the worker is using it); returns the result and
        its wall time in milliseconds. numpy and the scanner load with the first pass."""
        from tradeterm.analysis.scanner import MatrixBuilder, scan

        started = time.perf_counter()
        if fresh:
            builder = MatrixBuilder()
        else:
            if self.builder is None:
                self.builder = MatrixBuilder()
            builder = self.builder
        matrix = builder.build(snapshot.candles, SCAN_LENGTH)
        # the worker that ran this pass may outlive it (with the snapshot): let the copied
        # candles (a few MB for 124 symbols) go now that the matrix holds them
        snapshot.candles.clear()
        result = scan(matrix, spreads=snapshot.spreads, tickers=snapshot.tickers)
        return result, (time.perf_counter() - started) * 1e3

    def finished(self, worker: Worker[object]) -> None:
        """The app's worker handler calls this when a pass ended (on the loop)."""
        if worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        self.running = False
        outcome = worker.result
        if worker.state is WorkerState.SUCCESS and isinstance(outcome, tuple):
            result, compute_ms = outcome
            self.apply(result, self._copy_ms, compute_ms)

    def apply(self, result: ScanResult, copy_ms: float = 0.0, compute_ms: float = 0.0) -> None:
        """Hand a pass's result to the scanner pane and the indicator alerts."""
        started = time.perf_counter()
        parts = self.parts
        self.result = result
        self.passes += 1
        parts.scanner.set_scan(result)
        parts.bridge.dirty.add("scanner")
        parts.alerting.on_scan(result)
        apply_ms = (time.perf_counter() - started) * 1e3
        self.timings.append(ScanTiming(copy_ms, compute_ms, apply_ms))
        log.debug(
            "scan %d: %d symbols, copy %.1f ms, compute %.1f ms, apply %.1f ms",
            self.passes,
            len(result),
            copy_ms,
            compute_ms,
            apply_ms,
        )

    def request(self) -> None:
        """Scan as soon as possible (in the worker), whatever changed."""
        if self.running:
            self.parts.bridge.scan_due = True  # the next tick starts another pass
        elif not self._start():
            self.host.notify("nothing to scan yet: no candles", severity="warning", timeout=3)

    def run_now(self) -> ScanResult:
        """One whole pass on the loop, at once (tests, benchmarks, a user's explicit ask)."""
        started = time.perf_counter()
        snapshot = self.snapshot()
        copy_ms = (time.perf_counter() - started) * 1e3
        result, compute_ms = self.compute(snapshot, fresh=self.running)  # never share a builder

        self.parts.bridge.scan_due = False
        self.apply(result, copy_ms, compute_ms)
        return result
