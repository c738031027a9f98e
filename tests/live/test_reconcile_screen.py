"""The reconciliation screen from the keyboard, on the real workstation and the Binance
stand-in: a restart after orders changed while tradeterm was down opens it by itself, the
account takes no order while it is up, adopt / record / esc act on the exchange and the
ledger, and ``:reconcile`` opens it again."""

from __future__ import annotations

from pathlib import Path

from binance_rest_standin import BinanceRestStandIn
from live_kit import ACCOUNT, make_engine
from reconcile_kit import go_down_and_back, limit_buy
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tests.ui.trading_kit import showing, until
from tradeterm.domain.commands import Arm
from tradeterm.domain.enums import OrderStatus
from tradeterm.domain.errors import OrderRejected
from tradeterm.logsetup import setup_logging
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.reconcile import ReconcileScreen
from tradeterm.ui.session import Session


def rows(screen: ReconcileScreen) -> list[list[str]]:
    table: DataTable[str] = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def to_row(pilot: Pilot[None], screen: ReconcileScreen, kind: str) -> None:
    target = next(i for i, row in enumerate(rows(screen)) if row[1] == kind)
    while screen.query_one(DataTable).cursor_row < target:
        await pilot.press("down")


async def test_the_screen_after_a_restart_adopts_records_and_lets_trading_resume(
    standin: BinanceRestStandIn, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite"
    down = await go_down_and_back(standin, ledger)
    engine, venue = make_engine(standin, ledger)
    app = TradetermApp(Session(engine, setup_logging(None, "info")), refresh_hz=20)
    account = engine.state.accounts[ACCOUNT]
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, showing(app, ReconcileScreen))
        screen = app.screen
        assert isinstance(screen, ReconcileScreen)
        kinds = [row[1] for row in rows(screen)]
        assert "filled while tradeterm was down" in kinds
        assert "cancelled at the exchange" in kinds
        assert "open order tradeterm never knew" in kinds
        assert "fill tradeterm never knew" in kinds
        await engine.execute(Arm(ACCOUNT))
        before = len(standin.posts())
        try:
            await engine.execute(limit_buy("58000.00"))
            raise AssertionError("an order left while reconciling")
        except OrderRejected as refused:
            assert "being reconciled" in str(refused)
        assert len(standin.posts()) == before

        await to_row(pilot, screen, "open order tradeterm never knew")
        await pilot.press("a")
        said = screen.query_one("#rec-said", Static)
        await until(pilot, lambda: "tradeterm follows it now" in str(said.render()))
        adopted = [o for o in account.orders.values() if o.venue_order_id == str(down.stranger)]
        assert adopted and adopted[0].status is OrderStatus.OPEN
        await pilot.press("c")  # already adopted: told so, nothing cancelled
        await until(pilot, lambda: "already done" in str(said.render()))
        assert standin.by_id[down.stranger].status == "NEW"

        await to_row(pilot, screen, "fill tradeterm never knew")
        await pilot.press("a")  # not offered for a fill
        await until(pilot, lambda: "adopt is not offered here" in str(said.render()))
        await pilot.press("r")
        await until(pilot, lambda: "recorded: Binance trade" in str(said.render()))
        assert [r[3] for r in rows(screen) if r[1] == "fill tradeterm never knew"] == ["record"]

        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ReconcileScreen))
        assert not account.reconciling
        await engine.place(limit_buy("58000.00"))
        assert len(standin.posts()) == before + 1

        await pilot.press("colon", *"reconcile", "enter")
        await until(pilot, showing(app, ReconcileScreen))
        assert account.reconciling
        await pilot.press("escape")
        await until(pilot, lambda: not account.reconciling)
    await venue.close()
