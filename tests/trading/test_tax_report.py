"""`tradeterm history --tax YEAR`: disposals with FIFO cost basis from a real ledger."""

from __future__ import annotations

import calendar
import csv
import os
from pathlib import Path

from trading_rig import D, Stack, build_stack

from tradeterm import cli
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side

ETH = "ETH/USDT"


def at(stack: Stack, year: int, month: int, day: int) -> None:
    stack.clock.rewind_ns(calendar.timegm((year, month, day, 12, 0, 0, 0, 0, 0)) * 10**9)


async def trade(stack: Stack, side: Side, qty: str, price: str) -> None:
    stack.book(ETH, [(price, "10")], [(price, "10")])  # buys take the ask, sells the bid
    await stack.engine.place(PlaceOrder(ETH, side, OrderType.MARKET, qty=D(qty)))
    await stack.settle()


async def build_ledger() -> None:
    s = await build_stack(Path(os.environ["TRADETERM_DATA_DIR"]))  # where the CLI looks
    at(s, 2025, 11, 15)
    await trade(s, Side.BUY, "2", "3001.00")  # lot 1: 1.998 ETH held (0.002 fee) for 6002
    at(s, 2026, 1, 5)
    await trade(s, Side.BUY, "1", "3101.00")  # lot 2: 0.999 ETH held (0.001 fee) for 3101
    at(s, 2026, 2, 20)
    await trade(s, Side.SELL, "2.5", "3010.00")  # fee 0.1 % of 7525 = 7.525 USDT
    at(s, 2027, 1, 10)
    await trade(s, Side.SELL, "0.6", "3200.00")  # 0.497 of lot 2, then 0.103 not bought
    await s.engine.stop()


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


async def test_tax_report_matches_disposals_to_lots_first_in_first_out(
    tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    await build_ledger()
    out = tmp_path / "tax-2026.csv"
    assert cli.main(["history", "--tax", "2026", "--out", str(out)]) == 0
    rows = rows_of(out)
    disposals = [r for r in rows if r["row"] == "disposal"]
    # the sale of 2.5 takes all of lot 1 (1.998), then 0.502 of lot 2; its 7.525 fee is
    # shared by units: 7.525 x 1.998 / 2.5 = 6.01398 and 7.525 x 0.502 / 2.5 = 1.51102
    first, second = disposals
    assert (first["acquired_utc"], first["disposed_utc"]) == (
        "2025-11-15T12:00:00Z",
        "2026-02-20T12:00:00Z",
    )
    assert first["holding_days"] == "97"  # 16 (Nov) + 31 (Dec) + 31 (Jan) + 19 (Feb)
    assert [D(first[k]) for k in ("qty", "proceeds", "fees", "cost_basis", "gain")] == [
        D("1.998"),
        D("6013.98"),  # 1.998 x 3010
        D("6.01398"),
        D("6002.00"),  # lot 1's cost, its fee included
        D("6013.98") - D("6.01398") - D("6002.00"),
    ]
    assert D(first["gain"]) == D("5.96602")
    lot2_part = D("3101.00") * D("0.502") / D("0.999")
    assert second["holding_days"] == "46"  # 26 (Jan) + 20 (Feb)
    assert [D(second[k]) for k in ("qty", "proceeds", "fees", "cost_basis")] == [
        D("0.502"),
        D("1511.02"),  # 0.502 x 3010
        D("1.51102"),
        lot2_part,
    ]
    assert first["account"] == second["account"] == "paper"
    assert first["asset"] == "ETH" and first["quote"] == "USDT"
    # the 2027 sale is not in 2026's report; the totals add up the year's rows
    (total,) = [r for r in rows if r["row"] == "total"]
    assert (total["account"], total["asset"]) == ("paper", "ETH")
    assert [D(total[k]) for k in ("qty", "proceeds", "fees", "cost_basis")] == [
        D("2.5"),
        D("7525.00"),
        D("7.525"),
        D("6002.00") + lot2_part,
    ]
    printed = capsys.readouterr().out
    assert "wrote 2 disposals in 2026" in printed and "paper ETH: sold 2.5" in printed


async def test_a_later_year_keeps_the_lot_dates_and_flags_unbought_units(
    tmp_path: Path,
) -> None:
    await build_ledger()
    out = tmp_path / "tax-2027.csv"
    assert cli.main(["history", "--tax", "2027", "--account", "paper", "--out", str(out)]) == 0
    disposals = [r for r in rows_of(out) if r["row"] == "disposal"]
    rest, unbought = disposals
    # what is left of lot 2 (0.999 - 0.502 = 0.497) keeps its January 2026 date and cost
    assert rest["acquired_utc"] == "2026-01-05T12:00:00Z" and rest["holding_days"] == "370"
    assert D(rest["qty"]) == D("0.497")
    assert D(rest["cost_basis"]) == D("3101.00") - D("3101.00") * D("0.502") / D("0.999")
    # the other 0.103 came from the starting balance: no purchase, no known cost
    assert (unbought["acquired_utc"], unbought["holding_days"]) == ("", "")
    assert D(unbought["qty"]) == D("0.103") and D(unbought["cost_basis"]) == 0
    assert D(unbought["proceeds"]) == D("0.103") * D("3200.00")


def test_tax_report_refuses_a_bad_year_or_account(capsys) -> None:  # type: ignore[no-untyped-def]
    data = Path(os.environ["TRADETERM_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    (data / "ledger.sqlite").touch()
    assert cli.main(["history", "--tax", "20261"]) == 1
    assert "--tax takes a year from 1970 to 9999, got 20261" in capsys.readouterr().err
    assert cli.main(["history", "--tax", "2026", "--account", "nobody"]) == 1
    assert "unknown account 'nobody'" in capsys.readouterr().err
