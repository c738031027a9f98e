"""The order history (h, and the palette): finished orders, newest first, with their reasons;
open orders are not in it; a newly finished order appears while it is open."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette

from tests.ui.trading_kit import WIDE, D, paper_rig, set_book, table_text
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.errors import OrderRejected
from tradeterm.ui.screens.history import OrderHistoryScreen


def limit(price: str, **kwargs: object) -> PlaceOrder:
    return PlaceOrder(
        "BTC/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D(price), **kwargs
    )  # type: ignore[arg-type]


async def test_h_lists_finished_orders_newest_first_with_reasons(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    engine = rig.engine
    async with rig.app.run_test(size=WIDE) as pilot:
        resting = await engine.place(limit("60000"))
        for cmd in (
            PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=D("0.01")),
            limit("50000", tif=TimeInForce.IOC),
        ):
            rig.clock.advance(1)
            await engine.place(cmd)
            await rig.settle(pilot)
        # a book that empties before an IOC order reaches it: the venue refuses the order
        rig.clock.advance(1)
        set_book(rig, "SOL/USDT", [], [])
        await engine.place(PlaceOrder("SOL/USDT", Side.BUY, OrderType.LIMIT, qty=D(1),
                                      price=D(150), tif=TimeInForce.IOC))  # fmt: skip
        await rig.settle(pilot)
        rig.clock.advance(1)
        await engine.cancel(resting.client_id)
        still_open = await engine.place(limit("60001"))
        await rig.settle(pilot)
        account = engine.state.account
        finished = [o for o in account.orders.values() if o.status.is_final]
        statuses = [o.status for o in sorted(finished, key=lambda o: o.updated_ns, reverse=True)]
        assert statuses == [OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED,
                            OrderStatus.FILLED]  # fmt: skip

        await pilot.press("h")
        screen = rig.app.screen
        assert isinstance(screen, OrderHistoryScreen)
        await pilot.pause()
        lines = table_text(screen.table)
        assert lines[0].split()[:4] == ["TIME", "SYMBOL", "SIDE", "TYPE"]
        rows = [line for line in lines[1:] if line.strip()]
        assert [r.split()[8] for r in rows] == ["canceled", "rejected", "expired", "filled"]
        # newest first, at the time each ended (the clock started at 12:34:56)
        assert [r.split()[1] for r in rows] == ["12:35:00", "12:34:59", "12:34:58", "12:34:57"]
        for row, status in zip(rows, ("canceled", "rejected", "expired", "filled"), strict=True):
            order = next(o for o in finished if o.status.value == status)
            assert order.reason == "" or order.reason[:20] in row, (order.reason, row)
        rejected = next(o for o in finished if o.status is OrderStatus.REJECTED)
        assert rejected.reason  # the venue said why, and the history shows it
        filled = next(o for o in finished if o.status is OrderStatus.FILLED)
        assert filled.avg_price is not None and f"{filled.avg_price:,.1f}" in rows[3]
        assert str(screen.query_one("#history-box").border_title) == ("Order history · paper (4)")
        assert still_open.client_id not in screen.table.ordered_keys

        # an order that finishes while the history is open appears at the top
        rig.clock.advance(1)
        await engine.cancel(still_open.client_id)
        await rig.settle(pilot)
        await pilot.pause(1.2)
        assert screen.table.ordered_keys[0] == still_open.client_id
        # an order tradeterm's own checks refuse is on record too, DENIED with its reason
        rig.clock.advance(1)
        with pytest.raises(OrderRejected):
            await engine.place(limit("60000.05"))  # not a multiple of the tick
        await pilot.pause(1.2)
        top = table_text(screen.table)[1]
        assert "denied" in top and "60000.05" in top, top
        await pilot.press("escape")
        assert not isinstance(rig.app.screen, OrderHistoryScreen)

        # the palette opens it too
        await pilot.press("ctrl+p")
        assert isinstance(rig.app.screen, CommandPalette)
        await pilot.press(*"orders: hist")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(rig.app.screen, OrderHistoryScreen)
