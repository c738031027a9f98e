"""Snapshots of the trading UI: the ticket with its preview at 80x24, and the orders pane with
resting orders at 160x48 (seeded sim, frozen clock, paper venue with latency 0, no toasts)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from tests.ui.conftest import build_rig, chart_drawn
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.ui.app import TradetermApp

D = Decimal


async def _steady(pilot: Pilot[None]) -> None:
    """No blinking cursor and no toasts in the picture."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


def test_ticket_with_preview_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def open_ticket(pilot: Pilot[None]) -> None:
        await pilot.press("b", *"0.01")
        await _steady(pilot)

    rig = build_rig(paper_dir=tmp_path)
    assert snap_compare(rig.app, terminal_size=(80, 24), run_before=open_ticket)


def test_orders_pane_with_resting_orders_160x48(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = build_rig(paper_dir=tmp_path)

    async def rest_orders(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, TradetermApp)
        engine = app.engine
        for cmd in (
            PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D("67246.0")),
            PlaceOrder("BTC/USDT", Side.SELL, OrderType.LIMIT, qty=D("0.02"), price=D("67249.1")),
            PlaceOrder("ETH/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.5"), price=D("3150")),
            PlaceOrder(
                "BTC/USDT", Side.SELL, OrderType.STOP_MARKET, qty=D("0.01"), stop_price=D("66000")
            ),
            PlaceOrder(
                "BTC/USDT", Side.SELL, OrderType.TRAILING_STOP, qty=D("0.01"), trail=D("150")
            ),
        ):
            await engine.place(cmd)
        await rig.settle(pilot)
        await pilot.press("6")
        await rig.settle(pilot)
        await _steady(pilot)
        await chart_drawn(pilot)

    assert snap_compare(rig.app, terminal_size=(160, 48), run_before=rest_orders)
