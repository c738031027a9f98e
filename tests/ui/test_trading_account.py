"""Accounts (picker, badge, reset), the fills pane, CSV export with realized PnL, and the palette
running a typed order, on a real paper venue and ledger."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import OptionList

from tests.ui.trading_kit import (
    WIDE,
    D,
    execute,
    newest,
    notifications,
    orders,
    paper_rig,
    run,
    set_book,
)
from tests.ui.trading_kit import table_text as text_of
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import Liquidity, OrderStatus, OrderType, Side
from tradeterm.domain.fills import Fill
from tradeterm.engine.history import HEADER, realized_rows
from tradeterm.ui.screens.accounts import AccountsScreen
from tradeterm.ui.screens.confirm import ConfirmScreen


async def test_a_picks_an_account_and_reset_asks_then_restores_balances(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("a")
        screen = rig.app.screen
        assert isinstance(screen, AccountsScreen)
        options = screen.query_one(OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        mid = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"].mid()
        assert mid is not None
        equity = D(10000) + D("0.25") * mid
        assert lines[0].split() == ["paper", "PAPER", "equity", f"{equity:,.2f}", "USDT", "←",
                                    "active"]  # fmt: skip
        assert lines[1].split() == ["live-main", "LIVE", "disarmed", "equity", "0.00", "USDT"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert rig.engine.state.active_account == "live-main"
        assert "LIVE DISARMED  live-main" in rig.app.status.render_line(0).text
        assert rig.app.screen.has_class("-live")
        await run(rig, pilot, "account paper")
        assert " PAPER  paper " in rig.app.status.render_line(0).text
        # reset asks first, then the starting balances are back
        account = rig.engine.state.account
        await execute(rig, pilot, "buy 0.01")
        await execute(rig, pilot, "buy 0.01 @ 60000")
        assert account.balances["BTC"].total != D("0.25") and account.open_orders()
        await run(rig, pilot, "reset")
        screen = rig.app.screen
        assert isinstance(screen, ConfirmScreen)
        assert "Reset paper account paper? Its 1 open order(s) are canceled" in screen.question
        assert "back to 10,000 USDT, 0.25 BTC" in screen.question
        await pilot.press("escape")
        await rig.settle(pilot)
        assert account.balances["BTC"].total != D("0.25")
        await execute(rig, pilot, "reset")
        await pilot.press("y")
        await rig.settle(pilot)
        for _ in range(5):  # the reset waits for the cancel to come back, then journals
            await rig.settle(pilot)
        assert {a: b.total for a, b in account.balances.items()} == {
            "USDT": D(10000),
            "BTC": D("0.25"),
        }
        assert not account.fills and not account.open_orders() and not account.positions
        assert rig.app.fills.table.ordered_keys == []
        assert "account paper is back to its starting balances" in notifications(rig)


def fill(n: int, side: Side, price: str, qty: str, symbol: str = "BTC/USDT") -> Fill:
    return Fill(f"f{n}", f"c{n}", "paper", symbol, side, D(price), D(qty), D("0"), "USDT",
                Liquidity.TAKER, n)  # fmt: skip


def test_realized_pnl_per_fill_is_fifo() -> None:
    fills = [
        fill(1, Side.BUY, "100", "1"),
        fill(2, Side.BUY, "110", "1"),
        fill(3, Side.SELL, "120", "1.5"),  # 1 @ 100 (+20) and 0.5 @ 110 (+5)
        fill(4, Side.SELL, "90", "1"),  # 0.5 @ 110 (-10), then short 0.5 @ 90
        fill(5, Side.BUY, "80", "0.5"),  # covers the short: +5
        fill(6, Side.BUY, "5", "1", symbol="ETH/USDT"),
    ]
    assert [r.realized for r in realized_rows(fills)] == [D(0), D(0), D(25), D(-10), D(5), D(0)]


async def test_fills_pane_and_x_exports_the_fills_with_realized_pnl(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    ask = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"].best_ask()
    async with rig.app.run_test(size=WIDE) as pilot:
        await execute(rig, pilot, "buy 0.05")
        order = newest(rig)
        assert (order.type, order.status) == (OrderType.MARKET, OrderStatus.FILLED)
        fill = rig.engine.state.account.fills[0]
        assert rig.app.fills.table.ordered_keys == [fill.fill_id]
        row = text_of(rig.app.fills.table)[1].split()
        assert row == ["12:34:56", "BTC/USDT", "buy", f"{ask:,.1f}", "0.05000",
                       f"{fill.fee:f}".rstrip("0"), "BTC", "taker"]  # fmt: skip
        positions = text_of(rig.app.positions.positions)
        assert positions[1].split()[:2] == ["BTC/USDT", f"{D('0.05') - fill.fee:.5f}"]
        set_book(rig, "BTC/USDT", [("67290.0", "5")], [("67300.0", "5")])
        await execute(rig, pilot, "buy 0.05")  # a second lot at another price
        set_book(rig, "BTC/USDT", [("67270.0", "5")], [("67280.0", "5")])
        await execute(rig, pilot, "sell 0.07")  # closes the first lot and part of the second
        await execute(rig, pilot, "sell 0.02")
        await pilot.press("7", "x")
        written = list((tmp_path / "exports").glob("fills-paper-*.csv"))
        assert len(written) == 1 and written[0].name == "fills-paper-20260101-123456.csv"
        assert any(str(written[0]) in n for n in notifications(rig))
        with written[0].open(newline="") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == HEADER
        fills = list(reversed(rig.engine.state.account.fills))  # oldest first
        assert [r[HEADER.index("fill_id")] for r in rows[1:]] == [f.fill_id for f in fills]
        # realized PnL worked out here, FIFO by hand, net of fees: a buy holds its qty less
        # the BTC fee for the USDT it paid; a sell's proceeds (less the USDT fee) are
        # matched against the held lots, each at its paid USDT per held BTC
        lots = [[f.qty - f.fee, f.qty * f.price] for f in fills if f.side is Side.BUY]
        expected = []
        for f in fills:
            if f.side is Side.BUY:
                expected.append(Decimal(0))
                continue
            left, pnl = f.qty, f.qty * f.price - f.fee
            while left:
                take = min(left, lots[0][0])
                basis = lots[0][1] if take == lots[0][0] else lots[0][1] * take / lots[0][0]
                pnl -= basis
                lots[0][0] -= take
                lots[0][1] -= basis
                left -= take
                if not lots[0][0]:
                    lots.pop(0)
            expected.append(pnl)
        column = HEADER.index("realized_pnl")
        assert [D(r[column]) for r in rows[1:]] == expected
        assert len(fills) == 4 and fills[0].price != fills[1].price
        assert all(value != 0 for value in expected[2:])
        assert [r[HEADER.index("side")] for r in rows[1:]] == [f.side.value for f in fills]
        assert rows[1][0] == "2026-01-01T12:34:56.000000000Z"
        # a second export never overwrites the first
        await pilot.press("x")
        assert len(list((tmp_path / "exports").glob("fills-paper-*.csv"))) == 2


async def test_palette_runs_a_typed_order_and_the_trading_actions(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(rig.app.screen, CommandPalette)
        await pilot.press(*"buy .01 @ 60k")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await rig.settle(pilot)
        order = newest(rig)
        assert (order.side, order.price, order.qty) == (Side.BUY, D(60000), D("0.01"))
        await pilot.press("ctrl+p", *"ord can")
        await pilot.pause(0.3)
        await pilot.press("enter")
        assert isinstance(rig.app.screen, ConfirmScreen)
        await pilot.press("y")
        await rig.settle(pilot)
        assert all(o.status is OrderStatus.CANCELED for o in orders(rig))


async def test_palette_enter_runs_typed_command_and_down_picks_another_hit(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await rig.engine.place(PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT,
                                          qty=D("0.01"), price=D(50000)))  # fmt: skip
        await rig.settle(pilot)
        await pilot.press("ctrl+p", *"cancel all")
        await pilot.pause(0.3)
        hits = rig.app.screen.query_one(OptionList)
        assert hits.option_count >= 2  # the typed command first, then the names it matches
        await pilot.press("down", "enter")  # "Orders: cancel all", which asks first
        assert isinstance(rig.app.screen, ConfirmScreen)
        await pilot.press("n")
        await rig.settle(pilot)
        assert [o.status for o in orders(rig)] == [OrderStatus.OPEN]
        await pilot.press("ctrl+p", *"cancel all")
        await pilot.pause(0.3)
        await pilot.press("enter")  # the typed command, as on the command line
        await rig.settle(pilot)
        assert [o.status for o in orders(rig)] == [OrderStatus.CANCELED]
        assert len(rig.app.screen_stack) == 1
