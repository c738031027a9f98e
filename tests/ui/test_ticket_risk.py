"""The ticket preview shows the account's per-order risk rules with this order's numbers
(maximum notional, maximum position, price band around mid, orders per minute) before the
order is sent, and which of them would refuse it; a refused order is not sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.ui.trading_kit import WIDE, D, paper_rig, set_book, until
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.errors import OrderRejected
from tradeterm.engine.risk_rules import RiskLimits
from tradeterm.ui.screens.ticket import TicketScreen

LIMITS = RiskLimits(
    max_notional=D("1000"), max_position=D("0.05"), price_band_pct=D("1"), max_orders_per_minute=5
)


def preview(screen: TicketScreen) -> str:
    return str(screen.query_one("#ticket-preview", Static).content)


async def test_the_preview_shows_every_rule_with_its_numbers_and_what_refuses(
    tmp_path: Path,
) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        rig.engine.risk.set_limits("paper", LIMITS)
        set_book(rig, "BTC/USDT", [("60000.0", "1")], [("60010.0", "1")])  # mid 60,005
        await pilot.press("b")
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen)
        screen.query_one("#price", Input).value = "60000.0"
        screen.query_one("#qty", Input).value = "0.01"
        await until(pilot, lambda: "ready: enter sends the order" in preview(screen))
        text = preview(screen)
        assert "max notional per order: this order 600 USDT (limit 1,000 USDT) ✓" in text
        assert "max position in BTC/USDT: position after 0.01 BTC (limit 0.05 BTC) ✓" in text
        assert "price band: -0.01% from mid 60,005 (limit ±1% of mid) ✓" in text
        assert "orders per minute: 0 in the last 60 s (limit 5 per minute) ✓" in text

        screen.query_one("#qty", Input).value = "0.1"  # 6,000 USDT and 0.1 BTC: two refuse
        await until(pilot, lambda: "this order 6,000 USDT" in preview(screen))
        text = preview(screen)
        assert "this order 6,000 USDT (limit 1,000 USDT) ✗ refuses" in text
        assert "position after 0.1 BTC (limit 0.05 BTC) ✗ refuses" in text
        assert "price band: -0.01% from mid 60,005 (limit ±1% of mid) ✓" in text
        assert "✗ maximum notional per order: this order 6,000 USDT is above the limit" in text
        assert "ready: enter sends the order" not in text

        screen.query_one("#qty", Input).value = "0.01"
        screen.query_one("#price", Input).value = "61000.0"  # 1.66 % above mid
        await until(pilot, lambda: "+1.66% from mid" in preview(screen))
        assert "price band: +1.66% from mid 60,005 (limit ±1% of mid) ✗ refuses" in preview(screen)
        await pilot.press("enter")
        await pilot.pause()
        assert rig.engine.state.account.orders == {}  # refused: nothing was sent


async def test_the_engine_refuses_with_the_rule_and_lets_an_exit_through(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        rig.engine.risk.set_limits("paper", RiskLimits(max_position=D("0.05")))
        set_book(rig, "BTC/USDT", [("60000.0", "1")], [("60010.0", "1")])
        buy = PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=D("0.04"))
        await rig.engine.place(buy)
        position = rig.engine.state.account.position("BTC/USDT")
        await until(pilot, lambda: position.qty > 0)
        held = position.qty
        assert D("0.03") < held <= D("0.04")
        more = PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=D("0.02"))
        with pytest.raises(OrderRejected, match=r"maximum position in BTC/USDT: .* held, "):
            await rig.engine.place(more)
        sell = PlaceOrder("BTC/USDT", Side.SELL, OrderType.MARKET, qty=D("0.01"))
        await rig.engine.place(sell)  # an exit shrinks the position: never refused by it
        await until(pilot, lambda: position.qty < held)
