"""Trading states from the command line and the palette: the status bar says HALTED or
REDUCING beside the mode badge, orders are refused with the reason, cancels still pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.trading_kit import WIDE, D, execute, newest, paper_rig
from tradeterm.domain.enums import OrderStatus, TradingState
from tradeterm.ui.desk import Refused


async def test_halt_reduce_resume_from_the_command_line(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        await execute(rig, pilot, "buy 0.01 BTC/USDT @ 60000")
        resting = newest(rig)
        await execute(rig, pilot, "halt")
        account = rig.engine.state.account
        assert account.trading_state is TradingState.HALTED
        await pilot.pause(0.2)
        assert " PAPER  HALTED  paper " in rig.app.status.render_line(0).text
        with pytest.raises(Refused, match="paper is HALTED: no new orders"):
            rig.app.desk.parse("buy 0.01 BTC/USDT @ 60000")
        await execute(rig, pilot, f"cancel {resting.client_id}")
        assert resting.status is OrderStatus.CANCELED  # cancels pass while halted

        await execute(rig, pilot, "reduce")
        await pilot.pause(0.2)
        assert " PAPER  REDUCING  paper " in rig.app.status.render_line(0).text
        with pytest.raises(Refused, match="REDUCING: only orders that shrink a position"):
            rig.app.desk.parse("buy 0.01 BTC/USDT @ 60000")

        await execute(rig, pilot, "resume")
        await pilot.pause(0.2)
        assert " PAPER  paper " in rig.app.status.render_line(0).text
        await execute(rig, pilot, "buy 0.01 BTC/USDT @ 60000")
        assert newest(rig).qty == D("0.01") and newest(rig).status is OrderStatus.OPEN
