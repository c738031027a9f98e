"""Where the panes go (all nine on screen from 120x32, the chart under the scanner, the
fills under the orders and the alerts under the log; three columns from 200 wide; tabs below
120x32) and what they cost: orders redraw at the slow rate, own-order markers only when
orders change, hidden panes not at all."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from textual.geometry import Region

from tests.ui.conftest import Rig
from tests.ui.trading_kit import D, paper_rig
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.ui.refresh import IDLE_HZ, SLOW_HZ

PANES = (
    "scanner-pane-box",
    "book-pane",
    "tape-pane",
    "chart-pane",
    "positions-pane",
    "orders-pane",
    "fills-pane",
    "log-pane",
    "alerts-pane",
)


def regions(rig: Rig) -> dict[str, Region]:
    return {pane: rig.app.query_one(f"#{pane}").region for pane in PANES}


async def test_every_pane_is_on_screen_at_120x40_and_in_three_columns_at_200(rig: Rig) -> None:
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = Region(0, 0, 120, 40)
        shown = regions(rig)
        for pane, region in shown.items():
            assert region.width >= 20 and region.height >= 5, (pane, region)
            assert screen.contains_region(region), (pane, region)
        for a in PANES:  # no two panes overlap
            for b in PANES:
                assert a == b or not shown[a].overlaps(shown[b]), (a, b)
        # 120 wide: the chart sits under the scanner, the fills under the orders
        assert shown["chart-pane"].x == shown["scanner-pane-box"].x
        assert shown["chart-pane"].y > shown["scanner-pane-box"].y
        assert shown["fills-pane"].x == shown["orders-pane"].x
        assert shown["fills-pane"].y > shown["orders-pane"].y
        assert shown["alerts-pane"].x == shown["log-pane"].x
        assert shown["alerts-pane"].y > shown["log-pane"].y
        assert rig.app.chart.size.height >= 8
        assert rig.app.alerts_pane.table.size.height >= 3  # header and two alerts
        assert rig.app.scanner.table.size.height >= 8

        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        shown = regions(rig)
        top = {shown[p].y for p in ("scanner-pane-box", "book-pane", "tape-pane", "chart-pane")}
        bottom = {shown[p].y for p in ("positions-pane", "orders-pane", "fills-pane", "log-pane")}
        assert len(top) == 1 and len(bottom) == 1
        assert shown["alerts-pane"].x == shown["log-pane"].x
        assert shown["alerts-pane"].y > shown["log-pane"].y
        xs = [shown[p].x for p in ("scanner-pane-box", "book-pane", "tape-pane", "chart-pane")]
        assert xs == sorted(xs)
        xs = [shown[p].x for p in ("positions-pane", "orders-pane", "fills-pane", "log-pane")]
        assert xs == sorted(xs)

        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert rig.app.query_one("#tabs").display
        await pilot.press("6")
        shown = regions(rig)
        assert shown["orders-pane"].height >= 6 and shown["fills-pane"].height >= 6
        assert shown["fills-pane"].y > shown["orders-pane"].y
        assert all(shown[p].area == 0 for p in PANES if p not in ("orders-pane", "fills-pane"))
        await pilot.press("9")
        shown = regions(rig)
        assert shown["log-pane"].height >= 6 and shown["alerts-pane"].height >= 5
        assert rig.app.focused is rig.app.alerts_pane.table


async def test_orders_redraw_at_the_slow_rate_own_markers_only_on_order_changes(
    tmp_path: Path,
) -> None:
    rig = paper_rig(tmp_path)
    app = rig.app
    calls = {"orders": 0, "own": 0}
    show, set_own = app.orders.show, app.ladder.set_own

    def counted_show(*args: Any) -> None:
        calls["orders"] += 1
        show(*args)

    def counted_own(*args: Any) -> None:
        calls["own"] += 1
        set_own(*args)

    app.orders.show = counted_show  # type: ignore[method-assign]
    app.ladder.set_own = counted_own  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        calls.update(orders=0, own=0)
        drawn = app.ladder.render_count
        # a busy book alone: no order changed, so neither the pane nor the markers recompute
        for _ in range(10):
            rig.feed.step(rig.engine, 200)
            await asyncio.sleep(0.05)
        assert (calls["orders"], calls["own"]) == (0, 0) and app.ladder.render_count > drawn
        await pilot.pause(0.1)  # the last book updates drawn (the frozen clock keeps flashes)
        drawn = app.ladder.render_count
        # 40 orders in a second, none from the user's keys: the pane follows at SLOW_HZ
        bid = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"].best_bid()
        assert bid is not None
        started = time.monotonic()
        for i in range(40):
            await rig.engine.place(PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT,
                                              qty=D("0.001"), price=bid - 50 - i))  # fmt: skip
            await asyncio.sleep(0.025)
        elapsed = time.monotonic() - started
        assert 1 <= calls["orders"] <= elapsed * SLOW_HZ + 2
        assert 1 <= calls["own"] <= 40  # once per frame at most, and only as orders change
        assert app.ladder.render_count == drawn  # the new markers are all below the rows shown
        # hidden panes cost nothing: on the book tab at 80x24, orders arrive unseen
        await pilot.resize_terminal(80, 24)
        await pilot.press("1")
        await rig.settle(pilot)
        calls.update(orders=0)
        for i in range(5):
            await rig.engine.place(PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT,
                                              qty=D("0.001"), price=bid - 200 - i))  # fmt: skip
        await asyncio.sleep(0.35)  # several ticks, a slow one among them
        assert calls["orders"] == 0
        await pilot.press("6")
        await rig.settle(pilot)
        assert calls["orders"] >= 1 and app.orders.table.row_count == 45


async def test_a_moving_market_repaints_the_ladder_lines_not_the_book_pane(rig: Rig) -> None:
    """Assigning a pane's title repaints the pane and everything in it; the book's title is
    set on every frame, so it must only be assigned when it changes."""
    async with rig.app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        rig.app.refresher.tick()  # the first frame sets the title (whenever the timer ran)
        await pilot.pause()
        pane = rig.app.book_pane
        repaints: list[object] = []
        pane.refresh = lambda *a, **k: repaints.append(a)  # type: ignore[method-assign]
        for _ in range(5):
            rig.feed.step(rig.engine, 200)
            rig.app.refresher.tick()
            await pilot.pause()
        assert rig.app.ladder.title in str(pane.border_title)
        assert repaints == []
        rig.app.action_group(1)  # a new grouping changes the title: that does repaint
        rig.app.refresher.tick()
        assert repaints and "2 ticks" in str(pane.border_title)


async def test_a_quiet_workstation_ticks_slowly_and_wakes_on_the_first_change(rig: Rig) -> None:
    async with rig.app.run_test(size=(160, 48)) as pilot:
        refresher = rig.app.refresher
        deadline = time.monotonic() + 5
        while not refresher.idle and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert refresher.idle, "nothing to draw for a second: the tick should rest"
        assert refresher.rate_hz == IDLE_HZ
        frames = refresher.frames
        rig.feed.step(rig.engine, 50)  # the market moves: the bridge wakes the tick
        assert not refresher.idle and refresher.rate_hz == rig.app.refresh_hz
        await pilot.pause(0.3)
        assert refresher.frames > frames
