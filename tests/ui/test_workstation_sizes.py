"""Snapshots of the workstation with fills, positions in three assets and open orders (a limit,
a stop-limit, a stop-market and a trailing stop) at 80x24, 140x45 and 220x60: every table
lays its columns out for the width it has; and the order history at 80x24 (seeded sim, frozen
clock, paper venue, no toasts)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import Rig, build_rig, chart_drawn
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side, TimeInForce

D = Decimal

ORDERS = (
    PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=D("0.01")),
    PlaceOrder("ETH/USDT", Side.BUY, OrderType.MARKET, qty=D("0.5")),
    PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D("67000.0")),
    PlaceOrder("ETH/USDT", Side.SELL, OrderType.LIMIT, qty=D("0.2"), price=D("3300")),
    PlaceOrder(
        "BTC/USDT",
        Side.SELL,
        OrderType.STOP_LIMIT,
        qty=D("0.01"),
        price=D("65900"),
        stop_price=D("66000"),
    ),
    PlaceOrder("BTC/USDT", Side.SELL, OrderType.STOP_MARKET, qty=D("0.01"), stop_price=D(65000)),
    PlaceOrder("BTC/USDT", Side.SELL, OrderType.TRAILING_STOP, qty=D("0.01"), trail=D("150")),
)


def trading(rig: Rig, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A ``run_before`` that trades, presses ``keys`` and waits for a still frame."""

    async def run_before(pilot: Pilot[None]) -> None:
        for cmd in ORDERS:
            await rig.engine.place(cmd)
        await rig.settle(pilot)
        for key in keys:
            await pilot.press(key)
        await rig.settle(pilot)
        pilot.app.clear_notifications()
        await chart_drawn(pilot)
        await pilot.pause()

    return run_before


def test_positions_tab_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = build_rig(paper_dir=tmp_path)
    assert snap_compare(rig.app, terminal_size=(80, 24), run_before=trading(rig, "4"))


def test_orders_tab_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = build_rig(paper_dir=tmp_path)
    assert snap_compare(rig.app, terminal_size=(80, 24), run_before=trading(rig, "6"))


def test_workstation_140x45(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = build_rig(paper_dir=tmp_path)
    assert snap_compare(rig.app, terminal_size=(140, 45), run_before=trading(rig))


def test_workstation_220x60(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = build_rig(paper_dir=tmp_path)
    assert snap_compare(rig.app, terminal_size=(220, 60), run_before=trading(rig))


def test_order_history_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = build_rig(paper_dir=tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        engine = rig.engine
        resting = await engine.place(ORDERS[2])
        for cmd in (
            *ORDERS[:2],
            PlaceOrder(
                "BTC/USDT",
                Side.BUY,
                OrderType.LIMIT,
                qty=D("0.01"),
                price=D(50000),
                tif=TimeInForce.IOC,
            ),
        ):
            rig.clock.advance(1)
            await engine.place(cmd)
            await rig.settle(pilot)
        rig.clock.advance(1)
        await engine.cancel(resting.client_id)
        await rig.settle(pilot)
        await pilot.press("h")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(rig.app, terminal_size=(80, 24), run_before=run_before)
