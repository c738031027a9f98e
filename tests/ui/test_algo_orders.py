"""TWAP from the command line through the real app: the orders pane shows one parent with
its progress instead of its children, the engine clock sends the children, and ``c`` on
the parent cancels it as one (no child after it)."""

from __future__ import annotations

from pathlib import Path

from tests.ui.trading_kit import (
    WIDE,
    D,
    notifications,
    paper_rig,
    parent_row,
    run,
    until,
)
from tradeterm.engine.algos import AlgoState, algo_desk


async def test_twap_from_the_command_line_shows_one_parent_and_cancels_as_one(
    tmp_path: Path,
) -> None:
    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await run(rig, pilot, "buy 0.6 ETH/USDT twap 10m")
        desk = algo_desk(rig.engine)
        await until(pilot, lambda: "A1" in desk.algos)
        algo = desk.algos["A1"]
        assert len(algo.slices) == 60 and sum(algo.slices) == D("0.6")
        assert any(n.startswith("A1: twap buy 0.6 ETH/USDT over 10m, 60 orders") for n in
                   notifications(rig))  # fmt: skip
        await until(pilot, lambda: algo.filled == D("0.01"))  # the first child, at once

        rig.clock.advance(10)  # the engine clock sends the second child
        await until(pilot, lambda: algo.filled == D("0.02"))
        children = [o for o in rig.engine.state.account.orders.values() if o.tag == "A1"]
        assert len(children) == 2 and all(o.status.value == "filled" for o in children)

        await rig.settle(pilot)
        app.refresher.hurry()
        app.refresher.tick()
        await pilot.pause()
        words = parent_row(app, "A1")
        assert words[:4] == ["A1", "ETH/USDT", "buy", "twap"]
        assert "2/60" in words and "3%" in words and "9m50s" in words  # 0.02 of 0.6

        await pilot.press("6")
        assert app.orders.table.cursor_key == "A1"
        await pilot.press("c")
        await until(pilot, lambda: algo.state is AlgoState.CANCELED)
        rig.clock.advance(60)  # no more children come
        await rig.settle(pilot)
        assert algo.sent == 2
        assert len([o for o in rig.engine.state.account.orders.values() if o.tag == "A1"]) == 2


async def test_a_bad_algo_command_says_what_is_wrong(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await run(rig, pilot, "buy 0.00001 ETH/USDT twap 10m")
        line = app.cmdline
        await until(pilot, lambda: "twap not started" in str(line.error_text))
        assert "below min notional 5 USDT" in line.error_text  # the whole order's checks
        assert "A1" not in algo_desk(rig.engine).algos


async def test_the_ticket_algo_field_starts_a_vwap_parent(tmp_path: Path) -> None:
    from textual.widgets import Input, Static

    from tradeterm.ui.screens.ticket import TicketScreen
    from tradeterm.ui.widgets.choice import Choice

    rig = paper_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("b", "shift+tab", "right")  # type: limit -> market
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.query_one("#type", Choice).value == "market"
        assert not screen.query_one("#algo").disabled
        screen.query_one("#qty", Input).value = "$3000"
        algo = screen.query_one("#algo", Input)
        algo.value = "vwap 1x"
        await pilot.pause()
        shown = str(screen.query_one("#ticket-preview", Static).content)
        assert "algo duration '1x': a number with s, m or h" in shown
        algo.value = "vwap 30m"
        await until(
            pilot,
            lambda: (
                "vwap: 60 market orders over 30m, one every 30s"
                in str(screen.query_one("#ticket-preview", Static).content)
            ),
        )
        screen.action_submit()
        desk = algo_desk(rig.engine)
        await until(pilot, lambda: "A1" in desk.algos and app.screen is not screen)
        parent = desk.algos["A1"]
        assert parent.kind == "vwap" and parent.in_quote and parent.target == D("3000")
        assert parent.order.symbol == "BTC/USDT" and len(parent.slices) == 60
        await until(pilot, lambda: parent.spent > 0)  # the first child went at once

        # a limit order takes no algo: the field is disabled with the limit type
        await pilot.press("b")
        assert app.screen.query_one("#algo").disabled
