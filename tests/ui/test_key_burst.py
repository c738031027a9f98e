"""Keys that arrive in one burst (a paste, an SSH link, a tmux script): every key is taken, in
order, by the widget the key before it opened. A burst is posted to the app the way the
terminal driver posts one read: every key queued before the app takes the first."""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path

import pytest
from textual import events
from textual.app import App
from textual.command import Hits
from textual.keys import KEY_NAME_REPLACEMENTS
from textual.pilot import Pilot
from textual.widgets import OptionList

from tests.ui.conftest import Rig, build_rig
from tests.ui.scanner_kit import redraw
from tests.ui.trading_kit import WIDE, D, newest, orders, paper_rig, until
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.ui.commands import WorkstationCommands
from tradeterm.ui.screens.amend import AmendScreen
from tradeterm.ui.screens.ticket import TicketScreen


def burst(app: App[None], keys: list[str]) -> None:
    """Queue ``keys`` (single characters, or key names such as "enter") all at once."""
    for key in keys:
        if len(key) == 1:
            name = key if key.isalnum() else unicodedata.name(key).lower().replace(" ", "_")
            name = KEY_NAME_REPLACEMENTS.get(name, name)  # as the terminal driver names it
            app.post_message(events.Key(name, key))
        else:
            app.post_message(events.Key(key, "\r" if key == "enter" else None))


async def settled(rig: Rig, pilot: Pilot[None]) -> None:
    for _ in range(6):
        await pilot.pause()
    await rig.settle(pilot)


async def test_command_line_runs_a_burst(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        burst(app, [*":buy 0.01 BTC/USDT", "enter"])
        await settled(rig, pilot)
        assert len(orders(rig)) == 1  # "b" and "s" in the text opened no ticket
        order = newest(rig)
        assert (order.symbol, order.side, order.qty) == ("BTC/USDT", Side.BUY, D("0.01"))
        assert not app.cmdline.is_open
        assert app.cmdline.history == ["buy 0.01 BTC/USDT"]
        assert len(app.screen_stack) == 1


async def test_two_commands_in_one_burst_run_in_order(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        burst(app, [*":buy 0.01 BTC/USDT @ 60000", "enter"])
        await settled(rig, pilot)
        burst(app, [*":sell 0.02 BTC/USDT @ 90000", "enter"])
        await settled(rig, pilot)
        placed = [(o.side, o.qty, o.price) for o in orders(rig)]
        assert placed == [(Side.BUY, D("0.01"), D(60000)), (Side.SELL, D("0.02"), D(90000))]


async def test_symbol_search_takes_the_keys_after_the_slash() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert rig.engine.state.active_symbol != "SOL/USDT"
        burst(app, [*"/SOL/USDT", "enter"])
        await settled(rig, pilot)
        assert rig.engine.state.active_symbol == "SOL/USDT"
        assert len(app.screen_stack) == 1


async def test_ticket_takes_the_quantity_and_enter(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        burst(app, [*"b0.01", "enter"])
        await settled(rig, pilot)
        assert not isinstance(app.screen, TicketScreen)
        order = newest(rig)
        book = rig.engine.state.books_on(rig.engine.feed.venue)["BTC/USDT"]
        assert (order.side, order.qty) == (Side.BUY, D("0.01"))
        assert order.price is not None and order.price <= (book.best_ask() or 0)


async def test_filter_line_takes_the_filter_and_enter() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        app.scans.run_now()
        await redraw(rig, pilot)
        await pilot.press("1")  # the book has the keys; "3" gives them to the scanner
        burst(app, [*'3fsymbol ~ "ETH*"', "enter"])
        await settled(rig, pilot)
        scanner = app.scanner
        assert scanner.rule is not None and scanner.rule.text == 'symbol ~ "ETH*"'
        assert not scanner.filter_line.is_open and app.focused is scanner.table
        shown = scanner.table.ordered_keys
        assert shown and all(symbol.startswith("ETH") for symbol in shown)


async def test_palette_takes_an_order_in_a_burst(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        burst(app, ["ctrl+p", *"buy 0.01 BTC/USDT", "enter"])
        for _ in range(200):  # the palette searches in its own tasks (slow on a loaded machine)
            await pilot.pause(0.02)
            if rig.engine.state.account.orders:
                break
        await rig.settle(pilot)
        order = newest(rig)
        assert (order.symbol, order.side, order.qty) == ("BTC/USDT", Side.BUY, D("0.01"))
        assert len(app.screen_stack) == 1


async def test_palette_runs_the_typed_order_over_hits_of_a_shorter_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hits shown lag the typing: "buy" shows "Order: buy ticket" until the search for the
    whole text answers (held here until the end, as a loaded machine may hold it). Enter runs
    the order typed, not that stale hit."""
    held = asyncio.Event()
    search = WorkstationCommands.search

    async def slow_search(self: WorkstationCommands, query: str) -> Hits:
        if query != "buy":
            await held.wait()
        async for hit in search(self, query):
            yield hit

    monkeypatch.setattr(WorkstationCommands, "search", slow_search)
    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+p", *"buy")
        await until(pilot, lambda: app.screen.query_one(OptionList).option_count > 0)
        burst(app, [*" 0.01 BTC/USDT", "enter"])
        await settled(rig, pilot)
        held.set()
        order = newest(rig)
        assert (order.symbol, order.side, order.qty) == ("BTC/USDT", Side.BUY, D("0.01"))
        assert len(app.screen_stack) == 1  # no ticket: the stale hit did not run


async def test_amend_takes_the_price_and_enter_after_e(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        order = await rig.engine.place(PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT,
                                                  qty=D("0.01"), price=D(50000)))  # fmt: skip
        await rig.settle(pilot)
        await pilot.press("6")  # the orders pane has the keys, its only order selected
        await pilot.pause()
        burst(app, [*"e49000", "enter"])
        await settled(rig, pilot)
        assert not isinstance(app.screen, AmendScreen)
        assert len(app.screen_stack) == 1
        amended = rig.engine.state.account.orders[order.client_id]
        assert (amended.price, amended.qty) == (D(49000), D("0.01"))
        assert amended.status is OrderStatus.OPEN


async def test_why_closes_on_escape_in_the_same_burst() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        app.scans.run_now()
        await redraw(rig, pilot)
        await pilot.press("3")
        await pilot.pause()
        symbol = app.scanner.table.cursor_key
        burst(app, ["w", "escape", "down"])
        await settled(rig, pilot)
        assert len(app.screen_stack) == 1  # escape closed the why screen it was meant for
        assert app.focused is app.scanner.table
        assert app.scanner.table.cursor_key != symbol  # the key after escape reached the table


async def test_w_in_the_filter_line_is_text() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        app.scans.run_now()
        await redraw(rig, pilot)
        await pilot.press("1")
        burst(app, [*'3fsymbol ~ "W*"', "enter"])
        await settled(rig, pilot)
        assert len(app.screen_stack) == 1  # "w" opened no why screen
        scanner = app.scanner
        assert scanner.rule is not None and scanner.rule.text == 'symbol ~ "W*"'
