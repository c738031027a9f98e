"""The session capture feeds the report: mid paths, fills, marks, seeking back."""

from __future__ import annotations

from pathlib import Path

from trading_rig import D, build_stack

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.engine.session_capture import SessionCapture

ETH = "ETH/USDT"


async def test_capture_records_mid_changes_and_fills(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    capture = SessionCapture(s.engine)
    s.book(ETH, [("3000.00", "5")], [("3002.00", "5")])
    s.book(ETH, [("3000.00", "4")], [("3002.00", "5")])  # same mid: no sample
    s.clock.advance(1)
    s.book(ETH, [("3001.00", "5")], [("3003.00", "5")])
    order = await s.engine.place(PlaceOrder(ETH, Side.BUY, OrderType.MARKET, qty=D("1")))
    await s.settle()
    path = capture.paths[ETH]
    assert [mid for _, mid in path] == [D("3001.00"), D("3002.00")]
    assert path[1][0] - path[0][0] == 1_000_000_000
    assert [f.client_id for f in capture.fills] == [order.client_id]
    assert capture.marks()[ETH] == D("3002.00")
    capture.drop_after(path[0][0])
    assert [mid for _, mid in capture.paths[ETH]] == [D("3001.00")]
    assert capture.fills == []
