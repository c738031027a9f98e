"""`tradeterm history` and `tradeterm record`, run through the real CLI."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from trading_rig import D, build_stack

from tradeterm import cli
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side

ETH = "ETH/USDT"


async def test_history_writes_fills_with_fifo_realized_pnl(tmp_path: Path) -> None:
    data = Path(os.environ["TRADETERM_DATA_DIR"])
    s = await build_stack(data)  # the ledger lands where the CLI looks for it
    s.book(ETH, [("3000.00", "5")], [("3001.00", "5")])
    await s.engine.place(PlaceOrder(ETH, Side.BUY, OrderType.MARKET, qty=D("2")))
    await s.settle()
    s.book(ETH, [("3010.00", "5")], [("3011.00", "5")])
    await s.engine.place(PlaceOrder(ETH, Side.SELL, OrderType.MARKET, qty=D("1.5")))
    await s.settle()
    await s.engine.stop()

    out = tmp_path / "fills.csv"
    assert cli.main(["history", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [(r["side"], r["price"], r["qty"]) for r in rows] == [
        ("buy", "3001.00", "2"),
        ("sell", "3010.00", "1.5"),
    ]
    # FIFO net of fees: the buy holds 2 - 0.002 fee = 1.998 ETH for 6002 USDT; the sale of
    # 1.5 brings 4515 - 4.515 fee = 4510.485 against 1.5/1.998 of that lot's 6002
    realized = D("4510.485") - D("6002") * D("1.5") / D("1.998")
    assert [D(r["realized_pnl"]) for r in rows] == [D(0), realized]
    assert D(rows[-1]["cum_realized_pnl"]) == realized
    assert rows[0]["fee_asset"] == "ETH" and D(rows[0]["fee"]) == D("0.002")
    assert rows[1]["fee_asset"] == "USDT" and D(rows[1]["fee"]) == D("4.515")  # 1.5 x 3010 x 0.1 %


def test_history_without_a_ledger_says_so(capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["history"]) == 1
    assert "nothing has been traded" in capsys.readouterr().err


def test_record_then_verify_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "session.ndjson.gz"
    args = [
        "--rate",
        "400",
        "record",
        "--symbols",
        "BTC/USDT",
        "SOL/USDT",
        "--seconds",
        "1",
        "--out",
        str(path),
    ]
    assert cli.main(args) == 0
    assert path.stat().st_size > 0
    assert cli.main(["replay", "--verify", str(path)]) == 0


def test_replay_of_a_missing_file_is_a_clear_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["replay", "/nonexistent/session.gz"]) == 1
    assert "no such file: /nonexistent/session.gz" in capsys.readouterr().err


async def test_history_marks_a_reset_where_the_running_pnl_restarts(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    data = Path(os.environ["TRADETERM_DATA_DIR"])
    s = await build_stack(data)
    s.book(ETH, [("3000.00", "5")], [("3000.00", "5")])
    await s.engine.place(PlaceOrder(ETH, Side.SELL, OrderType.MARKET, qty=D("1")))
    await s.settle()
    s.book(ETH, [("2990.00", "5")], [("2990.00", "5")])
    await s.engine.place(PlaceOrder(ETH, Side.BUY, OrderType.MARKET, qty=D("1")))
    await s.settle()
    s.clock.advance(60)
    await s.engine.reset_account("paper")
    s.clock.advance(60)
    await s.engine.place(PlaceOrder(ETH, Side.BUY, OrderType.MARKET, qty=D("1")))
    await s.settle()
    await s.engine.stop()

    out = tmp_path / "fills.csv"
    assert cli.main(["history", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["side"] for r in rows] == ["sell", "buy", "", "buy"]
    before, reset, after = rows[1], rows[2], rows[3]
    # the short sold at 3000 and bought back at 2990 realized a gain before the reset
    assert D(before["cum_realized_pnl"]) > 0
    assert reset["account"] == "paper" and D(reset["cum_realized_pnl"]) == 0
    assert reset["note"].startswith("account reset to its starting balances")
    assert int(before["ts_ns"]) < int(reset["ts_ns"]) < int(after["ts_ns"])
    assert D(after["cum_realized_pnl"]) == 0  # a fresh start: nothing realized yet
    printed = capsys.readouterr().out
    assert "paper was reset at " in printed and "wrote 3 fills" in printed
