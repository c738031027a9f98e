"""A Binance book's REST depth snapshots: asked for until one holds (``DepthSync``), and
spaced out when a book keeps losing sync soon after its snapshot (``Snapshots``)."""

from __future__ import annotations

import asyncio
import logging

import orjson

from tradeterm.domain.errors import DataError, VenueUnavailable
from tradeterm.venues.binance.rest import Backoff, RestClient
from tradeterm.venues.binance.sync import DepthSync

log = logging.getLogger("tradeterm.venues.binance")

DEPTH_LIMIT = 1000
SOON_S = 10.0
"""A book that loses sync within this many seconds of its last snapshot waits before the
next one, longer each time in a row (``Snapshots``)."""


class Snapshots:
    """Each book's snapshot task, and its resyncs in a row: a book that loses sync again
    within ``soon_s`` of its last snapshot (a gap, a crossed book: on every diff when the
    exchange's snapshot itself is wrong) waits ``backoff.delay(n)`` before its next one,
    ``n`` its losses in a row; a book that held longer resyncs at once, and so does every
    book at a new connection. Each book counts alone. (A 1,000-level snapshot weighs 50 of
    Binance's 6,000 a minute: 20 books crossing on every diff asked for 335 of them in 8 s
    before this.)"""

    def __init__(
        self, venue: str, rest: RestClient, backoff: Backoff, soon_s: float = SOON_S
    ) -> None:
        self.venue = venue
        self.rest = rest  # (its budget's clock times the waits: the engine's clock)
        self.backoff = backoff
        self.soon_s = soon_s
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.synced_at: dict[str, float] = {}
        self.in_a_row: dict[str, int] = {}
        self._waits: dict[str, float] = {}

    def request(self, native: str, book: DepthSync, tried: asyncio.Event | None = None) -> None:
        """Sync ``native``'s book from snapshots unless that is under way (``tried``: as
        ``sync_from_snapshots``), after the wait its last loss earned (``lost``)."""
        task = self.tasks.get(native)
        if task is None or task.done():
            self.tasks[native] = asyncio.get_running_loop().create_task(
                sync_from_snapshots(
                    self.venue,
                    self.rest,
                    self.backoff,
                    book,
                    native,
                    tried,
                    self.wait_s(native) or 0.0,
                    self,
                ),
                name=f"{self.venue}-snapshot-{native}",
            )
        elif tried is not None:
            tried.set()  # (already on its way: nothing to wait for)

    def lost(self, native: str, reason: str, message: int) -> None:
        """``native``'s book lost sync for ``reason`` at stream message ``message``: logged,
        with its resyncs in a row and the wait before its next snapshot when it lost sync
        soon after the last one (or the snapshot on its way did not hold)."""
        task = self.tasks.get(native)
        since = self.synced_at.get(native)
        if task is not None and not task.done():
            held: float | None = 0.0  # (the snapshot being applied did not hold)
        else:
            held = None if since is None else self.rest.budget.now() - since
        wait = 0.0
        if held is None or held > self.soon_s:
            self.in_a_row.pop(native, None)
        else:
            count = self.in_a_row[native] = self.in_a_row.get(native, 0) + 1
            wait = self._waits[native] = self.backoff.delay(count - 1)
            reason += f"; {count} in a row, {held:.1f}s after the last snapshot"
        log.warning(
            "%s %s: resync from a fresh snapshot%s (%s; stream message #%d)",
            self.venue,
            native,
            f" in {wait:.1f}s" if wait else "",
            reason,
            message,
        )

    def wait_s(self, native: str) -> float | None:
        """The wait ``lost`` set for ``native``'s next snapshot (once), or None."""
        return self._waits.pop(native, None)

    def synced(self, native: str) -> None:
        self.synced_at[native] = self.rest.budget.now()

    def cancel(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        self.tasks.clear()
        self._waits.clear()


async def sync_from_snapshots(
    venue: str,
    rest: RestClient,
    backoff: Backoff,
    book: DepthSync,
    native: str,
    tried: asyncio.Event | None = None,
    wait_s: float = 0.0,
    snapshots: Snapshots | None = None,
) -> None:
    """Sync ``native``'s book from REST snapshots until it holds, the first asked for after
    ``wait_s``; ``tried`` is set once the first answer is applied, or failed (the REST
    client's own retries included); ``snapshots`` is told when the book holds."""
    tries = 0
    budget = rest.budget
    try:
        await budget.sleep(wait_s)
        while not book.synced:
            if tries:
                if tried is not None:
                    tried.set()
                wait = snapshots.wait_s(native) if snapshots is not None else None
                if wait is None:  # (the REST request failed: no loss was counted)
                    wait = backoff.delay(tries - 1)
                await budget.sleep(max(wait, budget.paused_s()))
            tries += 1
            try:
                body = orjson.loads(await rest.get(f"depth?symbol={native}&limit={DEPTH_LIMIT}"))
            except (VenueUnavailable, DataError, orjson.JSONDecodeError) as exc:
                log.warning("%s %s: depth snapshot failed: %s", venue, native, exc)
                continue
            if book.synced:
                break
            try:
                book.on_snapshot(body)
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                book.synced = False
                log.warning("%s %s: depth snapshot unreadable: %s", venue, native, exc)
        if snapshots is not None:
            snapshots.synced(native)
    finally:
        if tried is not None:
            tried.set()
