"""Binance spot's private stream end to end: command -> risk -> ccxt -> the Binance stand-in,
whose user data stream (WebSocket API ``userDataStream.subscribe.signature`` on a real
websocket on 127.0.0.1) moves the order on through ccxt.pro's ``watch_orders`` /
``watch_my_trades`` -> ledger. The REST poll is set to an hour, so what happens within
seconds came from the stream; a dropped stream reconnects and one REST sweep after it
recovers what was missed."""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from pathlib import Path

from binance_stream_kit import limit_buy, stream_rig
from live_kit import ACCOUNT, API_KEY, SECRET, until

from tradeterm.domain.commands import AmendOrder, CancelOrder
from tradeterm.domain.enums import OrderStatus
from tradeterm.logsetup import setup_logging


async def test_an_order_goes_open_and_filled_from_the_stream_not_the_poll(
    tmp_path: Path,
) -> None:
    async with stream_rig(tmp_path) as rig:
        engine, binance = rig.engine, rig.binance
        binance.answer_delay_s = 1.0  # the order's REST answer comes late: the stream is first
        placing = asyncio.get_running_loop().create_task(engine.place(limit_buy("60000.00")))
        await until(lambda: len(binance.posts()) == 1)
        [order] = engine.state.accounts[ACCOUNT].orders.values()
        await until(lambda: order.status is OrderStatus.OPEN, seconds=0.9)
        assert not placing.done()  # OPEN before the REST answer: the stream said so
        assert order.venue_order_id == str(binance.orders[order.client_id].order_id)
        await placing
        polls, asked = rig.polls(), rig.sweep_calls()
        started = time.monotonic()
        binance.trade("BTC/USDT", Decimal("59990.00"), Decimal("1"))
        await until(lambda: order.status is OrderStatus.FILLED)
        assert time.monotonic() - started < 5.0  # the poll comes every hour
        assert (rig.polls(), rig.sweep_calls()) == (polls, asked)  # no REST round asked
        assert order.filled == Decimal("0.01")
        await rig.settle()
        records = [r for r in engine.trading.ledger.records() if r.client_id == order.client_id]
        assert [r.kind for r in records] == ["placed", "accepted", "filled"]
        [trade] = binance.my_trades
        fills = [f for f in engine.state.accounts[ACCOUNT].fills if f.client_id == order.client_id]
        assert [f.fill_id for f in fills] == [f"{ACCOUNT}:{trade['id']}"]  # the report's t


async def test_a_cancel_and_an_amend_come_through_the_stream(tmp_path: Path) -> None:
    """Binance's edit is a cancel-replace: the stream reports the old order CANCELED and a new
    one NEW under the same client id; the order goes on. A real cancel ends it."""
    async with stream_rig(tmp_path) as rig:
        engine, binance = rig.engine, rig.binance
        order = await engine.place(limit_buy("60000.00", "0.02"))
        await until(lambda: order.status is OrderStatus.OPEN)
        first = order.venue_order_id
        await engine.execute(AmendOrder(order.client_id, price=Decimal("60001.00")))
        assert len(binance.posts("order/cancelReplace")) == 1
        await until(lambda: any('"x": "CANCELED"' in t for _, t in binance.frames))
        await asyncio.sleep(0.2)  # the old order's CANCELED report has been taken in
        assert order.status is OrderStatus.OPEN and order.price == Decimal("60001.00")
        replaced = str(binance.orders[order.client_id].order_id)
        assert replaced != first
        binance.trade("BTC/USDT", Decimal("60001.00"), Decimal("0.005"))
        await until(lambda: order.filled == Decimal("0.005"))
        assert order.status is OrderStatus.PARTIALLY_FILLED
        asked = rig.sweep_calls()
        binance.hold_stream = True  # the cancel's answer (REST) comes first, then the stream
        await engine.execute(CancelOrder(order.client_id))
        await until(lambda: order.status is OrderStatus.CANCELED)
        binance.release_stream()
        await asyncio.sleep(0.2)
        assert order.status is OrderStatus.CANCELED and order.filled == Decimal("0.005")
        assert rig.sweep_calls() - asked <= 1  # the cancel asks for the trades once


async def test_a_dropped_stream_reconnects_and_one_sweep_recovers_what_it_missed(
    tmp_path: Path,
) -> None:
    async with stream_rig(tmp_path) as rig:
        engine, binance, venue = rig.engine, rig.binance, rig.venue
        assert venue.stream is not None
        filled = await engine.place(limit_buy("60000.00"))
        website = await engine.place(limit_buy("59000.00"))
        await until(lambda: website.status is OrderStatus.OPEN)
        polls = rig.polls()
        binance.refuse = True  # down: no connection is taken
        await binance.drop()
        await until(lambda: not venue.stream.up and rig.polls() == polls + 1)  # polled at once
        await asyncio.sleep(0.3)  # a few refused reconnections meanwhile (backoff)
        await binance.cancel_on_website(website.client_id)
        binance.trade("BTC/USDT", Decimal("59990.00"), Decimal("1"))  # the other one fills
        assert binance.subscribers() == 0  # nobody heard it
        assert rig.polls() == polls + 1  # and nobody asked
        assert filled.status is OrderStatus.OPEN and website.status is OrderStatus.OPEN
        binance.refuse = False
        await until(lambda: venue.stream.up and venue.stream.connections == 2, seconds=30)
        await until(
            lambda: filled.status is OrderStatus.FILLED and website.status is OrderStatus.CANCELED
        )
        await until(lambda: rig.polls() == polls + 2)  # the one sweep after the reconnection
        await asyncio.sleep(0.3)
        assert rig.polls() == polls + 2
        assert filled.filled == Decimal("0.01")
        assert binance.connections == 2


async def test_keys_never_reach_a_log_or_a_file(tmp_path: Path) -> None:
    """tradeterm's log (at DEBUG: book and file) and the ledger hold neither the key nor the
    secret; the secret never crosses the websocket (only the signature of the subscription
    does, and the key where Binance's request requires it); no listenKey is ever made."""
    book = setup_logging(tmp_path / "logs", "debug")
    try:
        async with stream_rig(tmp_path) as rig:
            engine, binance = rig.engine, rig.binance
            order = await engine.place(limit_buy("60000.00"))
            binance.trade("BTC/USDT", Decimal("59990.00"), Decimal("1"))
            await until(lambda: order.status is OrderStatus.FILLED)
            await binance.drop()
            await until(lambda: rig.venue.stream is not None and rig.venue.stream.connections == 2)
            await rig.settle()
    finally:
        logger = logging.getLogger("tradeterm")
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        logger.propagate = True
    subscribes = [t for d, t in binance.frames if d == "in" and "userDataStream" in t]
    assert len(subscribes) == 2  # one per connection, each signed
    for _, text in binance.frames:
        assert SECRET not in text
    assert not any("listenKey" in t for _, t in binance.frames)
    assert not any("userDataStream" in path for _, path, _ in binance.requests)
    logged = (tmp_path / "logs" / "tradeterm.log").read_text() + "\n".join(
        e.message for e in book.entries
    )
    assert "private stream open" in logged and "private stream dropped" in logged
    assert API_KEY not in logged and SECRET not in logged
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "ledger.sqlite" for p in written)
    for path in written:
        content = path.read_bytes()
        assert API_KEY.encode() not in content, path
        assert SECRET.encode() not in content, path
