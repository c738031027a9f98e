"""What IOC and FOK orders do, on the real workstation: the ticket says it before sending, and
an order that is killed or expires is told in a notification and a line in the log pane."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tests.ui.conftest import Rig
from tests.ui.trading_kit import WIDE, D, newest, notifications, paper_rig, set_book
from tradeterm.domain.enums import OrderStatus, Side, TimeInForce
from tradeterm.ui.screens.ticket import TicketScreen
from tradeterm.ui.widgets.choice import Choice

BIDS = [("68010.0", "0.005"), ("68000.0", "0.008"), ("67990.0", "1")]
ASKS = [("68020.0", "1")]


def log_pane_text(rig: Rig) -> str:
    pane = rig.app.log_pane
    pane.sync()
    return "\n".join(pane.render_line(y).text for y in range(pane.size.height))


async def test_fok_preview_then_killed_with_a_notice_and_a_log_line(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        set_book(rig, "BTC/USDT", BIDS, ASKS)
        await pilot.press("s", *"0.02")
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen)
        screen.query_one("#price", Input).value = "68000"
        tif = screen.query_one("#tif", Choice)
        while tif.value != TimeInForce.FOK.value:
            tif.action_step(1)
        await pilot.pause()
        preview = str(screen.query_one("#ticket-preview", Static).content)
        # 0.005 at 68010 and 0.008 at 68000 are at or better than 68000: 0.013 of 0.02
        assert (
            "FOK       would be killed: only 0.01300 BTC available at or better than 68,000.0"
            in preview
        )
        assert "rests" not in preview
        await pilot.press("enter")
        await rig.settle(pilot, rounds=2)
        order = newest(rig)
        assert (order.side, order.tif, order.status) == (Side.SELL, TimeInForce.FOK,
                                                          OrderStatus.EXPIRED)  # fmt: skip
        what = f"paper sell 0.02000 BTC/USDT @ 68,000.0 ({order.client_id}) killed"
        notices = [n for n in notifications(rig) if n.startswith(what)]
        assert notices == [f"{what}: {order.reason}"]
        assert "FOK could not fill 0.02" in order.reason
        assert any(e.message == f"{what}: {order.reason}" for e in rig.app.logbook.entries)
        assert "paper sell 0.02000" in log_pane_text(rig)


async def test_ioc_preview_fills_part_and_the_rest_expires_with_a_notice(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        set_book(rig, "BTC/USDT", BIDS, ASKS)
        await pilot.press("s", *"0.02")
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen)
        screen.query_one("#price", Input).value = "68000"
        tif = screen.query_one("#tif", Choice)
        while tif.value != TimeInForce.IOC.value:
            tif.action_step(1)
        await pilot.pause()
        preview = str(screen.query_one("#ticket-preview", Static).content)
        # avg (0.005 * 68010 + 0.008 * 68000) / 0.013 = 68003.846...
        assert ("IOC       fills 0.01300 BTC at avg 68,003.846, the rest (0.00700) is cancelled"
                in preview)  # fmt: skip
        await pilot.press("enter")
        await rig.settle(pilot, rounds=2)
        order = newest(rig)
        assert order.status is OrderStatus.EXPIRED and order.filled == D("0.013")
        what = f"paper sell 0.02000 BTC/USDT @ 68,000.0 ({order.client_id})"
        assert f"{what} expired after filling 0.01300: IOC remainder" in notifications(rig)
        messages = [e.message for e in rig.app.logbook.entries]
        assert sum(m.startswith(f"{what} partly filled: ") for m in messages) == 2
        assert f"{what} expired after filling 0.01300: IOC remainder" in messages
