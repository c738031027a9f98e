"""What the orders, fills and scanner tables keep in view: the newest rows at the top unless
the user scrolled away; and what the orders pane shows of stops and ids."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from textual.pilot import Pilot

from tests.ui.conftest import Rig, build_rig
from tests.ui.scanner_kit import redraw
from tests.ui.trading_kit import WIDE, D, execute, paper_rig, table_text
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.orders import Order
from tradeterm.ui.panes.orders import short_ids
from tradeterm.ui.panes.scanner_rows import COLUMN_INDEX


async def place(rig: Rig, pilot: Pilot[None], cmd: PlaceOrder) -> Order:
    order = await rig.engine.place(cmd)
    await rig.settle(pilot)
    return order


def rest(price: int) -> PlaceOrder:
    return PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D(price))


def shown_prices(rig: Rig) -> list[str]:
    """The limit price of each order row on screen, top to bottom (each test gives each order
    its own price)."""
    lines = table_text(rig.app.orders.table)[1:]
    return [re.findall(r"\b6\d,\d{3}\.\d\b", line)[0] for line in lines if line.strip()]


def price_of(order: Order) -> str:
    assert order.price is not None
    return f"{order.price:,.1f}"


async def test_new_orders_appear_at_the_top_and_stay_in_view(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        placed: list[Order] = []
        for n in range(9):
            placed.append(await place(rig, pilot, rest(60000 + n)))
            on_screen = shown_prices(rig)
            # the newest order is the first row, whatever the pane's height
            assert on_screen == [price_of(o) for o in reversed(placed)][: len(on_screen)], n
        assert len(shown_prices(rig)) < len(placed)  # too short for all nine: the oldest are out
        assert str(rig.app.orders_pane.border_title) == "6 Orders (9)"


async def test_a_user_who_scrolled_down_keeps_their_place(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    table = rig.app.orders.table
    async with rig.app.run_test(size=WIDE) as pilot:
        for n in range(9):
            await place(rig, pilot, rest(60000 + n))
        await pilot.press("6", "end")  # the oldest order, at the bottom of the view
        chosen = table.cursor_key
        before = shown_prices(rig)
        assert before[-1] == "60,000.0" and before[0] != "60,008.0"
        await place(rig, pilot, rest(61000))
        assert shown_prices(rig) == before  # the same rows, in the same place
        assert table.cursor_key == chosen
        await pilot.press("home")  # back to the top: the newest shows, and is followed
        newest = await place(rig, pilot, rest(61001))
        assert table.cursor_key == newest.client_id
        assert shown_prices(rig)[0] == "61,001.0"


async def test_a_row_the_user_chose_stays_chosen_as_orders_arrive(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    table = rig.app.orders.table
    async with rig.app.run_test(size=WIDE) as pilot:
        for n in range(3):
            await place(rig, pilot, rest(60000 + n))
        await pilot.press("6", "down")
        chosen = table.cursor_key
        assert chosen == table.ordered_keys[1]
        await place(rig, pilot, rest(60500))
        assert table.cursor_key == chosen  # c would still cancel the order the user chose
        assert shown_prices(rig)[0] == "60,500.0"


async def test_new_fills_appear_at_the_top_and_stay_in_view(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    table = rig.app.fills.table
    async with rig.app.run_test(size=WIDE) as pilot:
        for n in range(1, 10):
            qty = D("0.001") * n
            await place(rig, pilot, PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=qty))
            first = table_text(table)[1].split()
            assert first[first.index("buy") + 2] == f"{qty:.5f}", (n, first)  # TIME SYM buy PX
        assert table.row_count > len([line for line in table_text(table)[1:] if line.strip()])


async def test_the_scanner_shows_the_top_of_a_new_sort() -> None:
    rig = build_rig()
    table = rig.app.scanner.table
    async with rig.app.run_test(size=WIDE) as pilot:
        await redraw(rig, pilot)
        await pilot.press("3")
        # by last price, lowest first: the row the cursor was on (the most traded) goes last
        table.sort_by(COLUMN_INDEX["last"], reverse=False)
        await pilot.pause()
        top = [line.split()[0].lstrip("▸") for line in table_text(table)[1:4]]
        assert top == table.ordered_keys[:3]
        assert table.cursor_key == table.ordered_keys[0]


def test_short_ids_are_the_shortest_unique_endings() -> None:
    ids = ["ttk3x91", "ttk3x2", "ttk3x12", "tta9x12", "ab1", "XAB1"]
    assert short_ids(ids) == {
        "ttk3x91": "x91",
        "ttk3x2": "3x2",
        "ttk3x12": "3x12",  # "x12" ends both
        "tta9x12": "9x12",
        "ab1": "ab1",  # every ending of it also ends "XAB1": the whole id, an exact match
        "XAB1": "XAB1",  # case does not tell ids apart: cancel ignores it
    }


@given(st.sets(st.text("aB1b", min_size=1, max_size=7), max_size=14))
def test_a_short_id_is_the_shortest_ending_no_other_id_has(ids: set[str]) -> None:
    shown = short_ids(sorted(ids))
    for cid, short in shown.items():
        others = [o.lower() for o in ids if o != cid]
        assert cid.endswith(short) and len(short) >= min(3, len(cid))
        assert short == cid or not any(o.endswith(short.lower()) for o in others)
        if len(short) > 3:  # one character less would be shared
            assert any(o.endswith(short[1:].lower()) for o in others)


async def test_stops_show_their_trigger_and_ids_work_with_cancel(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    table = rig.app.orders.table
    async with rig.app.run_test(size=WIDE) as pilot:
        stop_market = await place(
            rig,
            pilot,
            PlaceOrder(
                "BTC/USDT", Side.SELL, OrderType.STOP_MARKET, qty=D("0.01"), stop_price=D(66000)
            ),
        )
        stop_limit = await place(
            rig,
            pilot,
            PlaceOrder(
                "BTC/USDT",
                Side.SELL,
                OrderType.STOP_LIMIT,
                qty=D("0.01"),
                price=D("65900"),
                stop_price=D("66000"),
            ),
        )
        trailing = await place(
            rig,
            pilot,
            PlaceOrder("BTC/USDT", Side.SELL, OrderType.TRAILING_STOP, qty=D("0.01"), trail=D(900)),
        )
        header = table_text(table)[0].split()
        assert header[:6] == ["ID", "SYMBOL", "SIDE", "TYPE", "PRICE", "TRIGGER"]

        def row(order: Order) -> str:
            ids = short_ids(table.ordered_keys)
            line = next(li for li in table_text(table) if li.startswith(ids[order.client_id]))
            return " ".join(line.split())

        assert "stop-mkt market 66,000.0 0.01000" in row(stop_market)
        assert "stop-lmt 65,900.0 66,000.0 0.01000" in row(stop_limit)
        assert "trail·emu market trail 900.0 0.01000" in row(trailing)  # no trade seen yet
        # trades move the trailing stop; the pane follows
        rig.feed.step(rig.engine, 200)
        await rig.settle(pilot)
        await pilot.pause(0.3)  # the orders pane redraws at the slow rate
        await rig.settle(pilot)
        stop = rig.engine.state.account.orders[trailing.client_id].stop_price
        assert stop is not None
        assert f"market trail 900.0 → {stop:,.1f} 0.01000" in row(trailing)
        # each id shown is one that cancel takes
        ids = short_ids(table.ordered_keys)
        assert all(len(short) < len(cid) for cid, short in ids.items())
        for order in (stop_limit, trailing):
            await execute(rig, pilot, f"cancel {ids[order.client_id]}")
            assert rig.engine.state.account.orders[order.client_id].status is (OrderStatus.CANCELED)
        assert table.ordered_keys == [stop_market.client_id]
