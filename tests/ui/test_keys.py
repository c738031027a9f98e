"""Pilot tests: every key the workstation promises does what it says."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
from rich.style import Style
from textual.color import Color
from textual.command import CommandPalette
from textual.widgets import Static, Tabs

from tests.ui.conftest import Rig, ladder_text, rich_text
from tradeterm.domain.numbers import ceil_to, floor_to
from tradeterm.ui.app import DEFAULT_THEME
from tradeterm.ui.keys import PANE_BINDINGS
from tradeterm.ui.panes.chart import ChartPane
from tradeterm.ui.panes.log import LogPane
from tradeterm.ui.screens.help import HelpScreen
from tradeterm.ui.screens.symbols import SymbolSearch
from tradeterm.ui.widgets.ladder import Ladder
from tradeterm.ui.widgets.table import FastTable
from tradeterm.ui.widgets.tape import Tape

WIDE = (160, 48)


async def test_help_lists_every_binding_and_closes(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(rig.app.screen, HelpScreen)
        text = rich_text(rig.app.screen.query_one("Static").content)
        pane_bindings = [b for _, bindings in PANE_BINDINGS for b in bindings]
        for binding in [*rig.app.BINDINGS, *pane_bindings, *ChartPane.BINDINGS]:
            assert binding.id in text  # type: ignore[union-attr]
        grammar = rich_text(rig.app.screen.query_one("#help-grammar", Static).content)
        assert "buy 1 SOL/USDT @ 160 stop 158" in grammar and "oco sell" in grammar
        assert "alert BTC/USDT > 70000" in grammar and "alert ETH/USDT rsi < 25" in grammar
        await pilot.press("escape")
        assert not isinstance(rig.app.screen, HelpScreen)


async def test_slash_searches_and_selects_a_symbol(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("slash")
        assert isinstance(rig.app.screen, SymbolSearch)
        await pilot.press("s", "o", "l", "enter")
        await pilot.pause()
        assert rig.engine.state.active_symbol == "SOL/USDT"
        await pilot.pause(0.1)
        assert "SOL/USDT" in str(rig.app.book_pane.border_title)
        best_bid = rig.engine.state.books_on(rig.engine.feed.venue)["SOL/USDT"].best_bid()
        assert any(f"{best_bid:,.2f}" in row for row in ladder_text(rig.app))


async def test_escape_leaves_symbol_search_without_change(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        before = rig.engine.state.active_symbol
        await pilot.press("slash", "e", "t", "h", "escape")
        assert rig.engine.state.active_symbol == before
        assert not isinstance(rig.app.screen, SymbolSearch)


async def test_number_keys_focus_each_pane(rig: Rig) -> None:
    expected = {
        "1": Ladder,
        "2": Tape,
        "3": FastTable,
        "4": FastTable,
        "5": LogPane,
        "6": FastTable,
        "7": FastTable,
        "8": ChartPane,
        "9": FastTable,
    }
    async with rig.app.run_test(size=WIDE) as pilot:
        for key, kind in expected.items():
            await pilot.press(key)
            assert isinstance(rig.app.focused, kind), key
        await pilot.press("3")
        assert rig.app.focused is rig.app.scanner.table
        await pilot.press("4")
        assert rig.app.focused is rig.app.positions.balances
        await pilot.press("6")
        assert rig.app.focused is rig.app.orders.table
        await pilot.press("7")
        assert rig.app.focused is rig.app.fills.table
        await pilot.press("9")
        assert rig.app.focused is rig.app.alerts_pane.table


async def test_brackets_regroup_the_ladder(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.pause(0.1)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause(0.1)
        ladder = rig.app.ladder
        assert ladder.group_ticks == 5
        book = rig.engine.state.books_on(rig.engine.feed.venue)[rig.engine.state.active_symbol]
        step = ladder.step
        assert step is not None
        # The best ask bucket is the ask prices rounded up to the step, summed.
        best_ask_bucket = ceil_to(book.best_ask(), step)  # type: ignore[arg-type]
        expected = sum(
            (q for p, q in book.asks.levels_best_first() if ceil_to(p, step) == best_ask_bucket),
            Decimal(0),
        )
        rows = ladder_text(rig.app)
        spread_row = next(i for i, r in enumerate(rows) if "spread" in r)
        best_ask_row = rows[spread_row - 1].split()
        assert Decimal(best_ask_row[0].replace(",", "")) == best_ask_bucket
        assert Decimal(best_ask_row[1].replace(",", "")) == expected
        best_bid_row = rows[spread_row + 1].split()
        assert Decimal(best_bid_row[0].replace(",", "")) == floor_to(book.best_bid(), step)  # type: ignore[arg-type]
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        assert ladder.group_ticks == 1


async def test_t_cycles_theme_and_saves_the_choice(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        first = rig.app.theme
        await pilot.press("t")
        assert rig.app.theme != first
        assert rig.app.theme in rig.app.theme_names
        assert rig.saved_themes == [rig.app.theme]
        for _ in range(len(rig.app.theme_names) - 1):
            await pilot.press("t")
        assert rig.app.theme == first


@pytest.mark.parametrize("theme", ["tradeterm-light", "tradeterm-contrast"])
async def test_the_configured_theme_colours_the_first_frame(
    rig_factory: Callable[..., Rig], theme: str
) -> None:
    rig = rig_factory(theme=theme)
    async with rig.app.run_test(size=WIDE):
        wanted = rig.app.get_theme(theme)
        assert wanted is not None and rig.app.theme == theme
        assert rig.app.screen.styles.background == Color.parse(wanted.background)
        assert rig.saved_themes == []  # starting with a theme is not a choice to save


async def test_panes_draw_with_the_new_theme_after_t(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        ladder = rig.app.query_one(Ladder)
        before = ladder.palette
        assert before is rig.app.query_one(Tape).palette  # one palette per theme, shared
        await pilot.press("t")
        variables = rig.app.get_css_variables()
        assert ladder.palette is not before
        assert ladder.palette.bid == Style(color=variables["bid"])
        assert ladder.palette.ask == Style(color=variables["ask"])


async def test_an_unknown_theme_starts_the_default_and_says_so(
    rig_factory: Callable[..., Rig],
) -> None:
    rig = rig_factory(theme="solarised-nope")
    async with rig.app.run_test(size=WIDE):
        assert rig.app.theme == DEFAULT_THEME
        logged = [e.message for e in rig.app.logbook.entries]
        assert any("theme 'solarised-nope' not found; using tradeterm-dark" in m for m in logged)


async def test_l_filters_the_log_by_level(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        logger = logging.getLogger("tradeterm.test")
        logger.info("an info line")
        logger.warning("a warning line")
        await pilot.pause(0.1)
        log_pane = rig.app.log_pane

        def shown() -> str:
            return "\n".join(log_pane.render_line(y).text for y in range(log_pane.size.height))

        assert "an info line" in shown() and "a warning line" in shown()
        await pilot.press("l")
        await pilot.pause(0.1)
        assert "an info line" not in shown() and "a warning line" in shown()
        assert "WARN" in str(rig.app.query_one("#log-pane").border_subtitle)


async def test_q_quits_and_stops_the_engine(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert rig.engine.started
        await pilot.press("q")
        await pilot.pause()
    assert not rig.engine.started
    assert rig.app.return_code == 0


async def test_remapped_key_replaces_the_default(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory(keymap={"quit": "ctrl+q"})
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert rig.app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not rig.engine.started


async def test_command_palette_selects_a_symbol(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(rig.app.screen, CommandPalette)
        await pilot.press(*"symbol: eth/usdt")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert rig.engine.state.active_symbol == "ETH/USDT"


async def test_scanner_enter_and_click_make_a_symbol_active(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("3")
        await pilot.pause(0.3)
        table = rig.app.scanner.table
        keys = table.ordered_keys
        await pilot.press("down", "down", "enter")
        assert rig.engine.state.active_symbol == keys[2]
        # a click on the fourth data row (row 0 is the header)
        await pilot.click("#scanner-table", offset=(3, 4))
        assert rig.engine.state.active_symbol == keys[3]


async def test_scanner_sorts_by_any_column_and_keeps_the_cursor(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("3")
        await pilot.pause(0.3)
        table = rig.app.scanner.table
        await pilot.press("down")
        chosen = table.cursor_key
        table.sort_by(0, reverse=False)
        assert table.ordered_keys == sorted(table.ordered_keys)
        await pilot.press("r")
        assert table.ordered_keys == sorted(table.ordered_keys, reverse=True)
        await pilot.press("greater_than_sign")
        assert table.sort_column == 1
        assert table.cursor_key == chosen


async def test_small_terminal_shows_tabs_and_number_keys_switch_them(rig: Rig) -> None:
    async with rig.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        assert rig.app.query_one("#tabs").display
        assert rig.app.query_one("#market").display
        assert not rig.app.query_one("#scanner").display
        assert rig.app.focused is rig.app.ladder  # keys go to a pane on screen
        await pilot.click("#tab-log")
        assert rig.app.query_one("#log").display and rig.app.focused is rig.app.log_pane
        await pilot.press("4")
        assert rig.app.query_one("#positions").display
        assert not rig.app.query_one("#market").display
        assert rig.app.focused is rig.app.positions.balances
        await pilot.press("7")
        assert rig.app.query_one("#trading").display and rig.app.focused is rig.app.fills.table
        assert rig.app.orders.table.region.height > 3  # orders above fills, both in the tab
        await pilot.press("8")
        assert rig.app.query_one("#chart").display and not rig.app.query_one("#trading").display
        await pilot.resize_terminal(160, 48)
        await pilot.pause(0.1)
        assert not rig.app.query_one("#tabs").display
        groups = ("market", "scanner", "log", "positions", "trading", "chart")
        assert all(rig.app.query_one(f"#{g}").display for g in groups)


async def test_the_tab_bar_first_appears_on_the_tab_chosen_while_wide(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        assert not rig.app.query("#tabs")  # a wide start makes no tab bar
        await pilot.press("4")
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        tabs = rig.app.query_one("#tabs", Tabs)
        assert tabs.display and tabs.active == "tab-positions"
        assert rig.app.query_one("#positions").display
        assert not rig.app.query_one("#market").display


async def test_a_failing_worker_is_logged_and_shown_and_the_app_lives(rig: Rig) -> None:
    async def broken() -> None:
        raise RuntimeError("feed exploded")

    async with rig.app.run_test(size=WIDE) as pilot:
        rig.app.run_worker(broken(), name="feed.broken", group="feeds", exit_on_error=False)
        await pilot.pause(0.2)
        assert rig.app.is_running
        messages = [e.message for e in rig.app.logbook.entries]
        assert any("feed.broken" in m and "feed exploded" in m for m in messages)
        assert any("feed exploded" in n.message for n in rig.app.notices)


async def test_panes_follow_the_market_without_a_backlog(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.pause(0.2)
        symbol = rig.engine.state.active_symbol
        frames_before = rig.app.refresher.frames
        rig.feed.step(rig.engine, 3000)
        rig.clock.advance(1)
        await pilot.pause(0.25)
        book = rig.engine.state.books_on(rig.engine.feed.venue)[symbol]
        rows = ladder_text(rig.app)
        places = rig.engine.state.markets_on(rig.engine.feed.venue)[symbol].price_places
        best_bid = f"{book.best_bid():,.{places}f}"
        assert any(best_bid in r for r in rows)
        # 3000 book updates arrived at once; the ladder was drawn a handful of times, not 3000
        assert rig.app.refresher.frames - frames_before <= 8


async def test_live_account_gets_a_loud_frame_and_badge(rig: Rig) -> None:
    async with rig.app.run_test(size=WIDE) as pilot:
        rig.app.switch_account("live-main")
        await pilot.pause(0.1)
        assert rig.app.screen.has_class("-live")
        assert "LIVE" in rig.app.status.render_line(0).text
        rig.app.switch_account("paper")
        await pilot.pause(0.1)
        assert not rig.app.screen.has_class("-live")
        assert "PAPER" in rig.app.status.render_line(0).text
