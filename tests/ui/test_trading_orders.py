"""Orders from the command line, the orders pane (edit, cancel, cancel all, move by a tick) and
the ladder's own-order markers and cursor, on a real paper venue and ledger."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.ui.conftest import Rig, ladder_text
from tests.ui.trading_kit import (
    WIDE,
    D,
    command,
    execute,
    newest,
    notifications,
    orders,
    paper_rig,
    run,
)
from tests.ui.trading_kit import table_text as text_of
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.events import OrderUpdated
from tradeterm.ui.screens.amend import AmendScreen
from tradeterm.ui.screens.confirm import ConfirmScreen


async def rest(
    rig: Rig, pilot: Pilot[None], side: Side, price: str, symbol: str = "BTC/USDT"
) -> str:
    """Place a resting limit order straight through the engine; returns its id."""
    order = await rig.engine.place(PlaceOrder(symbol, side, OrderType.LIMIT, qty=D("0.01"),
                                              price=D(price)))  # fmt: skip
    await rig.settle(pilot)
    return order.client_id


async def test_command_line_places_every_order_form(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    engine = rig.engine
    sol_last = engine.trading.last_price(engine.state.resolve("SOL/USDT"))
    btc_last = engine.trading.last_price(engine.state.resolve("BTC/USDT"))
    assert sol_last is not None and btc_last is not None
    async with rig.app.run_test(size=WIDE) as pilot:
        await command(rig, pilot, "buy 0.01 BTC/USDT @ 60000")  # typed key by key
        order = newest(rig)
        assert (order.symbol, order.side, order.type) == ("BTC/USDT", Side.BUY, OrderType.LIMIT)
        assert (order.qty, order.price, order.status) == (D("0.01"), D(60000), OrderStatus.OPEN)

        await run(rig, pilot, "sell $250 btcusdt")  # typed in before Enter
        order = newest(rig)
        assert (order.type, order.side, order.status) == (OrderType.MARKET, Side.SELL,
                                                          OrderStatus.FILLED)  # fmt: skip
        assert order.qty * btc_last <= 250 < (order.qty + D("0.00001")) * btc_last

        stop = sol_last + D("2.00")
        await execute(rig, pilot, f"buy 1 SOL/USDT @ {stop + 1} stop {stop}")
        order = newest(rig)
        assert (order.type, order.price, order.stop_price) == (
            OrderType.STOP_LIMIT, stop + 1, stop)  # fmt: skip

        await execute(rig, pilot, "sell 0.01 stop 60000")
        assert (newest(rig).type, newest(rig).stop_price) == (OrderType.STOP_MARKET, D(60000))

        await execute(rig, pilot, "sell 0.01 trail 50")
        order = newest(rig)
        assert (order.type, order.trail, order.emulated) == (OrderType.TRAILING_STOP, D(50), True)

        await execute(rig, pilot, "buy 0.01 @ 61000 tp 70000 sl 59000 post")
        order = newest(rig)
        assert (order.type, order.post_only) == (OrderType.LIMIT, True)
        assert (order.take_profit, order.stop_loss) == (D("70000"), D("59000"))

        await execute(rig, pilot, "oco sell 0.01 tp 70000 sl 60000")
        take_profit, stop_loss = orders(rig)[-2:]
        assert take_profit.group == stop_loss.group != ""
        assert (take_profit.type, take_profit.price) == (OrderType.LIMIT, D(70000))
        assert (stop_loss.type, stop_loss.stop_price) == (OrderType.STOP_MARKET, D(60000))

        await run(rig, pilot, "sell 0.01 @ 90000 reduce")
        assert "not sent: reduce-only sell of 0.01 exceeds the position of -0.00371" in (
            rig.app.cmdline.error_text
        )  # the $250 sale left a short position: a sell cannot reduce it
        rig.app.cmdline.action_close()
        await execute(rig, pilot, "buy 0.01 @ 50000 ioc")
        order = newest(rig)
        assert (order.tif, order.status) == (TimeInForce.IOC, OrderStatus.EXPIRED)

        # every open order is in the pane, with emulated ones marked
        open_ids = {o.client_id for o in rig.engine.state.account.open_orders()}
        assert set(rig.app.orders.table.ordered_keys) == open_ids
        assert "emu = emulated by tradeterm" in str(rig.app.orders_pane.border_subtitle)
        assert any("trail·emu" in line for line in text_of(rig.app.orders.table))


async def test_command_line_errors_point_at_the_word_and_history_recalls(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await run(rig, pilot, "buy 0.5 ETH/USDT @ 3100 gtx")
        cmdline = rig.app.cmdline
        assert cmdline.is_open and rig.app.focused is cmdline.input
        assert cmdline.input.value == "buy 0.5 ETH/USDT @ 3100 gtx"
        shown = str(rig.app.query_one("#cmd-error", Static).content).splitlines()
        assert shown[0] == " " * 25 + "^"  # under the g of gtx (after the ":" prompt)
        assert "'gtx' is not a symbol or an order word; did you mean 'gtc'?" in shown[1]
        assert shown[2].startswith("expected: buy|sell QTY|$QUOTE|N% [SYMBOL] [@ PRICE]")
        assert any("gtx" in e.message and e.level == logging.WARNING
                   for e in rig.app.logbook.entries)  # fmt: skip
        # fix it in place: the error goes, the order is placed, the line closes
        await pilot.press("backspace", "c", "enter")
        await rig.settle(pilot)
        assert not cmdline.is_open
        assert (newest(rig).symbol, newest(rig).price) == ("ETH/USDT", D(3100))
        # the engine's rules are shown the same way, and nothing is sent
        await run(rig, pilot, "buy 1 BTC/USDT @ 60000")
        assert "not sent: insufficient USDT: need 60,000.0, free" in cmdline.error_text
        assert cmdline.input.value == "buy 1 BTC/USDT @ 60000"
        assert len(orders(rig)) == 1
        await pilot.press("escape")
        # Up and Down recall what ran (only lines that ran), then the draft
        await run(rig, pilot, "symbol solusdt")
        assert rig.engine.state.active_symbol == "SOL/USDT"
        rig.app.action_command_line("sym")
        recalled = []
        for key in ("up", "up", "up", "down", "down", "down"):
            await pilot.press(key)
            recalled.append(cmdline.input.value)
        assert recalled == [
            "symbol solusdt",
            "buy 0.5 ETH/USDT @ 3100 gtc",
            "buy 0.5 ETH/USDT @ 3100 gtc",  # the oldest line: up stays there
            "symbol solusdt",
            "sym",
            "sym",
        ]
        await pilot.press("escape")
        assert not rig.app.cmdline.is_open


async def test_c_cancels_one_shift_c_asks_then_cancels_all_and_patterns(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    account = rig.engine.state.account
    async with rig.app.run_test(size=WIDE) as pilot:
        first = await rest(rig, pilot, Side.BUY, "60000")
        second = await rest(rig, pilot, Side.BUY, "60001")
        await pilot.press("6", "down", "c")  # newest first: down selects the older one
        await rig.settle(pilot)
        assert account.orders[first].status is OrderStatus.CANCELED
        assert account.orders[second].status is OrderStatus.OPEN
        assert rig.app.orders.table.ordered_keys == [second]
        await rest(rig, pilot, Side.BUY, "60002")
        await rest(rig, pilot, Side.BUY, "3000", symbol="ETH/USDT")
        await pilot.press("C")
        screen = rig.app.screen
        assert isinstance(screen, ConfirmScreen)
        assert screen.question == "Cancel all 3 open orders of paper: BTC/USDT ×2, ETH/USDT?"
        await pilot.press("n")
        await rig.settle(pilot)
        assert len(account.open_orders()) == 3
        await pilot.press("C", "y")
        await rig.settle(pilot)
        assert account.open_orders() == []
        assert rig.app.orders.table.ordered_keys == []
        assert "cancel sent for 3 orders" in notifications(rig)
        await pilot.press("C")
        assert not isinstance(rig.app.screen, ConfirmScreen)
        assert "no open orders in paper" in notifications(rig)
        # from the command line: by pattern, by id, and an id that is not there
        btc = await rest(rig, pilot, Side.BUY, "60000")
        eth = await rest(rig, pilot, Side.BUY, "3000", symbol="ETH/USDT")
        await execute(rig, pilot, "cancel eth*")
        assert account.orders[eth].status is OrderStatus.CANCELED
        assert account.orders[btc].status is OrderStatus.OPEN
        await run(rig, pilot, "cancel nosuch")
        assert "no open order 'nosuch' in account paper" in rig.app.cmdline.error_text
        await pilot.press("escape")
        await execute(rig, pilot, f"cancel {btc}")
        assert account.orders[btc].status is OrderStatus.CANCELED
        # a refusal that comes back from the venue after sending is told once (the engine
        # logs it: tests/trading/test_order_log.py)
        gone = replace(account.orders[btc], status=OrderStatus.REJECTED, reason="book moved")
        for _ in range(2):
            rig.engine.bus.publish(OrderUpdated(gone))
        await rig.settle(pilot)
        told = [n for n in notifications(rig) if "refused by the venue: book moved" in n]
        assert told == [f"paper: buy 0.01 BTC/USDT ({btc}) refused by the venue: book moved"]


async def test_ladder_cursor_plus_minus_and_e_move_and_amend_orders(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    book = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"]
    bid = book.best_bid()
    assert bid is not None
    async with rig.app.run_test(size=WIDE) as pilot:
        # about 2.0 below the bid, where the book has no size: the row is added for the order
        price = next(p for p in (bid - D(k) / 10 for k in range(20, 40)) if p not in book.bids)
        client_id = await rest(rig, pilot, Side.BUY, str(price))
        row = next(r for r in ladder_text(rig.app) if f"{price:,.1f}" in r)
        assert row.startswith("◆ ") and row.split()[2] == "0.00000"
        await pilot.press("1", "down")
        assert rig.app.ladder.cursor == bid
        for _ in range(30):
            if rig.app.ladder.cursor == price:
                break
            await pilot.press("down")
        assert rig.app.ladder.cursor == price
        assert f"cursor {price}" in str(rig.app.book_pane.border_subtitle)
        await pilot.press("plus")
        await rig.settle(pilot)
        order = rig.engine.state.account.orders[client_id]
        assert order.price == price + D("0.1")
        assert rig.app.ladder.cursor == price + D("0.1")  # the cursor follows the order
        await pilot.press("minus", "minus")
        await rig.settle(pilot)
        assert order.price == price - D("0.1")
        # the ticket's price starts at the cursor
        await pilot.press("b")
        assert rig.app.screen.query_one("#price", Input).value == str(price - D("0.1"))
        await pilot.press("escape")
        # from the orders pane, + and - move the selected order
        await pilot.press("6", "plus")
        await rig.settle(pilot)
        assert order.price == price
        # no order on the cursor's row: it says so, nothing moves
        await pilot.press("1", "escape", "up", "plus")
        assert any("no order of yours at" in n for n in notifications(rig))
        assert order.price == price
        # e: the amend modal says what the change does to the queue place before Enter
        await pilot.press("6", "e")
        screen = rig.app.screen
        assert isinstance(screen, AmendScreen)
        preview = screen.query_one("#amend-preview", Static)
        assert "nothing changed" in str(preview.content)
        await pilot.press("tab", "end", "backspace", "0", "5")  # qty 0.01 -> 0.005
        assert str(preview.content) == (
            "the order keeps its place in the queue (lower quantity, same price)"
        )
        screen.query_one("#amend-price", Input).value = str(price - 1)
        await pilot.pause()
        assert "goes to the back of the queue" in str(preview.content)
        await pilot.press("enter")
        await rig.settle(pilot)
        assert (order.price, order.qty, order.status) == (price - 1, D("0.005"), OrderStatus.OPEN)
        assert any("goes to the back of the queue" in n for n in notifications(rig))
        assert f"{price - 1:,.1f}" in text_of(rig.app.orders.table)[1]
