"""Orders the engine holds: TRIGGERED is journaled so a restart never fires twice, and an
amend of a held stop-limit keeps its new limit price."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from trading_rig import D, build_stack

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.engine.ledger import Ledger

ETH = "ETH/USDT"
BIDS = [("3000.00", "1.0"), ("2999.00", "2.0"), ("2998.00", "5.0")]
ASKS = [("3001.00", "1.5"), ("3002.00", "2.0"), ("3003.00", "4.0")]


def kinds(path: Path, client_id: str) -> list[str]:
    ledger = Ledger(path)
    try:
        return [r.kind for r in ledger.records() if r.client_id == client_id]
    finally:
        ledger.close()


async def test_a_restart_between_trigger_and_fill_never_fires_again(tmp_path: Path) -> None:
    first = await build_stack(tmp_path, latency_ms=50)
    first.book(ETH, BIDS, ASKS)
    first.trade(ETH, "3000.00", "0.1", Side.BUY)
    stop = await first.engine.place(
        PlaceOrder(ETH, Side.SELL, OrderType.TRAILING_STOP, qty=D("1"), trail=D("20"))
    )
    first.trade(ETH, "2979.00", "0.1", Side.SELL)  # fires: its market sell is now in flight
    await first.engine.trading.writer.drain()
    assert stop.status is OrderStatus.TRIGGERED and stop.filled == 0
    first.engine.trading.ledger.close()  # type: ignore[union-attr]  # the process dies here

    second = await build_stack(tmp_path, latency_ms=50)
    second.book(ETH, BIDS, ASKS)
    for price in ("3000.00", "3050.00", "2970.00", "2900.00"):  # would fire a watched stop
        second.trade(ETH, price, "0.1", Side.SELL)
    second.clock.advance(1)
    await second.settle()
    again = second.account.orders[stop.client_id]
    assert kinds(second.ledger_path, stop.client_id).count("triggered") == 1
    assert again.filled == 0 and second.account.fills == type(second.account.fills)()
    assert again.status is OrderStatus.EXPIRED  # the paper venue lost the in-flight sell
    assert "in flight" in again.reason
    assert second.account.balance("ETH").total == D("2")  # sold nothing, let alone twice


async def test_amending_a_held_stop_limit_keeps_the_new_limit_price(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    s.trade(ETH, "3000.00", "0.1", Side.BUY)
    order = await s.engine.trading.place(
        PlaceOrder(
            ETH,
            Side.SELL,
            OrderType.STOP_LIMIT,
            qty=D("1"),
            price=D("2980.00"),
            stop_price=D("2990.00"),
        ),
        emulate=True,
    )
    await s.engine.amend(order.client_id, D("3005.00"), D("1"))
    await s.settle()
    assert order.price == D("3005.00") and order.status is OrderStatus.EMULATED
    s.trade(ETH, "2990.00", "0.1", Side.SELL)  # the trigger trades: a limit sell goes out
    await s.settle()
    assert order.status is OrderStatus.TRIGGERED
    assert s.venues["paper"].resting(ETH) == [(order.client_id, Side.SELL, D("3005.00"), D("1"))]


async def test_moving_a_held_stops_trigger(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    s.trade(ETH, "3000.00", "0.1", Side.BUY)
    order = await s.engine.trading.place(
        PlaceOrder(ETH, Side.SELL, OrderType.STOP_MARKET, qty=D("1"), stop_price=D("2990.00")),
        emulate=True,
    )
    await s.engine.trading.amend(order.client_id, None, D("1"), stop_price=D("2950.00"))
    await s.settle()
    assert order.stop_price == D("2950.00")
    s.trade(ETH, "2980.00", "0.1", Side.SELL)  # under the old trigger, above the new one
    await s.settle()
    assert order.status is OrderStatus.EMULATED and order.filled == 0
    s.trade(ETH, "2950.00", "0.1", Side.SELL)
    await s.settle()
    assert order.status is OrderStatus.FILLED


async def test_a_fired_stop_goes_to_the_venue_only_once_triggered_is_on_disk(
    tmp_path: Path,
) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    s.trade(ETH, "3000.00", "0.1", Side.BUY)
    order = await s.engine.trading.place(
        PlaceOrder(
            ETH,
            Side.SELL,
            OrderType.STOP_LIMIT,
            qty=D("1"),
            price=D("3005.00"),
            stop_price=D("2990.00"),
        ),
        emulate=True,
    )
    await s.settle()
    gate = threading.Event()  # the disk is slow: nothing is written until the gate opens
    ledger = s.engine.trading.ledger
    assert ledger is not None
    write = ledger.append
    ledger.append = lambda records: (gate.wait(10), write(records))[1]  # type: ignore[method-assign]
    s.trade(ETH, "2990.00", "0.1", Side.SELL)  # fires
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert s.venues["paper"].resting(ETH) == []  # not sent: TRIGGERED is not durable yet
    gate.set()
    await s.settle()
    assert order.status is OrderStatus.TRIGGERED
    assert s.venues["paper"].resting(ETH) == [(order.client_id, Side.SELL, D("3005.00"), D("1"))]
