"""The reconciliation screen at 120x40 on the workstation's theme: one row per difference
(an order filled while down, one cancelled on the website, an order and a fill tradeterm
never knew, a balance), its keys, and what was done about the first two."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import build_rig
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.orders import Order
from tradeterm.engine.reconcile import (
    Action,
    Difference,
    ExchangeView,
    LedgerSide,
    SeenOrder,
    SeenTrade,
    differences,
)
from tradeterm.ui.reconcile import ReconcileScreen

D = Decimal


def found() -> list[Difference]:
    def mine(cid: str, xid: str, price: str) -> Order:
        return Order(cid, "bn-live", "BTC/USDT", Side.BUY, OrderType.LIMIT, D("0.01"),
                     price=D(price), status=OrderStatus.OPEN, venue_order_id=xid)  # fmt: skip

    side = LedgerSide(
        [mine("tt-1", "11", "60000"), mine("tt-2", "12", "59000")],
        {"BTC": D("0.5"), "USDT": D("5000")},
        {"11", "12"},
        {"tt-1", "tt-2"},
    )
    states = {
        "tt-1": SeenOrder("11", "tt-1", "BTC/USDT", "buy", D("0.01"), D("60000"), D("0.01"),
                          "closed"),
        "tt-2": SeenOrder("12", "tt-2", "BTC/USDT", "buy", D("0.01"), D("59000"), D(0),
                          "canceled"),
    }  # fmt: skip
    stranger = SeenOrder("14", "web-7", "BTC/USDT", "sell", D("0.02"), D("70000"), D(0), "open")
    trade = SeenTrade("5", "13", "BTC/USDT", "buy", D("0.005"), D("60500"), 0)
    balances = {"BTC": D("0.515"), "USDT": D("4097.5")}
    return differences(side, ExchangeView([stranger], states, balances, [trade], "Binance"))


def test_reconcile_screen_120x40(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = build_rig(paper_dir=tmp_path)
    done: list[tuple[int, Action]] = []

    async def act(index: int, action: Action) -> str:
        done.append((index, action))
        return f"{action.value}: done"

    async def show(pilot: Pilot[None]) -> None:
        await rig.settle(pilot)
        screen = ReconcileScreen("bn-live", "Binance", found(), act, lambda: None)
        await pilot.app.push_screen(screen)
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(rig.app, terminal_size=(120, 40), run_before=show)
    assert done == [(0, Action.ACCEPT), (1, Action.ACCEPT)]
