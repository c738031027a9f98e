"""Live orders end to end: command -> risk -> CcxtVenue -> real ccxt -> Binance stand-in ->
polling -> ledger, and what goes wrong on the way (disarmed, timeout, errors, late fills)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import ACCOUNT, LiveRig
from tradeterm.domain.commands import Arm, PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import OrderRejected


def limit_buy(price: str, qty: str = "0.01") -> PlaceOrder:
    return PlaceOrder(
        "BTC/USDT",
        Side.BUY,
        OrderType.LIMIT,
        qty=Decimal(qty),
        price=Decimal(price),
        account=ACCOUNT,
    )


async def settle(rig: LiveRig) -> None:
    await rig.engine.trading.writer.drain()


async def test_balances_come_from_the_exchange(rig: LiveRig) -> None:
    account = rig.engine.state.accounts[ACCOUNT]
    assert account.balances["USDT"].total == rig.standin.balances["USDT"]
    assert account.balances["BTC"].total == rig.standin.balances["BTC"]


async def test_disarmed_order_is_refused_and_nothing_reaches_the_exchange(rig: LiveRig) -> None:
    with pytest.raises(OrderRejected) as refused:
        await rig.engine.execute(limit_buy("60000"))
    assert "DISARMED" in str(refused.value)
    assert ":arm" in str(refused.value)
    assert rig.standin.posts() == []


async def test_armed_order_goes_to_the_exchange_and_its_fill_reaches_the_ledger(
    rig: LiveRig,
) -> None:
    await rig.engine.execute(Arm(ACCOUNT))
    order = await rig.engine.place(limit_buy("60000.00"))
    await settle(rig)
    [sent] = rig.standin.posts()
    assert sent["newClientOrderId"] == order.client_id
    assert sent["price"] == "60000" and sent["quantity"] == "0.01"
    assert order.status is OrderStatus.OPEN
    assert order.venue_order_id == str(rig.standin.orders[order.client_id].order_id)
    rig.standin.trade("BTC/USDT", Decimal("59990.00"), Decimal("1"))
    await rig.venue.poll()
    await settle(rig)
    assert order.status is OrderStatus.FILLED
    assert order.filled == Decimal("0.01")
    account = rig.engine.state.accounts[ACCOUNT]
    assert account.balances["BTC"].total == Decimal("0.51")
    kinds = [
        (r.kind, json.loads(r.payload).get("status"))
        for r in rig.engine.trading.ledger.records()
        if r.client_id == order.client_id
    ]
    assert kinds[0] == ("placed", "submitted")
    assert [k for k, _ in kinds] == ["placed", "accepted", "filled"]
