"""A TWAP parent started in one session is back in the next one's orders pane with its
progress, says so in a notification, and goes on sending children on the engine clock."""

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
from tradeterm.engine.algos import algo_desk
from tradeterm.engine.restore import replay_ledger, resume_orders


async def test_a_restarted_session_shows_and_resumes_the_parent(tmp_path: Path) -> None:
    first = paper_rig(tmp_path)
    async with first.app.run_test(size=WIDE) as pilot:
        await run(first, pilot, "buy 0.6 ETH/USDT twap 10m")
        await until(pilot, lambda: "A1" in algo_desk(first.engine).algos)
        algo = algo_desk(first.engine).algos["A1"]
        await until(pilot, lambda: algo.filled == D("0.01"))  # the first child, at once
        await first.settle(pilot)

    # a new session on the same ledger (its own client ids, as every session has)
    rig = paper_rig(tmp_path, client_id_prefix="u")
    await resume_orders(rig.engine, replay_ledger(rig.engine))  # what engine.start does
    app = rig.app
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: any("A1 twap resumed" in n for n in notifications(rig)))
        assert "A1 twap resumed: 0.01 of 0.6 ETH done, 1/60 children sent" in notifications(rig)
        app.refresher.hurry()
        app.refresher.tick()
        await pilot.pause()
        words = parent_row(app, "A1")
        assert words[:4] == ["A1", "ETH/USDT", "buy", "twap"]
        assert "1/60" in words and "2%" in words  # 0.01 of 0.6

        algo = algo_desk(rig.engine).algos["A1"]
        rig.clock.advance(10)  # the engine clock sends the second child, as before
        await until(pilot, lambda: algo.filled == D("0.02"))
        children = [o for o in rig.engine.state.account.orders.values() if o.tag == "A1"]
        assert len(children) == 2 and algo.sent == 2
