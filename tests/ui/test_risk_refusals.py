"""A risk veto on the command line: the order is refused before it is sent, with the rule
and its numbers, the way every other broken rule is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.trading_kit import WIDE, D, execute, newest, paper_rig
from tradeterm.domain.enums import OrderStatus
from tradeterm.engine.risk_rules import RiskLimits
from tradeterm.ui.desk import Refused


async def test_order_rate_refusal_on_the_command_line(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=WIDE) as pilot:
        rig.engine.risk.set_limits("paper", RiskLimits(max_orders_per_minute=1))
        await execute(rig, pilot, "buy 0.01 BTC/USDT @ 60000")
        first = newest(rig)
        assert first.status is OrderStatus.OPEN
        with pytest.raises(Refused, match=r"maximum order rate: 1 orders in the last 60 s"):
            rig.app.desk.parse("buy 0.02 BTC/USDT @ 60000")
        assert newest(rig) is first  # nothing was sent
        await execute(rig, pilot, f"cancel {first.client_id}")  # cancels are no orders
        assert first.status is OrderStatus.CANCELED
        assert first.qty == D("0.01")
