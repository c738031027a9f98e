"""Closing positions from the workstation: `close`, `flatten`, `sell all` / `sell N%`,
`buy N%`, and the positions pane's close key with its question."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.ui.trading_kit import (
    WIDE,
    execute,
    newest,
    notifications,
    paper_rig,
    set_book,
    table_text,
)
from tradeterm.domain.commands import ClosePosition, PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.engine.accounts import AccountSpec
from tradeterm.ui.cmdorder import PlaceShare
from tradeterm.ui.cmdwords import CommandError
from tradeterm.ui.commandline import parse_command
from tradeterm.ui.screens.confirm import ConfirmScreen

D = Decimal
SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT"]
BTC = "BTC/USDT"


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_command(text, SYMBOLS, BTC)


# --- grammar ------------------------------------------------------------------------


def test_close_and_flatten_forms() -> None:
    assert parse("close") == ClosePosition(BTC)
    assert parse("close eth") == ClosePosition("ETH/USDT")
    assert parse("close all") == ClosePosition(None)
    assert parse("flatten") == ClosePosition(None)
    assert parse("CLOSE SOL/USDT") == ClosePosition("SOL/USDT")


def test_close_errors_point_at_the_word() -> None:
    with pytest.raises(CommandError) as caught:
        parse("close NOPE/USDT")
    assert caught.value.message.startswith("unknown symbol 'NOPE/USDT'")
    assert caught.value.position == 6
    with pytest.raises(CommandError) as caught:
        parse("flatten now")
    assert caught.value.message == "unexpected 'now'"


def test_sell_all_and_percentages_are_shares() -> None:
    market_sell = PlaceOrder("ETH/USDT", Side.SELL, OrderType.MARKET)
    assert parse("sell all ETH/USDT") == PlaceShare(market_sell, D(100))
    assert parse("sell 100% ETH/USDT") == PlaceShare(market_sell, D(100))
    assert parse("sell 50% eth") == PlaceShare(market_sell, D(50))
    limit = PlaceOrder(BTC, Side.SELL, OrderType.LIMIT, price=D("70000"))
    assert parse("sell 12.5% @ 70000") == PlaceShare(limit, D("12.5"))
    assert parse("buy 25% SOL/USDT") == PlaceShare(
        PlaceOrder("SOL/USDT", Side.BUY, OrderType.MARKET), D(25)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sell 0% BTC/USDT", "quantity as a share must be above 0% and at most 100%, got 0%"),
        ("sell 150%", "quantity as a share must be above 0% and at most 100%, got 150%"),
        ("sell half%", "quantity as a share: 'half%' is not a percentage; write 50% or 100%"),
        ("buy all", "buy all is not a size: write buy 100% to spend all the free quote"),
    ],
)
def test_bad_shares_say_what_is_allowed(text: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert caught.value.message == message


# --- in the workstation ---------------------------------------------------------------

USDT_ONLY = [AccountSpec("paper", balances={"USDT": D("10000")})]


async def test_sell_all_sells_the_position_net_of_the_fee(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path, accounts=USDT_ONLY)
    async with rig.app.run_test(size=WIDE) as pilot:
        set_book(rig, BTC, [("60990.0", "5")], [("61000.0", "5")])
        await execute(rig, pilot, "buy 0.01")
        account = rig.engine.state.account
        # the 0.1 % fee took 0.00001 BTC: 0.00999 is held, and that is the position
        assert account.balance("BTC").total == D("0.00999") == account.positions[BTC].qty
        await execute(rig, pilot, "sell all")
        sold = newest(rig)
        assert (sold.side, sold.qty, sold.status) == (Side.SELL, D("0.00999"), OrderStatus.FILLED)
        assert account.positions[BTC].qty == 0 and account.balance("BTC").total == 0


async def test_sell_half_rounds_down_to_the_lot(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path, accounts=USDT_ONLY)
    async with rig.app.run_test(size=WIDE) as pilot:
        set_book(rig, BTC, [("60990.0", "5")], [("61000.0", "5")])
        await execute(rig, pilot, "buy 0.01")
        await execute(rig, pilot, "sell 50%")
        # half of 0.00999 is 0.004995; the lot 0.00001 cuts it to 0.00499
        assert newest(rig).qty == D("0.00499")
        assert rig.engine.state.account.positions[BTC].qty == D("0.00999") - D("0.00499")


async def test_buy_a_share_of_the_free_quote(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path, accounts=USDT_ONLY)
    async with rig.app.run_test(size=WIDE) as pilot:
        set_book(rig, BTC, [("60990.0", "5")], [("61000.0", "5")])
        await execute(rig, pilot, "buy 10% @ 50000")
        # 10 % of 10,000 USDT = 1,000 USDT at the limit 50,000: 0.02 BTC
        order = newest(rig)
        assert (order.side, order.type, order.qty) == (Side.BUY, OrderType.LIMIT, D("0.02"))


async def test_close_on_the_command_line_says_what_it_did(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path, accounts=USDT_ONLY)
    async with rig.app.run_test(size=WIDE) as pilot:
        set_book(rig, BTC, [("60990.0", "5")], [("61000.0", "5")])
        await execute(rig, pilot, "buy 0.00123")
        # 0.00123 less the 0.00000123 fee: shown in full, not rounded up to 0.00123
        await pilot.pause()
        assert table_text(rig.app.positions.positions)[1].split()[:2] == [BTC, "0.00122877"]
        await execute(rig, pilot, "close")
        closing = newest(rig)
        assert (closing.side, closing.qty, closing.reduce_only) == (Side.SELL, D("0.00122"), True)
        said = notifications(rig)[-1]
        assert said.endswith("0.00122 BTC/USDT at market; dust 0.00000877 BTC remains "
                             "(below the lot 0.00001)")  # fmt: skip
        # nothing left to close in ETH: refused with the reason, nothing sent
        count = len(rig.engine.state.account.orders)
        with pytest.raises(Exception, match="no ETH/USDT position to close in account paper"):
            rig.app.desk.parse("close ETH/USDT")
        await execute(rig, pilot, "flatten")  # only BTC dust is left: nothing is sent
        assert len(rig.engine.state.account.orders) == count
        assert notifications(rig)[-1] == "dust 0.00000877 BTC remains (below the lot 0.00001)"


async def test_positions_key_asks_then_closes_the_selected_position(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path, accounts=USDT_ONLY)
    async with rig.app.run_test(size=WIDE) as pilot:
        set_book(rig, BTC, [("60990.0", "5")], [("61000.0", "5")])
        await execute(rig, pilot, "buy 0.01")
        await pilot.press("4", "X")
        assert isinstance(rig.app.screen, ConfirmScreen)
        assert rig.app.screen.question == (
            "Sell 0.00999 BTC/USDT at market (reduce-only) to close it in paper?"
        )
        await pilot.press("n")  # no: nothing is sent
        assert not isinstance(rig.app.screen, ConfirmScreen)
        assert newest(rig).side is Side.BUY
        await pilot.press("X", "y")
        await rig.settle(pilot)
        closing = newest(rig)
        assert (closing.side, closing.qty, closing.status) == (
            Side.SELL,
            D("0.00999"),
            OrderStatus.FILLED,
        )
        assert rig.engine.state.account.positions[BTC].qty == 0
