"""PrivateStream: a live account's orders and trades as they happen, through ccxt.pro's
``watch_orders`` and ``watch_my_trades``, with reconnection and a REST sweep to close gaps.

- Each order update is matched to a tracked order by its exchange id, else by the client id
  the exchange echoes (Kraken v2's ``cl_ord_id``), and taken in like a polled answer: the
  first says OPEN, a final one CANCELED / EXPIRED (FILLED follows from the trades).
- Each trade becomes a fill once (trades are keyed by id, shared with polling), also after
  the order ended: a fill reported after a cancel still lands.
- When the stream drops, ``on_down`` is called (the venue polls at once, then often), and it
  reconnects after a backoff that doubles up to ``max_backoff_s`` (timed by the clock, reset
  by a connection that delivered). Once connected again, ``on_up`` is called: the venue
  sweeps by REST at once, which finds what changed while the stream was down, then polls
  seldom.
- Exchanges whose private stream tradeterm knows are listed in ``STREAM_URLS`` (the ccxt
  url key of the connection, so the venue can tell when it is open).
- Open means connected: a subscription the exchange refuses after that (a token refused)
  is not surfaced by ccxt.pro, so the stream then stays silent and the sweeps every
  ``sweep_s`` carry the account.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from tradeterm.domain.errors import VenueUnavailable
from tradeterm.engine.clock import Clock
from tradeterm.venues.ccxt.errors import Translated
from tradeterm.venues.ccxt.tracking import OrderTracker, Tracked

log = logging.getLogger("tradeterm.venues.ccxt")

STREAM_URLS = {"kraken": "privateV2"}
"""Exchanges with a private stream tradeterm follows -> the key of its url in ccxt's
``urls["api"]["ws"]`` (Kraken: the v2 ``executions`` channel after ``GetWebSocketsToken``)."""

_STATUS = {"pending_new": "", "new": "open", "partially_filled": "open", "filled": "closed"}
"""Kraken v2's order_status -> ccxt's (a pending order is not live yet: nothing to say)."""


def has_stream(exchange_id: str) -> bool:
    return exchange_id in STREAM_URLS


class PrivateStream:
    """The private stream of one account (see the module doc).

    Args:
        call: one ccxt call by name on the venue's ccxt.pro client (raises ``Translated``).
        client: the ccxt.pro client (to see when its connection is open).
        on_up / on_down: the stream is (again) open / has dropped.
    """

    def __init__(
        self,
        exchange_id: str,
        label: str,
        clock: Clock,
        tracker: OrderTracker,
        call: Callable[..., Awaitable[Any]],
        client: Callable[[], Any],
        on_up: Callable[[], None],
        on_down: Callable[[], None],
        *,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
    ) -> None:
        self.exchange_id = exchange_id
        self.label = label
        self.clock = clock
        self.tracker = tracker
        self._call = call
        self._client = client
        self._on_up = on_up
        self._on_down = on_down
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.up = False
        self.connections = 0
        """Times the stream opened (1 at the first, +1 at each reconnection)."""
        self._delivered = False

    async def run(self) -> None:
        """Follow the stream until cancelled, reconnecting after each drop."""
        delay = self.backoff_s
        while True:
            self._delivered = False
            try:
                await self._follow()
            except Translated as exc:
                log.warning("%s: private stream dropped: %s", self.label, exc.error)
            except Exception as exc:  # a parse error must not end the stream for good
                log.warning("%s: private stream failed (%s)", self.label, type(exc).__name__)
            if self.up:
                self.up = False
                self._on_down()
            if self._delivered:
                delay = self.backoff_s
            log.info("%s: private stream reconnects in %.1f s", self.label, delay)
            await self._sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)

    async def _follow(self) -> None:
        orders = asyncio.ensure_future(self._orders())  # first: its subscription is the one sent
        trades = asyncio.ensure_future(self._trades())
        watchers = [orders, trades]
        try:
            await self._opened(watchers)
            self.up = True
            self.connections += 1
            log.info("%s: private stream open (orders and trades)", self.label)
            self._on_up()
            done, _ = await asyncio.wait(watchers, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)

    async def _opened(self, watchers: Sequence[asyncio.Future[None]]) -> None:
        """Wait until the stream's connection is open (raises ``Translated`` if it fails, or
        what a watcher raised when it failed first)."""
        client = self._client()
        url = client.urls["api"]["ws"][STREAM_URLS[self.exchange_id]]
        while True:
            for task in watchers:
                if task.done():
                    task.result()
                    raise VenueUnavailable(f"{self.label}: private stream ended")
            connection = (client.clients or {}).get(url)
            if connection is not None and connection.connected.done():
                if connection.connected.exception() is None:
                    return
                raise VenueUnavailable(f"{self.label}: private stream could not connect")
            await self._sleep(0.01)

    async def _sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        timer = self.clock.call_at(self.clock.now_ns() + int(seconds * 1e9), wake)
        try:
            await woken
        finally:
            timer.cancel()

    async def _orders(self) -> None:
        while True:
            for answer in await self._call("watch_orders"):
                self._delivered = True
                self.take_order(answer)

    async def _trades(self) -> None:
        while True:
            for trade in await self._call("watch_my_trades"):
                self._delivered = True
                self.take_trade(trade)

    def _tracked(self, answer: Mapping[str, Any], key: str) -> tuple[Tracked | None, str]:
        info = answer.get("info") or {}
        exchange_id = str(answer.get(key) or info.get("order_id") or "")
        client_id = self.tracker.by_exchange_id.get(exchange_id) or str(info.get("cl_ord_id") or "")
        return self.tracker.orders.get(client_id), exchange_id

    def take_order(self, answer: Mapping[str, Any]) -> None:
        """One order update from the stream."""
        tracked, exchange_id = self._tracked(answer, "id")
        if tracked is None:
            return  # not tradeterm's: the reconciliation screen deals with those
        raw = str((answer.get("info") or {}).get("order_status") or "")
        status = _STATUS.get(raw, str(answer.get("status") or raw))
        if status:
            self.tracker.absorb(tracked, {**answer, "id": exchange_id, "status": status})

    def take_trade(self, trade: Mapping[str, Any]) -> None:
        """One of the account's trades from the stream, as a fill."""
        tracked, exchange_id = self._tracked(trade, "order")
        if tracked is None:
            return
        if not tracked.accepted:  # the trade came before any word on the order
            self.tracker.absorb(tracked, {"id": exchange_id, "status": "open"})
        self.tracker.take_trade(tracked, trade)
