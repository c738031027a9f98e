"""Live orders on Kraken end to end: command -> risk -> CcxtVenue -> ccxt's kraken class ->
the Kraken stand-in on 127.0.0.1 (signed calls checked as Kraken checks them) -> polling ->
ledger; amend in place, cancel, an exchange error, a timeout after the exchange accepted, and
the dead-man's switch running out."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from kraken_rest_standin import KrakenRestStandIn, kraken_markets
from live_kit import StaticFeed

from tradeterm.config.secrets import Credentials
from tradeterm.domain.commands import AmendOrder, Arm, CancelOrder, Disarm, PlaceOrder
from tradeterm.domain.enums import AccountMode, OrderStatus, OrderType, Side
from tradeterm.domain.events import ArmingChanged
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.ccxt import CcxtVenue

KEY = "krKEYq1w2e3r4t5y6"
SECRET = base64.b64encode(b"kraken-test-secret-bytes-0123456789").decode()
NAME = "kr-live"


async def until(ready: Callable[[], bool]) -> None:
    for _ in range(1000):
        if ready():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


def make_engine(
    standin: KrakenRestStandIn, ledger: Path, timeout_ms: int = 4000
) -> tuple[Engine, CcxtVenue]:
    feed = StaticFeed(kraken_markets())
    feed.venue = "kraken"
    clock = SystemClock()
    spec = AccountSpec(NAME, AccountMode.LIVE, "kraken", {}, disarm_after_s=900)
    engine = Engine(clock, feed, [spec], ledger=Ledger(ledger))
    config = {"urls": standin.ccxt_urls(), "timeout": timeout_ms, "enableRateLimit": False}
    venue = CcxtVenue(NAME, "kraken", Credentials(KEY, SECRET, source="test"), clock,
                      config=config, poll_s=3600)  # fmt: skip
    engine.attach_venue(NAME, venue)
    engine.bus.subscribe(ArmingChanged, venue.on_arming)
    return engine, venue


@pytest.fixture
async def kraken() -> AsyncIterator[KrakenRestStandIn]:
    server = KrakenRestStandIn(KEY, SECRET, {"USDT": Decimal("5000"), "BTC": Decimal("0.5")})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def live(
    kraken: KrakenRestStandIn, tmp_path: Path
) -> AsyncIterator[tuple[Engine, CcxtVenue]]:
    engine, venue = make_engine(kraken, tmp_path / "ledger.sqlite")
    await engine.start()
    await venue.poll()
    await engine.execute(Arm(NAME))
    yield engine, venue
    await venue.close()
    await engine.stop()


def limit_buy(price: str, qty: str = "0.01") -> PlaceOrder:
    return PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=Decimal(qty),
                      price=Decimal(price), account=NAME)  # fmt: skip


async def test_place_fill_and_ledger(
    kraken: KrakenRestStandIn, live: tuple[Engine, CcxtVenue]
) -> None:
    engine, venue = live
    assert engine.state.accounts[NAME].balances["BTC"].total == Decimal("0.5")
    order = await engine.place(limit_buy("100000.0"))
    await engine.trading.writer.drain()
    [sent] = kraken.calls("AddOrder")
    assert sent["cl_ord_id"] == order.client_id
    assert (sent["pair"], sent["type"], sent["ordertype"]) == ("XBTUSDT", "buy", "limit")
    assert Decimal(sent["price"]) == Decimal("100000") and Decimal(sent["volume"]) == Decimal(
        "0.01"
    )
    assert order.status is OrderStatus.OPEN
    assert order.venue_order_id == kraken.orders[order.client_id].order_id
    kraken.trade("BTC/USDT", Decimal("99990.0"), Decimal("1"))
    await venue.poll()
    await engine.trading.writer.drain()
    assert order.status is OrderStatus.FILLED and order.filled == Decimal("0.01")
    assert engine.state.accounts[NAME].balances["BTC"].total == Decimal("0.51")
    records = [r for r in engine.trading.ledger.records() if r.client_id == order.client_id]
    assert json.loads(records[0].payload)["status"] == "submitted"  # before the network call
    assert [r.kind for r in records] == ["placed", "accepted", "filled"]


async def test_amend_changes_the_order_in_place_and_keeps_the_queue_on_a_smaller_size(
    kraken: KrakenRestStandIn, live: tuple[Engine, CcxtVenue]
) -> None:
    engine, _ = live
    order = await engine.place(limit_buy("100000.0", "0.02"))
    await engine.trading.writer.drain()
    txid = order.venue_order_id
    assert txid == kraken.orders[order.client_id].order_id
    note = engine.amend_preview(order.client_id, None, Decimal("0.01"))
    assert "Kraken's own amend" in note and "keeps its place" in note
    await engine.execute(AmendOrder(order.client_id, price=Decimal("100100.0")))
    await engine.trading.writer.drain()
    [first] = kraken.calls("AmendOrder")
    assert first["cl_ord_id"] == order.client_id
    assert Decimal(first["limit_price"]) == Decimal("100100") and Decimal(first["order_qty"]) == (
        Decimal("0.02")
    )
    assert len(kraken.calls("AddOrder")) == 1  # the same order, changed: not a new one
    assert kraken.by_id[txid].order.price == Decimal("100100.0")
    assert order.price == Decimal("100100.0") and order.venue_order_id == txid
    await engine.execute(AmendOrder(order.client_id, qty=Decimal("0.015")))
    await engine.trading.writer.drain()
    amended = [json.loads(r.payload) for r in engine.trading.ledger.records()
               if r.client_id == order.client_id and r.kind == "amended"]  # fmt: skip
    assert [a["kept_queue"] for a in amended] == [False, True]
    assert kraken.by_id[txid].order.qty == Decimal("0.015")
    assert order.qty == Decimal("0.015") and order.status is OrderStatus.OPEN


async def test_cancel_by_client_id(
    kraken: KrakenRestStandIn, live: tuple[Engine, CcxtVenue]
) -> None:
    engine, _ = live
    order = await engine.place(limit_buy("100000.0"))
    await engine.execute(CancelOrder(order.client_id))
    await engine.trading.writer.drain()
    [cancel] = kraken.calls("CancelOrder")
    assert cancel["cl_ord_id"] == order.client_id
    assert order.status is OrderStatus.CANCELED
    assert kraken.orders[order.client_id].status == "CANCELED"


async def test_an_exchange_error_in_plain_words(
    kraken: KrakenRestStandIn, live: tuple[Engine, CcxtVenue]
) -> None:
    engine, _ = live
    kraken.fail_next = "EOrder:Insufficient funds"
    order = await engine.place(limit_buy("100000.0"))
    await engine.trading.writer.drain()
    assert order.status is OrderStatus.REJECTED
    assert order.reason == "Kraken: insufficient balance for this order"


async def test_a_timeout_after_kraken_accepted_is_found_by_client_id_not_resent(
    kraken: KrakenRestStandIn, tmp_path: Path
) -> None:
    engine, venue = make_engine(kraken, tmp_path / "ledger.sqlite", timeout_ms=300)
    await engine.start()
    try:
        await venue.poll()
        await engine.execute(Arm(NAME))
        kraken.answer_delay_s = 1.0  # accepted at once, answered after ccxt gave up
        order = await engine.place(limit_buy("100000.0"))
        await engine.trading.writer.drain()
        assert len(kraken.calls("AddOrder")) == 1
        assert order.status is OrderStatus.OPEN
        assert order.venue_order_id == kraken.orders[order.client_id].order_id
        assert kraken.calls("OpenOrders")[-1]["cl_ord_id"] == order.client_id
        await venue.poll()
        await engine.trading.writer.drain()
        assert len(kraken.calls("AddOrder")) == 1
        assert order.status is OrderStatus.OPEN
    finally:
        await venue.close()
        await engine.stop()


async def test_an_order_kraken_never_got_is_reported_after_the_lookups(
    kraken: KrakenRestStandIn, live: tuple[Engine, CcxtVenue]
) -> None:
    engine, venue = live
    kraken.fail_next = "EService:Unavailable"  # no order was made: lookups find nothing
    order = await engine.place(limit_buy("100000.0"))
    await engine.trading.writer.drain()
    assert order.status is OrderStatus.SUBMITTED, order.reason
    for _ in range(venue.tracker.lookup_polls):
        await venue.poll()
    await engine.trading.writer.drain()
    assert order.status is OrderStatus.REJECTED and "never received it" in order.reason
    assert kraken.calls("ClosedOrders")[-1]["cl_ord_id"] == order.client_id
    assert len(kraken.calls("AddOrder")) == 1


async def test_the_dead_mans_switch_cancels_resting_orders_when_not_refreshed(
    kraken: KrakenRestStandIn, live: tuple[Engine, CcxtVenue]
) -> None:
    """Armed, the switch is set to 60 s; tradeterm then stops refreshing it (a crashed Pi):
    Kraken cancels the resting order when it runs out, and the next poll shows that."""
    engine, venue = live
    kraken.dead_man_scale = 0.01  # one Kraken second is 10 ms here
    await until(lambda: kraken.dead_man == [60])
    order = await engine.place(limit_buy("100000.0"))
    await engine.trading.writer.drain()
    assert kraken.orders[order.client_id].status == "NEW"
    await until(lambda: kraken.orders[order.client_id].status == "CANCELED")
    await venue.poll()
    await engine.trading.writer.drain()
    assert order.status is OrderStatus.CANCELED


async def test_disarmed_the_switch_is_off_and_resting_orders_stay(
    kraken: KrakenRestStandIn, live: tuple[Engine, CcxtVenue]
) -> None:
    engine, _ = live
    kraken.dead_man_scale = 0.01
    await until(lambda: kraken.dead_man == [60])
    order = await engine.place(limit_buy("100000.0"))
    await engine.execute(Disarm(NAME))
    await until(lambda: kraken.dead_man == [60, 0])
    await asyncio.sleep(1.0)  # well past the 0.6 s the switch had left
    assert kraken.orders[order.client_id].status == "NEW"
