"""Helpers for the scanner and alert Pilot tests: waiting for a scan, reading the scanner's
rows, typing into the filter line, and the scan the workstation should have made."""

from __future__ import annotations

import math
import time

from textual.pilot import Pilot

from tests.ui.conftest import Rig
from tradeterm.analysis.scanner import ScanResult, candles_to_matrix, scan
from tradeterm.ui.panes.scanner_rows import COLUMN_INDEX
from tradeterm.ui.refresh import SLOW_HZ
from tradeterm.ui.scanning import SCAN_LENGTH

WIDE = (160, 48)


def expected_scan(rig: Rig) -> ScanResult:
    """``scan`` run directly on the engine's candles, books and tickers, as the app should."""
    state = rig.engine.state
    matrix = candles_to_matrix(state.by_label(state.candles), SCAN_LENGTH)
    spreads = {symbol: book.spread_bps() for symbol, book in state.by_label(state.books).items()}
    return scan(matrix, spreads=spreads, tickers=state.by_label(state.tickers))


async def wait_for_passes(rig: Rig, pilot: Pilot[None], count: int, timeout: float = 10.0) -> None:
    """Let the scanner's worker finish ``count`` passes in all (real time, real thread)."""
    deadline = time.monotonic() + timeout
    while rig.app.scans.passes < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{rig.app.scans.passes} scans after {timeout}s, wanted {count}")
        await pilot.pause(0.02)
    await pilot.pause(1 / SLOW_HZ)  # the scanner redraws at the slow rate: let a slot come
    await redraw(rig, pilot)


async def redraw(rig: Rig, pilot: Pilot[None]) -> None:
    """Let the refresh tick draw what changed, now."""
    await pilot.pause()
    rig.app.refresher.hurry()
    rig.app.refresher.tick()
    await pilot.pause()


def cell(rig: Rig, symbol: str, column: str) -> str:
    """What the scanner table shows for ``symbol`` in ``column``."""
    row = rig.app.scanner.table.row(symbol)
    assert row is not None, symbol
    return row.cells[COLUMN_INDEX[column]]


def shown_number(value: float, spec: str = ".0f") -> str:
    return "—" if math.isnan(value) else format(value, spec)


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])
