"""The native feeds' stream loop: connect, read until the link drops, reconnect with backoff
and jitter, say so on the sink; and the one way a malformed message is logged.

Messages reach ``on_message`` in the read that completed them (``ws_direct``), not through
``websockets``' queue and an ``async for``: see docs/native-feeds-wire.md for the figures."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException

from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import VenueUnavailable
from tradeterm.domain.events import FeedStateChanged
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.net import Backoff
from tradeterm.venues.ws_direct import Batch, Compression, DirectConnection, compression_for


async def stream_forever(
    venue: str,
    url: Callable[[], str],
    sink: MarketSink,
    backoff: Backoff,
    on_open: Callable[[ClientConnection], Awaitable[None]],
    on_message: Callable[[str | bytes], None],
    on_close: Callable[[], None],
    logger: logging.Logger,
    compression: Compression = "auto",
    on_messages: Batch | None = None,
) -> None:
    """Stream until cancelled. ``on_open`` runs on each connection and says CONNECTED on the
    sink when the feed is ready (after its subscriptions, or before its snapshots);
    ``on_close`` runs after each one. ``compression`` says whether permessage-deflate is
    offered (``compression_for``); ``on_messages``, when given, takes the messages that one
    socket read completed together (``DirectConnection``). A bad url ends it with
    VenueUnavailable; an exception from ``on_message`` (or ``on_messages``) ends it too (after
    the connection is closed)."""
    attempt = 0
    sink.on_market(FeedStateChanged(venue, FeedState.CONNECTING))
    while True:
        link = url()
        try:
            async with websockets.connect(
                link,
                max_size=2**24,
                compression=compression_for(link, compression),
                create_connection=DirectConnection,
            ) as ws:
                assert isinstance(ws, DirectConnection)
                await on_open(ws)
                ws.deliver(on_message, on_messages)  # with what arrived during on_open first
                await ws.wait_closed()
            if ws.failure is not None:
                raise ws.failure
            if ws.messages:
                attempt = 0
            detail = ws.closed_detail()
        except (OSError, TimeoutError, WebSocketException) as exc:
            if isinstance(exc, InvalidURI):
                raise VenueUnavailable(f"{venue}: bad stream url: {exc}") from exc
            detail = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, InvalidHandshake):
                detail = f"handshake refused: {exc}"
        finally:
            on_close()
        delay = backoff.delay(attempt)
        attempt += 1
        logger.warning("%s stream down (%s); reconnecting in %.1fs", venue, detail, delay)
        sink.on_market(FeedStateChanged(venue, FeedState.RECONNECTING, detail))
        await asyncio.sleep(delay)  # a live network link: backoff is wall time


def log_malformed(
    logger: logging.Logger, venue: str, number: int, exc: Exception, raw: str | bytes
) -> None:
    """One warning for a message that could not be read (it is skipped)."""
    text = raw[:120] if isinstance(raw, str) else raw[:120].decode(errors="replace")
    logger.warning(
        "%s: malformed message #%d skipped (%s: %s): %s",
        venue,
        number,
        type(exc).__name__,
        exc,
        text,
    )
