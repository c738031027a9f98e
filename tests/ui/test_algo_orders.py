"""TWAP from the command line through the real app: the orders pane shows one parent with
its progress instead of its children, the engine clock sends the children, and ``c`` on
the parent cancels it as one (no child after it)."""

from __future__ import annotations

from pathlib import Path

from tests.ui.trading_kit import WIDE, D, notifications, paper_rig, run, table_text, until
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
        lines = table_text(app.orders.table)
        parent = [line for line in lines if line.lstrip().startswith("A1")]
        assert len(parent) == 1, lines
        words = parent[0].split()
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
        await until(pilot, lambda: "below one child order" in str(line.error_text))
        assert "A1" not in algo_desk(rig.engine).algos
