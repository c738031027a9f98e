"""A venue's answer to an order the user placed is drawn in the loop's next turn, not at the
refresh tick: a live exchange's acknowledgement arrives outside any key's turn, and at the
default 10 Hz the row waited 92 ms (median) for the tick before this."""

from __future__ import annotations

from pathlib import Path

from tests.ui.trading_kit import WIDE, D, paper_rig, table_text, until
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side


def _buy(price: str, tag: str = "") -> PlaceOrder:
    return PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D(price), tag=tag)


async def test_an_answer_to_a_manual_order_is_drawn_before_the_next_tick(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    app, engine = rig.app, rig.engine
    async with app.run_test(size=WIDE) as pilot:
        refresher = app.refresher
        await until(pilot, lambda: refresher.idle)  # the market is still: the tick rests
        refresher.refresh_hz = 0.05  # from here, one tick in twenty seconds
        refresher.wake()  # awake, so the idle wake-up cannot draw the row either
        await pilot.pause()
        frames = refresher.frames

        async def shown(order_price: str, tag: str = "") -> bool:
            refresher.hurry()  # as a key of the user's does
            order = await engine.place(_buy(order_price, tag))
            for venue in rig.venues.values():
                venue.poll()
            await engine.trading.writer.drain()
            for _ in range(3):
                await pilot.pause()
            assert order.is_open
            return any(
                order_price in line.replace(",", "") for line in table_text(app.orders.table)
            )

        assert await shown("41234")  # the user's order: drawn at once
        assert refresher.frames == frames  # ... and not by a tick
        assert not await shown("41235", tag="grid-1")  # a strategy's waits for the tick
        refresher.tick()
        assert any("41235" in line.replace(",", "") for line in table_text(app.orders.table))
