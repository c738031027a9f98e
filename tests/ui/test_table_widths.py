"""Tables on a terminal that changes size: every header sits over its values at 220, 140 and 80
columns, and the columns a narrow terminal left out come back when it is wide again."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Tab

from tests.ui.conftest import Rig
from tests.ui.trading_kit import D, paper_rig, table_text
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.ui.layout import TAB_BAR_MIN_WIDTH
from tradeterm.ui.widgets.table import FastTable

ORDERS = (
    PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=D("0.01")),
    PlaceOrder("ETH/USDT", Side.BUY, OrderType.MARKET, qty=D("0.5")),
    PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D("67000.0")),
    PlaceOrder("ETH/USDT", Side.SELL, OrderType.LIMIT, qty=D("0.2"), price=D("3300")),
    PlaceOrder("BTC/USDT", Side.SELL, OrderType.STOP_MARKET, qty=D("0.01"), stop_price=D(66000)),
)


async def trade(rig: Rig, pilot: Pilot[None]) -> None:
    """Two fills, three assets, two positions and three open orders."""
    for cmd in ORDERS:
        await rig.engine.place(cmd)
    await rig.settle(pilot)


async def resize(rig: Rig, pilot: Pilot[None], width: int, height: int) -> None:
    await pilot.resize_terminal(width, height)
    await pilot.pause()
    await rig.settle(pilot)


def shown(table: FastTable) -> list[str]:
    """The labels of the columns the table lays out at its width."""
    return [c.label for c, w in zip(table.columns, table.column_widths, strict=True) if w]


def assert_aligned(table: FastTable) -> None:
    """Each column's label and each row's cell are drawn in the cells laid out for that column
    (so a header is always over its own values)."""
    lines = table_text(table)
    assert len(lines) > 1 and table.size.width > 0
    x = 0
    for i, (column, width) in enumerate(zip(table.columns, table.column_widths, strict=True)):
        if not width:
            continue
        label = lines[0][x : x + width].strip().rstrip("▲▼")
        cut = label.endswith("…") and column.label.startswith(label[:-1])
        assert label == column.label or cut, (table.id, label)
        for key, line in zip(table.visible_keys, lines[1:], strict=False):
            row = table.row(key)
            assert row is not None
            text, cell = line[x : x + width].strip(), row.cells[i].strip()
            assert (
                text == cell
                or (column.keep_end and cell.endswith(text))
                or (text.endswith("…") and cell.startswith(text[:-1]))
            ), (table.id, column.label, text, cell)
        x += width + 1
    assert x - 1 <= table.size.width


def tables(rig: Rig) -> dict[str, FastTable]:
    app = rig.app
    return {
        "orders": app.orders.table,
        "fills": app.fills.table,
        "balances": app.positions.balances,
        "positions": app.positions.positions,
        "alerts": app.alerts_pane.table,
        "scanner": app.scanner.table,
    }


async def test_columns_come_back_after_a_narrow_terminal(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=(220, 60)) as pilot:
        await trade(rig, pilot)
        wide = {name: shown(table) for name, table in tables(rig).items()}
        assert {"TYPE", "STATUS", "TRIGGER"} <= set(wide["orders"])
        assert {"SYMBOL", "FEE", "LIQ"} <= set(wide["fills"])
        assert {"STATUS", "REP"} <= set(wide["alerts"])
        assert rig.app.positions.balances.row_count == 3
        for table in tables(rig).values():
            assert_aligned(table)
        wide_text = {name: table_text(table) for name, table in tables(rig).items()}

        await resize(rig, pilot, 80, 24)
        for key, names in (("4", ("balances", "positions")), ("6", ("orders", "fills"))):
            await pilot.press(key)
            await rig.settle(pilot)
            for name in names:
                assert_aligned(tables(rig)[name])
        # every tab's title is on screen at 80 columns
        tabs = list(rig.app.query(Tab).results())
        assert len(tabs) == 6 and all(t.region.right <= TAB_BAR_MIN_WIDTH for t in tabs)

        await resize(rig, pilot, 220, 60)
        for name, table in tables(rig).items():
            assert shown(table) == wide[name], name
            assert_aligned(table)
            assert table_text(table) == wide_text[name], name


async def test_at_140_columns_the_three_assets_and_the_pnl_show(tmp_path: Path) -> None:
    rig = paper_rig(tmp_path)
    async with rig.app.run_test(size=(140, 45)) as pilot:
        await trade(rig, pilot)
        balances, positions = rig.app.positions.balances, rig.app.positions.positions
        assert [line.split()[0] for line in table_text(balances)[1:4]] == ["BTC", "ETH", "USDT"]
        assert {"SYMBOL", "QTY", "UNREAL PnL"} <= set(shown(positions))
        for table in tables(rig).values():
            assert_aligned(table)
