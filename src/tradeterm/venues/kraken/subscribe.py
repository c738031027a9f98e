"""Kraken v2 subscribe requests, and their order on each connection: the focused pair's book,
trades and ticker first and alone, every other pair's once its book has come.

Issue 13 wants the first book on screen fast. Subscribed together, the snapshots of every
pair (up to 1000 levels a side each) and their updates, trades and tickers arrive beside the
focused book's and hold the loop before the ladder can draw it: so the others are subscribed
``others_after_s`` after the focused pair's snapshot (the rule of the native Binance feed,
``venues/binance/feed.py``). A snapshot that never comes (a refusal, a lost answer) holds
them at most ``LEAD_TIMEOUT_S``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import orjson
from websockets.exceptions import WebSocketException

log = logging.getLogger("tradeterm.venues.kraken")

OTHERS_AFTER_S = 0.25
"""The other pairs are subscribed this long after the focused pair's snapshot came: the
workstation mounts and draws that book meanwhile."""
LEAD_TIMEOUT_S = 5.0
"""The longest the other pairs wait for the focused pair's snapshot."""


class Sends(Protocol):
    """What a subscription needs of a connection."""

    async def send(self, message: str) -> None: ...


def requests(symbols: Sequence[str], depth: int, first_id: int = 0) -> list[dict[str, Any]]:
    """The v2 subscribe requests for ``symbols``' book (with its snapshot), trades and
    ticker, numbered from ``first_id``."""
    names = list(symbols)
    params: list[dict[str, Any]] = [
        {"channel": "book", "symbol": names, "depth": depth, "snapshot": True},
        {"channel": "trade", "symbol": names, "snapshot": False},
        {"channel": "ticker", "symbol": names},
    ]
    return [
        {"method": "subscribe", "params": p, "req_id": first_id + i} for i, p in enumerate(params)
    ]


class LeadFirst:
    """One connection's subscriptions: ``open`` sends the lead pair's, and the others' follow
    once ``book_came`` was told of the lead's snapshot (or ``refused`` of a refusal)."""

    def __init__(self, venue: str, depth: int, others_after_s: float = OTHERS_AFTER_S) -> None:
        self.venue = venue
        self.depth = depth
        self.others_after_s = others_after_s
        self.lead = ""
        """The pair subscribed first on the open connection ("" when all went at once)."""
        self._came = asyncio.Event()
        self._others: asyncio.Task[None] | None = None

    async def open(self, ws: Sends, pairs: Sequence[str], lead: str) -> None:
        """Subscribe ``lead`` alone on ``ws`` when there are other ``pairs`` (they follow in a
        task), else every pair at once.

        Raises:
            websockets' ConnectionClosed: the connection went meanwhile.
        """
        self.close()
        others = [p for p in pairs if p != lead]
        if not lead or lead not in pairs or not others:
            self.lead = ""
            await self._send(ws, pairs, 0)
            return
        self.lead = lead
        self._came = asyncio.Event()
        await self._send(ws, [lead], 0)
        self._others = asyncio.get_running_loop().create_task(
            self._follow(ws, others), name=f"{self.venue}-subscribe-others"
        )

    def book_came(self, symbol: str) -> None:
        """``symbol``'s snapshot arrived (whether its checksum held or not)."""
        if symbol == self.lead:
            self._came.set()

    def refused(self) -> None:
        """The exchange refused a request: the others wait no longer for the lead's book."""
        self._came.set()

    def close(self) -> None:
        """The connection is gone: the others' subscription, if still to come, is dropped."""
        if self._others is not None:
            self._others.cancel()
            self._others = None

    async def _follow(self, ws: Sends, others: list[str]) -> None:
        try:
            await asyncio.wait_for(self._came.wait(), LEAD_TIMEOUT_S)
        except TimeoutError:
            log.warning(
                "%s: no %s book in %gs; subscribing the other pairs",
                self.venue,
                self.lead,
                LEAD_TIMEOUT_S,
            )
        if self.others_after_s > 0:
            await asyncio.sleep(self.others_after_s)  # a live link: wall time
        try:
            await self._send(ws, others, 3)
        except WebSocketException as exc:  # the stream loop reconnects and subscribes afresh
            log.warning("%s: subscribing the other pairs failed (%s)", self.venue, exc)

    async def _send(self, ws: Sends, symbols: Sequence[str], first_id: int) -> None:
        for request in requests(symbols, self.depth, first_id):
            await ws.send(orjson.dumps(request).decode())
