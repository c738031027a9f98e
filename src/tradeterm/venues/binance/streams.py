"""The Binance combined stream's names for a market, and live SUBSCRIBE requests on an open
connection with their answers (``{"method": "SUBSCRIBE", "params": [...], "id": N}`` is
answered ``{"result": null, "id": N}``, or ``{"error": {...}, "id": N}``)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import orjson

log = logging.getLogger("tradeterm.venues.binance")


def stream_names(natives: Iterable[str]) -> list[str]:
    """The streams the feed reads for each market: 100 ms depth diffs, trades, 24h ticker."""
    names: list[str] = []
    for native in natives:
        low = native.lower()
        names += [f"{low}@depth@100ms", f"{low}@trade", f"{low}@ticker"]
    return names


class Sends(Protocol):
    """What a subscription needs of a connection."""

    async def send(self, message: str) -> None: ...


class Subscriber:
    """SUBSCRIBE requests on the feed's connection, each waiting for its answer."""

    def __init__(self, venue: str) -> None:
        self.venue = venue
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[object]] = {}

    async def subscribe(self, ws: Sends, streams: list[str], timeout_s: float) -> bool:
        """Subscribe ``streams`` on ``ws``; True once the exchange said yes (their events
        flow from then on), False when it refused or did not answer within ``timeout_s``.

        Raises:
            websockets' ConnectionClosed: the connection went meanwhile.
        """
        number = next(self._ids)
        answer = self._waiting[number] = asyncio.get_running_loop().create_future()
        request = {"method": "SUBSCRIBE", "params": streams, "id": number}
        try:
            await ws.send(orjson.dumps(request).decode())
            await asyncio.wait_for(answer, timeout_s)
        except TimeoutError:
            log.warning("%s: no answer to SUBSCRIBE #%d in %.0fs", self.venue, number, timeout_s)
            return False
        finally:
            self._waiting.pop(number, None)
        return answer.result() is None

    def answered(self, message: Mapping[str, Any]) -> bool:
        """Take ``message`` when it answers a request (True): it carries an ``id`` and no
        stream ``data``. A refusal is logged with the exchange's words."""
        if "data" in message or "id" not in message:
            return False
        error = message.get("error")
        waiting = self._waiting.get(message["id"])  # (an unhashable id: TypeError, malformed)
        if error is not None:
            log.warning("%s: SUBSCRIBE #%s refused: %s", self.venue, message["id"], error)
        if waiting is not None and not waiting.done():
            waiting.set_result(None if error is None else error)
        return True
