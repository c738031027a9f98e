"""Arming from the keyboard: ``:arm`` asks for the account's name (a wrong one leaves it
disarmed), the frame and the status bar follow, ``:disarm`` and the idle timer disarm, and
``K`` cancels every order on every account after one question."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import Rig, build_rig
from tests.ui.trading_kit import WIDE, command, notifications
from tradeterm.domain.commands import Arm, PlaceOrder
from tradeterm.domain.enums import AccountMode, OrderStatus, OrderType, Side
from tradeterm.engine.accounts import AccountSpec
from tradeterm.ui.live import ArmScreen
from tradeterm.ui.screens.confirm import ConfirmScreen
from tradeterm.venues.paper import PaperVenue

LIVE = "live-main"


def live_rig(tmp_path: Path, idle_s: float = 900.0) -> Rig:
    """A live account first (active), on the paper engine standing in for its exchange."""
    specs = [
        AccountSpec(
            LIVE, AccountMode.LIVE, "sim", {"USDT": Decimal("10000")}, disarm_after_s=idle_s
        ),
        AccountSpec("paper", balances={"USDT": Decimal("10000")}),
    ]
    rig = build_rig(paper_dir=tmp_path, accounts=specs)
    venue = PaperVenue(LIVE, rig.engine.view(rig.engine.feed.venue), rig.clock, latency_ms=0)
    rig.engine.attach_venue(LIVE, venue)
    rig.venues[LIVE] = venue
    return rig


def status(rig: Rig) -> str:
    return rig.app.status.render_line(0).text


def resting_buy(rig: Rig, account: str) -> PlaceOrder:
    bid = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"].best_bid()
    assert bid is not None
    price = (bid * Decimal("0.9")).quantize(Decimal("0.1"))
    return PlaceOrder(
        "BTC/USDT", Side.BUY, OrderType.LIMIT, qty=Decimal("0.01"), price=price, account=account
    )


async def test_arm_asks_for_the_name_and_only_the_right_name_arms(tmp_path: Path) -> None:
    rig = live_rig(tmp_path)
    account = rig.engine.state.accounts[LIVE]
    async with rig.app.run_test(size=WIDE) as pilot:
        await rig.settle(pilot)
        assert "LIVE DISARMED" in status(rig)
        assert rig.app.screen.has_class("-live") and not rig.app.screen.has_class("-armed")
        await command(rig, pilot, "arm")
        assert isinstance(rig.app.screen, ArmScreen)
        await pilot.press(*"live-mian", "enter")
        await rig.settle(pilot)
        assert account.armed is False
        assert any("is not the account's name" in n for n in notifications(rig))
        await command(rig, pilot, "arm")
        await pilot.press(*LIVE, "enter")
        await rig.settle(pilot)
        assert account.armed is True
        assert "LIVE ARMED" in status(rig)
        assert rig.app.screen.has_class("-armed")
        order = await rig.engine.place(resting_buy(rig, LIVE))
        await rig.settle(pilot)
        assert order.status is OrderStatus.OPEN
        await command(rig, pilot, "disarm")
        assert account.armed is False
        assert "LIVE DISARMED" in status(rig)
        assert not rig.app.screen.has_class("-armed")


async def test_the_idle_timer_disarms_and_the_frame_follows(tmp_path: Path) -> None:
    rig = live_rig(tmp_path, idle_s=60)
    async with rig.app.run_test(size=WIDE) as pilot:
        await rig.engine.execute(Arm(LIVE))
        await rig.settle(pilot)
        assert rig.app.screen.has_class("-armed")
        rig.clock.advance(61)
        for _ in range(20):
            await pilot.pause()
            if not rig.engine.state.accounts[LIVE].armed:
                break
        await rig.settle(pilot)
        assert rig.engine.state.accounts[LIVE].armed is False
        assert not rig.app.screen.has_class("-armed")
        assert "LIVE DISARMED" in status(rig)


async def test_K_asks_once_then_cancels_every_order_on_every_account(tmp_path: Path) -> None:
    rig = live_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await rig.engine.execute(Arm(LIVE))
        live_order = await rig.engine.place(resting_buy(rig, LIVE))
        paper_order = await rig.engine.place(resting_buy(rig, "paper"))
        await rig.settle(pilot)
        await pilot.press("K")
        assert isinstance(rig.app.screen, ConfirmScreen)
        await pilot.press("y")
        await rig.settle(pilot, rounds=2)
        assert live_order.status is OrderStatus.CANCELED
        assert paper_order.status is OrderStatus.CANCELED
        assert any("asked to cancel 2 open order(s)" in n for n in notifications(rig))


def test_armed_live_screen_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The armed screen: the heavy red frame and LIVE ARMED in the status bar."""
    rig = live_rig(tmp_path)

    async def arm(pilot: Pilot[None]) -> None:
        await rig.engine.execute(Arm(LIVE))
        await rig.settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(rig.app, terminal_size=(80, 24), run_before=arm)
