"""The order ticket (b / s) on the real workstation, trading on a real paper venue and ledger."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input, Static

from tests.ui.trading_kit import WIDE, D, newest, orders, paper_rig, set_book, table_text
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.engine.risk import walk
from tradeterm.ui.screens.ticket import TicketScreen
from tradeterm.ui.widgets.choice import Choice


def preview(screen: TicketScreen) -> str:
    return str(screen.query_one("#ticket-preview", Static).content)


async def test_b_and_s_open_the_ticket_with_the_side_and_the_touch(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    book = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"]
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("b")
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.symbol == rig.engine.state.active_symbol == "BTC/USDT"
        assert screen.query_one("#side", Choice).value == "buy"
        assert screen.query_one("#ticket-box").border_title == "Buy BTC/USDT · paper"
        assert screen.query_one("#price", Input).value == str(book.best_bid())
        assert rig.app.focused is screen.query_one("#qty")
        # Tab walks the fields a limit order uses (stop and trail are disabled for it)
        visited = []
        for _ in range(7):
            await pilot.press("tab")
            visited.append(rig.app.focused.id if rig.app.focused else None)
        assert visited == ["price", "tp", "sl", "tif", "post", "reduce", "side"]
        # on a choice field the workstation's keys do nothing: no second ticket, no quit
        await pilot.press("s", "q", "C")
        assert rig.app.screen is screen and rig.app.is_running
        await pilot.press("escape")
        assert not isinstance(rig.app.screen, TicketScreen)
        await pilot.press("s")
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.query_one("#side", Choice).value == "sell"
        assert screen.query_one("#price", Input).value == str(book.best_ask())
        # switching the side back moves the untouched price to the other touch
        screen.query_one("#side", Choice).action_step(1)
        await pilot.pause()
        assert screen.query_one("#price", Input).value == str(book.best_bid())
        await pilot.press("escape")
        assert rig.engine.state.account.orders == {}


async def test_preview_shows_fill_slippage_fee_and_follows_the_book(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("b", "shift+tab", "right")  # type: limit -> market
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.query_one("#type", Choice).value == "market"
        assert screen.query_one("#price").disabled
        await pilot.press("tab", *"0.05")
        text = preview(screen)
        assert "fills now 0.05000 of 0.05000 BTC at avg" in text
        assert "bps vs mid" in text and "fee" in text and "BTC (estimated)" in text
        # what will be held: 0.05 less the 0.1 % taker fee taken in BTC, 0.00005
        assert "position +0.04995 BTC" in text and "ready: enter sends the order" in text
        # the book moves: the preview follows within a few refreshes, unprompted
        set_book(rig, "BTC/USDT", [("60000.0", "1")], [("60010.0", "0.02"), ("60020.0", "1")])
        got, cost, _ = walk(
            rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"], Side.BUY, D("0.05"), None
        )
        avg = cost / got  # 60016.0
        for _ in range(30):  # its own 0.25 s timer; a loaded machine may fire it late
            await asyncio.sleep(0.1)
            await pilot.pause()
            text = preview(screen)
            if f"at avg {avg:,.3f}" in text:
                break
        assert f"at avg {avg:,.3f}" in text
        mid = D("60005")
        assert f"{float((avg - mid) / mid) * 10_000:+.2f} bps vs mid" in text  # +1.83
        assert "mid       60,005.00" in text


async def test_enter_sends_the_order_and_it_appears_in_the_orders_pane(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    bid = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"].best_bid()
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("b", *"0.01", "enter")
        assert not isinstance(rig.app.screen, TicketScreen)
        await rig.settle(pilot)
        order = newest(rig)
        assert (order.side, order.type, order.qty, order.price) == (
            Side.BUY,
            OrderType.LIMIT,
            D("0.01"),
            bid,
        )
        assert order.status is OrderStatus.OPEN
        assert rig.app.orders.table.ordered_keys == [order.client_id]
        row = table_text(rig.app.orders.table)[1]
        assert row.split()[:7] == [
            order.client_id[-3:], "BTC/USDT", "buy", "limit", f"{bid:,.1f}", "0.01000", "open"
        ]  # fmt: skip
        # when placing itself fails, the ticket stays open and says why
        rig.engine.venues.pop("paper")
        await pilot.press("s", *"0.01", "enter")
        await rig.settle(pilot)
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen)
        refusal = "sell BTC/USDT not placed: account paper has no venue to trade on"
        assert f"✗ {refusal}" in preview(screen)
        assert refusal in [n.message for n in rig.app.notices]
        assert len(orders(rig)) == 1


async def test_a_bad_field_shows_the_rule_and_sends_nothing(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("b", *"abc")
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen)
        assert "✗ quantity 'abc' is not a number" in preview(screen)
        await pilot.press("enter")
        assert rig.app.screen is screen  # still open: nothing was sent
        qty = screen.query_one("#qty", Input)
        qty.value = "0.000005"
        await pilot.pause()
        assert "✗ quantity 0.000005 is not a multiple of lot 0.00001 BTC" in preview(screen)
        assert "✗ order value 0.3 USDT is below min notional 5 USDT" in preview(screen)
        await pilot.press("tab", "end", "5")  # the price with a 5 after it: off the 0.1 tick
        price = screen.query_one("#price", Input).value
        assert price.endswith("5") and len(price.split(".")[1]) == 2
        assert f"✗ price {price} is not a multiple of tick 0.1" in preview(screen)
        await pilot.press("enter")
        assert rig.app.screen is screen
        assert screen.last_problems
        qty.value = "1000"
        await pilot.press("enter")
        assert "✗ insufficient USDT" in preview(screen)
        await rig.settle(pilot)
        assert rig.app.screen is screen
        assert orders(rig) == []
        assert any("not sent" in n.message for n in rig.app.notices)
