"""Kraken's private stream end to end: command -> risk -> ccxt -> the Kraken stand-in, whose
v2 ``executions`` channel (a real websocket on 127.0.0.1, behind ``GetWebSocketsToken``)
moves the order on through ccxt.pro's ``watch_orders`` / ``watch_my_trades`` -> ledger. The
REST poll is set to an hour, so what happens within seconds came from the stream; a dropped
stream reconnects and the REST sweep after it recovers what was missed."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from kraken_rest_standin import kraken_markets
from kraken_ws_standin import KrakenStandIn
from live_kit import StaticFeed, until
from textual.widgets import Input

from tradeterm.config.secrets import Credentials
from tradeterm.domain.commands import Arm, CancelOrder, PlaceOrder
from tradeterm.domain.enums import AccountMode, OrderStatus, OrderType, Side
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.logsetup import setup_logging
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.screens.ticket import TicketScreen
from tradeterm.ui.session import Session
from tradeterm.venues.ccxt import CcxtVenue

KEY = "krSTREAMkeyQ9w8e7r6"
RAW_SECRET = b"kraken-stream-secret-0123456789abcdef"
SECRET = base64.b64encode(RAW_SECRET).decode()
NAME = "kr-live"
HOUR = 3600.0
SWEEP_CALLS = ("TradesHistory", "OpenOrders", "ClosedOrders", "QueryOrders")
"""The REST calls a poll asks about orders and trades with."""


@dataclass
class Rig:
    kraken: KrakenStandIn
    engine: Engine
    venue: CcxtVenue
    ledger: Path

    def polls(self) -> int:
        """REST rounds so far (each ends by asking for the balances)."""
        return sum(1 for method, _ in self.kraken.requests if method.startswith("Balance"))

    def sweep_calls(self) -> int:
        return sum(1 for method, _ in self.kraken.requests if method in SWEEP_CALLS)

    async def settle(self) -> None:
        await self.engine.trading.writer.drain()


async def started_standin() -> KrakenStandIn:
    kraken = KrakenStandIn(KEY, SECRET, {"USDT": Decimal("5000"), "BTC": Decimal("0.5")})
    await kraken.start()
    return kraken


def live_engine(kraken: KrakenStandIn, ledger: Path, **venue: Any) -> tuple[Engine, CcxtVenue]:
    """An engine whose live account trades on ``kraken`` through ccxt's real kraken class;
    ``venue``: the CcxtVenue's pacing (poll_s, sweep_s, stream_backoff_s)."""
    feed = StaticFeed(kraken_markets())
    feed.venue = "kraken"
    clock = SystemClock()
    spec = AccountSpec(NAME, AccountMode.LIVE, "kraken", {}, disarm_after_s=900)
    engine = Engine(clock, feed, [spec], ledger=Ledger(ledger))
    config = {"urls": kraken.ccxt_urls(), "timeout": 4000, "enableRateLimit": False}
    ccxt_venue = CcxtVenue(NAME, "kraken", Credentials(KEY, SECRET, source="test"), clock,
                           config=config, **venue)  # fmt: skip
    engine.attach_venue(NAME, ccxt_venue)
    return engine, ccxt_venue


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    kraken = await started_standin()
    ledger = tmp_path / "ledger.sqlite"
    engine, venue = live_engine(kraken, ledger, poll_s=HOUR, sweep_s=HOUR, stream_backoff_s=0.05)
    await engine.start()
    runner = asyncio.get_running_loop().create_task(venue.run())
    rig = Rig(kraken, engine, venue, ledger)
    assert venue.stream is not None
    # the first poll, then the sweep when the stream opened
    await until(lambda: venue.stream is not None and venue.stream.up and rig.polls() >= 2)
    await until(lambda: kraken.subscribers() == 1)
    await engine.execute(Arm(NAME))
    yield rig
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    await engine.stop()
    await kraken.stop()


def limit_buy(price: str, qty: str = "0.01") -> PlaceOrder:
    return PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=Decimal(qty),
                      price=Decimal(price), account=NAME)  # fmt: skip


async def test_an_order_goes_open_and_filled_from_the_stream_not_the_poll(rig: Rig) -> None:
    engine, kraken = rig.engine, rig.kraken
    kraken.answer_delay_s = 1.0  # AddOrder's answer comes late: only the stream can tell first
    placing = asyncio.get_running_loop().create_task(engine.place(limit_buy("100000.0")))
    await until(lambda: len(kraken.calls("AddOrder")) == 1)
    [order] = [o for o in engine.state.accounts[NAME].orders.values()]
    started = time.monotonic()
    await until(lambda: order.status is OrderStatus.OPEN, seconds=0.9)
    assert not placing.done()  # OPEN before AddOrder answered: the stream said so
    assert order.venue_order_id == kraken.orders[order.client_id].order_id
    await placing
    polls, asked = rig.polls(), rig.sweep_calls()
    started = time.monotonic()
    kraken.trade("BTC/USDT", Decimal("99990.0"), Decimal("1"))
    await until(lambda: order.status is OrderStatus.FILLED)
    assert time.monotonic() - started < 5.0  # the poll comes every hour
    assert (rig.polls(), rig.sweep_calls()) == (polls, asked)  # no REST round asked
    assert order.filled == Decimal("0.01")
    await rig.settle()
    records = [r for r in engine.trading.ledger.records() if r.client_id == order.client_id]
    assert [r.kind for r in records] == ["placed", "accepted", "filled"]
    [trade] = kraken.my_trades
    fills = [f for f in engine.state.accounts[NAME].fills if f.client_id == order.client_id]
    assert [f.fill_id for f in fills] == [f"{NAME}:{trade['id']}"]  # the stream's exec_id


async def test_a_fill_the_stream_reports_after_the_cancel_still_lands(rig: Rig) -> None:
    engine, kraken = rig.engine, rig.kraken
    order = await engine.place(limit_buy("100000.0", "0.02"))
    await until(lambda: order.status is OrderStatus.OPEN)
    kraken.hold_stream = True  # the stream lags: the trade is told after the cancel
    kraken.hold_trades = True  # and so does TradesHistory
    kraken.trade("BTC/USDT", Decimal("100000.0"), Decimal("0.005"))  # at its price: partly
    assert kraken.orders[order.client_id].status == "PARTIALLY_FILLED"
    await engine.execute(CancelOrder(order.client_id))
    await until(lambda: order.status is OrderStatus.CANCELED)
    await asyncio.sleep(0.2)
    assert order.filled == 0  # nothing told yet
    asked = rig.sweep_calls()
    kraken.release_stream()
    await until(lambda: order.filled == Decimal("0.005"))
    assert order.status is OrderStatus.CANCELED
    assert rig.sweep_calls() == asked  # the stream brought it, not a poll
    kraken.release_trades()
    await rig.venue.poll()  # the trade list now has it too: still one fill
    await rig.settle()
    assert order.filled == Decimal("0.005")
    assert (
        len([f for f in engine.state.accounts[NAME].fills if f.client_id == order.client_id]) == 1
    )


async def test_a_dropped_stream_reconnects_and_the_sweep_recovers_what_it_missed(
    rig: Rig,
) -> None:
    engine, kraken, venue = rig.engine, rig.kraken, rig.venue
    assert venue.stream is not None
    filled = await engine.place(limit_buy("100000.0"))
    website = await engine.place(limit_buy("90000.0"))
    await until(lambda: website.status is OrderStatus.OPEN and filled.status is OrderStatus.OPEN)
    polls = rig.polls()
    kraken.refuse = True  # down: no connection is taken
    await kraken.drop()
    await until(lambda: not venue.stream.up and rig.polls() == polls + 1)  # polled at once
    await asyncio.sleep(0.3)  # a few refused reconnections meanwhile (backoff)
    await kraken.cancel(kraken.orders[website.client_id])  # cancelled on the website
    kraken.trade("BTC/USDT", Decimal("99990.0"), Decimal("1"))  # and the other one fills
    assert kraken.subscribers() == 0  # nobody heard it
    assert rig.polls() == polls + 1  # and nobody asked
    kraken.refuse = False
    await until(lambda: venue.stream.up and venue.stream.connections == 2, seconds=30)
    await until(
        lambda: filled.status is OrderStatus.FILLED and website.status is OrderStatus.CANCELED
    )
    await until(lambda: rig.polls() == polls + 2)  # the sweep after the reconnection found both
    assert filled.filled == Decimal("0.01")
    assert kraken.connections >= 2


async def test_keys_never_reach_a_message_a_log_or_the_ledger(rig: Rig, tmp_path: Path) -> None:
    """Every websocket message both ways, tradeterm's log (at DEBUG: book and file) and the
    ledger: neither the key, the secret nor a websocket token is in any of them."""
    book = setup_logging(tmp_path / "logs", "debug")
    try:
        engine, kraken = rig.engine, rig.kraken
        order = await engine.place(limit_buy("100000.0"))
        kraken.trade("BTC/USDT", Decimal("99990.0"), Decimal("1"))
        await until(lambda: order.status is OrderStatus.FILLED)
        await kraken.drop()
        await until(lambda: rig.venue.stream is not None and rig.venue.stream.connections == 2)
        await rig.settle()
    finally:
        logger = logging.getLogger("tradeterm")
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        logger.propagate = True
    assert any('"token"' in text for _, text in kraken.frames)
    secrets = [KEY, SECRET, RAW_SECRET.decode()]
    tokens = sorted(kraken.tokens)
    assert tokens  # ccxt reuses one for 15 minutes, as Kraken allows
    for _, text in kraken.frames:
        assert not any(s in text for s in secrets)
    logged = (tmp_path / "logs" / "tradeterm.log").read_text() + "\n".join(
        e.message for e in book.entries
    )
    assert "private stream open" in logged and "private stream dropped" in logged
    assert not any(s in logged for s in secrets + tokens)
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert not any(s.encode() in written for s in secrets + tokens)


async def test_the_ticket_order_shows_open_then_filled_from_the_stream(tmp_path: Path) -> None:
    """From the keyboard: the ticket (b, quantity, price, enter) -> risk -> ccxt -> Kraken;
    the stream's trade makes it FILLED on screen with the poll an hour away."""
    kraken = await started_standin()
    engine, venue = live_engine(kraken, tmp_path / "ledger.sqlite", poll_s=HOUR, sweep_s=HOUR)
    app = TradetermApp(Session(engine, setup_logging(None, "info")), refresh_hz=20)
    account = engine.state.accounts[NAME]
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(lambda: venue.stream is not None and kraken.subscribers() == 1)
            polled = lambda: sum(1 for m, _ in kraken.requests if m.startswith("Balance"))  # noqa: E731
            await until(lambda: polled() >= 2)  # the first poll and the sweep: done
            await engine.execute(Arm(NAME))
            asked = sum(1 for m, _ in kraken.requests if m in SWEEP_CALLS)
            await pilot.press("b")
            assert isinstance(app.screen, TicketScreen)
            price = app.screen.query_one("#price", Input)
            price.value = "100000.0"
            await pilot.press(*"0.01", "enter")
            await until(lambda: any(o.status is OrderStatus.OPEN for o in account.orders.values()))
            [order] = account.orders.values()
            assert kraken.calls("AddOrder")[0]["cl_ord_id"] == order.client_id
            kraken.trade("BTC/USDT", Decimal("99990.0"), Decimal("1"))
            await until(lambda: order.status is OrderStatus.FILLED)
            await until(lambda: "filled" in "\n".join(e.message for e in app.logbook.entries))
            assert sum(1 for m, _ in kraken.requests if m in SWEEP_CALLS) == asked
    finally:
        logging.getLogger("tradeterm").propagate = True
        await venue.close()
        await kraken.stop()


async def test_polling_is_fast_while_the_stream_cannot_connect_and_slow_once_it_does(
    tmp_path: Path,
) -> None:
    kraken = await started_standin()
    kraken.refuse = True  # the websocket is down from the start; REST answers
    engine, venue = live_engine(
        kraken, tmp_path / "ledger.sqlite", poll_s=0.2, sweep_s=HOUR, stream_backoff_s=0.05
    )
    await engine.start()
    rig = Rig(kraken, engine, venue, tmp_path / "ledger.sqlite")
    runner = asyncio.get_running_loop().create_task(venue.run())
    try:
        assert venue.stream is not None
        await until(lambda: rig.polls() >= 4)  # every 0.2 s: the fallback
        assert not venue.stream.up and kraken.connections == 0
        kraken.refuse = False
        await until(lambda: venue.stream is not None and venue.stream.up, seconds=30)
        later = lambda: kraken.requests[kraken.opened_at[0] :]  # noqa: E731
        await until(lambda: any(m.startswith("Balance") for m, _ in later()))  # swept at once
        await asyncio.sleep(0.5)
        polls = rig.polls()
        await asyncio.sleep(1.0)  # five fallback rounds' worth of time
        assert rig.polls() == polls  # the stream is up: the next sweep is an hour away
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await engine.stop()
        await kraken.stop()


def funds(rig: Rig) -> dict[str, Decimal]:
    account = rig.engine.state.accounts[NAME]
    return {a: b.total for a, b in account.balances.items() if b.total}


def balance_updates(kraken: KrakenStandIn) -> int:
    return sum(1 for d, t in kraken.frames
               if d == "out" and '"balances"' in t and '"update"' in t)  # fmt: skip


async def test_a_balance_update_before_its_trade_is_not_counted_twice(rig: Rig) -> None:
    """Kraken's ``balances`` channel (ccxt.pro ``watch_balance``): the ledger entries of a
    fill sent ahead of its trade count the trade once."""
    engine, kraken = rig.engine, rig.kraken
    kraken.balance_first = True
    order = await engine.place(limit_buy("100000.0"))
    await until(lambda: order.status is OrderStatus.OPEN)
    kraken.trade("BTC/USDT", Decimal("99990.0"), Decimal("1"))
    await until(lambda: order.status is OrderStatus.FILLED and balance_updates(kraken) == 1)
    await asyncio.sleep(0.2)
    await rig.settle()
    truth = {"BTC": Decimal("0.51"), "USDT": Decimal("4000")}
    assert kraken.balances == truth
    assert funds(rig) == truth  # not 0.52 BTC / 3000 USDT


async def test_an_older_balance_update_after_a_later_fill_does_not_undo_it(rig: Rig) -> None:
    """Two fills of one order; the first fill's balance update lags behind the second fill:
    when it comes, the second fill stays counted."""
    engine, kraken = rig.engine, rig.kraken
    kraken.hold_balances = True
    order = await engine.place(limit_buy("100000.0", "0.02"))
    await until(lambda: order.status is OrderStatus.OPEN)
    kraken.trade("BTC/USDT", Decimal("100000.0"), Decimal("0.005"))  # at its price: partly
    await until(lambda: order.filled == Decimal("0.005"))
    await asyncio.sleep(0.05)  # the second fill a few milliseconds later
    kraken.trade("BTC/USDT", Decimal("99990.0"), Decimal("1"))
    await until(lambda: order.status is OrderStatus.FILLED)
    await rig.settle()
    truth = {"BTC": Decimal("0.52"), "USDT": Decimal("3000")}
    assert funds(rig) == truth and kraken.balances == truth
    assert len(kraken.held_balances) == 2
    kraken.release_balances(1)  # the first fill's: 0.505 BTC at Kraken then
    await until(lambda: balance_updates(kraken) == 1)
    await asyncio.sleep(0.2)
    await rig.settle()
    assert funds(rig) == truth
    kraken.release_balances()
    await until(lambda: balance_updates(kraken) == 2)
    await asyncio.sleep(0.2)
    await rig.settle()
    assert funds(rig) == truth
