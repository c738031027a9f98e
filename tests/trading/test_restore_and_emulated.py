"""Restart from the ledger, and the engine-emulated types: trailing stop, OCO, bracket."""

from __future__ import annotations

from pathlib import Path

import pytest
from trading_rig import D, build_stack

from tradeterm.domain.commands import PlaceOco, PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import OrderRejected

ETH = "ETH/USDT"
BIDS = [("3000.00", "1.0"), ("2999.00", "2.0"), ("2998.00", "5.0")]
ASKS = [("3001.00", "1.5"), ("3002.00", "2.0"), ("3003.00", "4.0")]


def snapshot(engine) -> dict[str, object]:  # type: ignore[no-untyped-def]
    account = engine.state.account
    return {
        "balances": {a: (b.total, b.reserved) for a, b in account.balances.items()},
        "positions": {s: (p.qty, p.avg_cost, p.realized_pnl) for s, p in account.positions.items()},
        "orders": {
            cid: (o.status, o.filled, o.qty, o.price, o.reserved)
            for cid, o in account.orders.items()
        },
        "fills": [(f.fill_id, f.price, f.qty) for f in account.fills],
    }


async def test_restart_restores_balances_positions_and_open_orders(tmp_path: Path) -> None:
    first = await build_stack(tmp_path)
    first.book(ETH, BIDS, ASKS)
    await first.engine.place(PlaceOrder(ETH, Side.BUY, OrderType.MARKET, qty=D("1.2")))
    resting = await first.engine.place(
        PlaceOrder(ETH, Side.SELL, OrderType.LIMIT, qty=D("1"), price=D("3050.00"))
    )
    partly = await first.engine.place(
        PlaceOrder(ETH, Side.BUY, OrderType.LIMIT, qty=D("2"), price=D("2990.00"))
    )
    await first.settle()
    first.trade(ETH, "2990.00", "0.4", Side.SELL)  # no queue ahead at 2990: fills 0.4
    await first.settle()
    assert partly.filled == D("0.4")
    before = snapshot(first.engine)
    first.engine.trading.ledger.close()  # type: ignore[union-attr]

    second = await build_stack(tmp_path)  # same ledger file, fresh process state
    assert snapshot(second.engine) == before
    # the engine resumes matching restored orders: a print through 3050 fills the sell
    second.book(ETH, BIDS, ASKS)
    second.trade(ETH, "3051.00", "5", Side.BUY)
    await second.settle()
    assert second.account.orders[resting.client_id].status is OrderStatus.FILLED


async def test_trailing_stop_follows_the_high_then_sells(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    s.trade(ETH, "3000.00", "0.1", Side.BUY)
    order = await s.engine.place(
        PlaceOrder(ETH, Side.SELL, OrderType.TRAILING_STOP, qty=D("1"), trail=D("20"))
    )
    await s.settle()
    assert order.emulated and order.status is OrderStatus.EMULATED
    for price in ("3010.00", "3040.00", "3030.00", "3021.00"):
        s.trade(ETH, price, "0.1", Side.BUY)
    await s.settle()
    assert order.stop_price == D("3020.00") and order.filled == 0  # trails 3040 by 20
    s.trade(ETH, "3020.00", "0.1", Side.SELL)
    await s.settle()
    assert order.status is OrderStatus.FILLED and order.filled == D("1")
    assert order.cost == D("3000.00")  # sold into the best bid of the hand-made book


async def test_bracket_places_an_oco_exit_when_the_entry_fills(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    entry = await s.engine.place(
        PlaceOrder(
            ETH,
            Side.BUY,
            OrderType.MARKET,
            qty=D("1"),
            take_profit=D("3100.00"),
            stop_loss=D("2950.00"),
        )
    )
    await s.settle()
    exits = [o for o in s.account.orders.values() if o.group == entry.client_id]
    tp = next(o for o in exits if o.type is OrderType.LIMIT)
    sl = next(o for o in exits if o.type is OrderType.STOP_MARKET)
    assert (tp.side, tp.price, tp.qty) == (Side.SELL, D("3100.00"), D("1"))
    assert (sl.side, sl.stop_price, sl.qty, sl.emulated) == (Side.SELL, D("2950.00"), D("1"), True)
    # the pair holds the ETH once, not twice
    assert s.account.balance("ETH").reserved == D("1")
    # the stop fires: the take-profit is cancelled, then the stop sells at market
    s.book(ETH, [("2949.00", "3.0")], [("2951.00", "3.0")])
    s.trade(ETH, "2949.00", "0.5", Side.SELL)
    await s.settle()
    await s.settle()
    assert tp.status is OrderStatus.CANCELED
    assert sl.status is OrderStatus.FILLED and sl.cost == D("2949.00")
    assert s.account.balance("ETH").reserved == 0


async def test_oco_take_profit_fill_cancels_the_stop(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    tp, sl = await s.engine.execute(PlaceOco(ETH, Side.SELL, D("1"), D("3100.00"), D("2900.00")))
    await s.settle()
    s.trade(ETH, "3101.00", "2", Side.BUY)  # through the take-profit
    await s.settle()
    assert tp.status is OrderStatus.FILLED
    assert sl.status is OrderStatus.CANCELED
    assert s.account.balance("ETH").total == D("1")
    assert s.account.balance("ETH").reserved == 0


async def test_bracket_prices_must_surround_the_entry(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    with pytest.raises(OrderRejected, match="stop-loss < entry"):
        await s.engine.place(
            PlaceOrder(
                ETH,
                Side.BUY,
                OrderType.LIMIT,
                qty=D("1"),
                price=D("3000.00"),
                take_profit=D("2990.00"),
                stop_loss=D("2950.00"),
            )
        )


async def test_restart_keeps_emulated_orders_watching(tmp_path: Path) -> None:
    first = await build_stack(tmp_path)
    first.book(ETH, BIDS, ASKS)
    first.trade(ETH, "3000.00", "0.1", Side.BUY)
    order = await first.engine.place(
        PlaceOrder(ETH, Side.SELL, OrderType.TRAILING_STOP, qty=D("1"), trail=D("20"))
    )
    await first.settle()
    first.engine.trading.ledger.close()  # type: ignore[union-attr]
    second = await build_stack(tmp_path)
    second.book(ETH, BIDS, ASKS)
    second.trade(ETH, "3000.00", "0.1", Side.BUY)
    second.trade(ETH, "2979.00", "0.1", Side.SELL)
    await second.settle()
    assert second.account.orders[order.client_id].status is OrderStatus.FILLED
