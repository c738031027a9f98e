"""Huge, tiny and odd numbers typed into the real workstation: a message, never a crash.

Issue 16 item 1: typing 1e26 into the ticket's quantity (no Enter), ``:buy 0.001 BTC/USDT @
1e28`` or a quantity of 500 nines ended the app. Item 11: a 1e30 balance left equity blank.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.widgets import Input, Static

from tests.ui.conftest import build_rig
from tests.ui.trading_kit import WIDE, D, orders, paper_rig, run, table_text
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.numbers import MAX_PRICE, MAX_QTY
from tradeterm.engine.accounts import AccountSpec
from tradeterm.ui.screens.amend import AmendScreen
from tradeterm.ui.screens.ticket import TicketScreen
from tradeterm.ui.widgets.table import FastTable

HUGE = "100000000000000000000000000"  # 1e26, as typed in the issue
HUGER = "10000000000000000000000000000"  # 1e28
NINES = "9" * 500


def preview(screen: TicketScreen) -> str:
    return str(screen.query_one("#ticket-preview", Static).content)


async def test_typing_a_huge_quantity_into_the_ticket_shows_the_limit(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("b", *HUGE)  # key by key, no Enter: every key refreshes the preview
        screen = rig.app.screen
        assert isinstance(screen, TicketScreen) and rig.app.is_running
        assert f"✗ quantity too large: at most {MAX_QTY:,f} BTC" in preview(screen)
        await pilot.press("enter")
        assert rig.app.screen is screen and rig.app.is_running
        qty = screen.query_one("#qty", Input)
        for text, shown in (
            (NINES, f"✗ quantity too large: at most {MAX_QTY:,f} BTC"),
            ("$" + NINES, "✗ order value too large: at most"),
            ("0." + "0" * 3000 + "1", "is not a multiple of lot 0.00001 BTC"),
            ("٠٫٥", "✗ quantity '٠٫٥' is not a number"),
            ("x" * 5000, "✗ quantity 'xxxxxxxx"),
        ):
            qty.value = text
            await pilot.pause()
            assert shown in preview(screen), text[:20]
            assert len(preview(screen)) < 2000  # a 5000-character entry is not echoed whole
        qty.value = "0.01"
        await pilot.press("tab")  # into the price, emptied, then typed key by key
        screen.query_one("#price", Input).value = ""
        await pilot.press(*HUGER)
        assert screen.query_one("#price", Input).value == HUGER
        assert f"✗ price too large: at most {MAX_PRICE:,f}" in preview(screen)
        await pilot.press("escape")
        await rig.settle(pilot)
    assert orders(rig) == []


async def test_huge_numbers_on_the_command_line_are_refused_in_words(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        cmdline = rig.app.cmdline
        await run(rig, pilot, f"buy 0.001 BTC/USDT @ {HUGER}")
        assert rig.app.is_running and cmdline.is_open
        assert f"limit price too large: at most {MAX_PRICE:,f}" in cmdline.error_text
        await pilot.press("escape")
        for text, message in (
            (f"buy {NINES} BTC/USDT", f"quantity too large: at most {MAX_QTY:,f}"),
            (f"buy {HUGE}", f"quantity too large: at most {MAX_QTY:,f}"),
            (f"sell ${NINES}", "quote value too large: at most"),
            (f"buy 0.01 @ 60000 tp {HUGER} sl 50000", "tp price too large"),
            (f"alert BTC/USDT > {NINES}", "price too large"),
            ("buy 0.01 @ 1e999999", "is not a number"),
        ):
            await run(rig, pilot, text)
            assert rig.app.is_running and cmdline.is_open, text
            assert message in cmdline.error_text, (text, cmdline.error_text)
            assert len(cmdline.error_text) < 400
            await pilot.press("escape")
    assert orders(rig) == [] and not rig.app.alerting.book.alerts


async def test_the_amend_dialog_takes_a_huge_price_as_a_problem(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    bid = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"].best_bid()
    assert bid is not None
    async with rig.app.run_test(size=WIDE) as pilot:
        await rig.engine.place(
            PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=bid - 100)
        )
        await rig.settle(pilot)
        await pilot.press("6", "e")
        screen = rig.app.screen
        assert isinstance(screen, AmendScreen)
        screen.query_one("#amend-price", Input).value = ""
        await pilot.press(*HUGER)
        shown = str(screen.query_one("#amend-preview", Static).content)
        assert f"price too large: at most {MAX_PRICE:,f}" in shown
        screen.query_one("#amend-qty", Input).value = NINES
        await pilot.pause()
        shown = str(screen.query_one("#amend-preview", Static).content)
        assert "quantity too large" in shown
        await pilot.press("enter")
        assert rig.app.screen is screen and rig.app.is_running
        await pilot.press("escape")


async def test_a_1e30_balance_shows_its_equity_and_balance(tmp_path: Path) -> None:
    spec = AccountSpec("paper", balances={"USDT": Decimal("1e30"), "BTC": Decimal("0.25")})
    rig = build_rig(accounts=[spec])
    async with rig.app.run_test(size=WIDE) as pilot:
        await rig.settle(pilot)
        summary = rig.app.query_one("#equity", Static)
        first = summary.render_line(0).text
        # 1e30 plus a quarter BTC is 1.00 x 10^30 USDT to three figures
        assert "equity 1.00e30 USDT" in first, first
        rows = table_text(rig.app.query_one("#balances-table"))
        usdt = next(row for row in rows if row.startswith("USDT"))
        assert "1.00e30" in usdt and "…" not in usdt, rows


async def test_balances_show_to_their_assets_precision(tmp_path: Path) -> None:
    balances = {"USDT": Decimal("6664.26267595"), "BTC": Decimal("0.00999"), "ETH": D("2")}
    rig = build_rig(accounts=[AccountSpec("paper", balances=balances)])
    async with rig.app.run_test(size=(220, 60)) as pilot:
        await rig.settle(pilot)
        table = rig.app.query_one("#balances-table", FastTable)
        rows = {key: row.cells[1:] for key in balances if (row := table.row(key)) is not None}
        assert rows["USDT"][0] == "6,664.26"  # dollars to the cent, not 6,664.26267595
        assert rows["BTC"][0] == "0.00999"  # the rest to 8 decimals, trailing zeros dropped
        assert rows["ETH"][0] == "2.00"
