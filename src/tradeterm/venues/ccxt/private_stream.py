"""PrivateStream: a live account's orders and trades as they happen, through ccxt.pro's
``watch_orders`` and ``watch_my_trades`` (and ``watch_balance`` where the stream carries the
balances), with reconnection and a REST sweep to close gaps.

- Kraken: the v2 ``executions`` channel after ``GetWebSocketsToken``. Binance spot: the
  WebSocket API's user data stream (``userDataStream.subscribe.signature``: this ccxt
  signs a subscription on the ws-api connection; no listenKey), whose ``executionReport``
  and ``outboundAccountPosition`` events ccxt parses.
- Each order update is matched to a tracked order by its exchange id, else by the client id
  the exchange echoes (Kraken v2's ``cl_ord_id``, Binance's ``c`` / ``C``), and taken in
  like a polled answer: the first says OPEN, a final one CANCELED / EXPIRED (FILLED follows
  from the trades). A final word on an exchange id the order no longer has (Binance's
  cancel-replace cancels the old order, then places the new one) is not the order's end.
- Balance updates (Binance's ``outboundAccountPosition``, Kraken v2's ``balances``) go to
  ``on_balances`` with the exchange's stamp (Binance: its time of account update; Kraken:
  its ledger entry's time): the engine takes them as the truth as of that stamp (see
  ``engine.balances``), so a balance that comes before or after its trade counts it once.
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
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradeterm.domain.errors import VenueUnavailable
from tradeterm.engine.clock import Clock
from tradeterm.venues.ccxt.convert import ENDED, dec
from tradeterm.venues.ccxt.errors import Translated
from tradeterm.venues.ccxt.tracking import OrderTracker, Tracked

log = logging.getLogger("tradeterm.venues.ccxt")

STREAM_URLS: dict[str, tuple[str, ...]] = {"kraken": ("privateV2",), "binance": ("ws-api", "spot")}
"""Exchanges with a private stream tradeterm follows -> the path of its url in ccxt's
``urls["api"]["ws"]`` (Kraken: the v2 ``executions`` channel; Binance spot: the WebSocket
API connection its user data stream is subscribed on)."""

BALANCE_STREAMS = frozenset({"binance", "kraken"})
"""Exchanges whose private stream also carries the balances tradeterm follows."""

_STATUS = {"pending_new": "", "new": "open", "partially_filled": "open", "filled": "closed"}
"""Kraken v2's order_status -> ccxt's (a pending order is not live yet: nothing to say)."""


def has_stream(exchange_id: str, options: Mapping[str, Any] | None = None) -> bool:
    """True where tradeterm follows the account's private stream (Binance: spot only)."""
    if exchange_id == "binance" and (options or {}).get("defaultType", "spot") != "spot":
        return False
    return exchange_id in STREAM_URLS


def stream_url(client: Any, exchange_id: str) -> str:
    """The url of the stream's connection in the ccxt.pro client."""
    url: Any = client.urls["api"]["ws"]
    for key in STREAM_URLS[exchange_id]:
        url = url[key]
    return str(url)


def balance_stamp_ns(info: Mapping[str, Any]) -> int | None:
    """The exchange's time of a balance update (ns): Binance's time of account update
    (``u``, else the event's ``E``, in ms); Kraken's newest ledger entry's ``timestamp``.
    None for an unstamped one (Kraken's snapshot): it is not taken (the polls carry it)."""
    stamp_ms = info.get("u") or info.get("E")
    if stamp_ms:
        return int(stamp_ms) * 1_000_000
    data = info.get("data")
    entries: list[Any] = data if isinstance(data, list) else []
    stamps = [str(e["timestamp"]) for e in entries if isinstance(e, dict) and e.get("timestamp")]
    if not stamps:
        return None
    newest = max(datetime.fromisoformat(s) for s in stamps)
    return int(newest.timestamp()) * 1_000_000_000 + newest.microsecond * 1_000


class PrivateStream:
    """The private stream of one account (see the module doc).

    Args:
        call: one ccxt call by name on the venue's ccxt.pro client (raises ``Translated``).
        client: the ccxt.pro client (to see when its connection is open).
        on_up / on_down: the stream is (again) open / has dropped.
        on_balances: (asset -> total, the exchange's stamp in ns) for the assets an update
            lists, where the stream carries balances (``BALANCE_STREAMS``).
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
        on_balances: Callable[[dict[str, Decimal], int], None] | None = None,
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
        self._on_balances = on_balances if exchange_id in BALANCE_STREAMS else None
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
        if self._on_balances is not None:
            watchers.append(asyncio.ensure_future(self._balances(self._on_balances)))
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
        url = stream_url(client, self.exchange_id)
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

    async def _balances(self, take: Callable[[dict[str, Decimal], int], None]) -> None:
        while True:
            balance = await self._call("watch_balance")
            self._delivered = True
            stamp = balance_stamp_ns(balance.get("info") or {})
            totals = {
                str(asset): dec(total)
                for asset, total in (balance.get("total") or {}).items()
                if total is not None
            }
            if stamp and totals:
                take(totals, stamp)

    def _tracked(self, answer: Mapping[str, Any], key: str) -> tuple[Tracked | None, str]:
        info = answer.get("info") or {}
        exchange_id = str(answer.get(key) or info.get("order_id") or "")
        client_id = (
            self.tracker.by_exchange_id.get(exchange_id)
            or str(info.get("cl_ord_id") or "")
            or str(answer.get("clientOrderId") or "")
        )
        return self.tracker.orders.get(client_id), exchange_id

    def take_order(self, answer: Mapping[str, Any]) -> None:
        """One order update from the stream."""
        tracked, exchange_id = self._tracked(answer, "id")
        if tracked is None:
            return  # not tradeterm's: the reconciliation screen deals with those
        raw = str((answer.get("info") or {}).get("order_status") or "")
        status = _STATUS.get(raw, str(answer.get("status") or raw))
        current = tracked.exchange_ids[-1] if tracked.exchange_ids else exchange_id
        replaced = exchange_id != current or (exchange_id and exchange_id == tracked.replacing)
        if status in ENDED and replaced:
            return  # the old order of a cancel-replace: the order goes on under its new id
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
