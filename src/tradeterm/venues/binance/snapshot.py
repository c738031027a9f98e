"""A Binance book's REST depth snapshots: asked for until one holds (``DepthSync``)."""

from __future__ import annotations

import asyncio
import logging

import orjson

from tradeterm.domain.errors import DataError, VenueUnavailable
from tradeterm.venues.binance.rest import Backoff, RestClient
from tradeterm.venues.binance.sync import DepthSync

log = logging.getLogger("tradeterm.venues.binance")

DEPTH_LIMIT = 1000


async def sync_from_snapshots(
    venue: str,
    rest: RestClient,
    backoff: Backoff,
    book: DepthSync,
    native: str,
    tried: asyncio.Event | None = None,
) -> None:
    """Sync ``native``'s book from REST snapshots until it holds; ``tried`` is set once
    the first answer is applied, or failed (the REST client's own retries included)."""
    tries = 0
    try:
        while not book.synced:
            if tries:
                if tried is not None:
                    tried.set()
                await asyncio.sleep(backoff.delay(tries - 1))
            tries += 1
            try:
                body = orjson.loads(await rest.get(f"depth?symbol={native}&limit={DEPTH_LIMIT}"))
            except (VenueUnavailable, DataError, orjson.JSONDecodeError) as exc:
                log.warning("%s %s: depth snapshot failed: %s", venue, native, exc)
                continue
            if book.synced:
                return
            try:
                book.on_snapshot(body)
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                book.synced = False
                log.warning("%s %s: depth snapshot unreadable: %s", venue, native, exc)
    finally:
        if tried is not None:
            tried.set()
