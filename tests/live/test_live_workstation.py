"""The whole path from the keyboard: the workstation on a live account, ``:arm`` with the
typed name, an order on the command line -> risk -> ccxt -> the Binance stand-in -> the
exchange's answer -> the orders pane; and the refusal while disarmed, with nothing sent."""

from __future__ import annotations

from pathlib import Path

from binance_rest_standin import BinanceRestStandIn
from live_kit import ACCOUNT, make_engine

from tests.ui.trading_kit import showing, until
from tradeterm.domain.enums import OrderStatus
from tradeterm.logsetup import setup_logging
from tradeterm.ui.app import TradetermApp
from tradeterm.ui.live import ArmScreen
from tradeterm.ui.session import Session


def orders_text(app: TradetermApp) -> str:
    table = app.orders.table
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_a_live_order_from_the_command_line_reaches_the_exchange_and_the_pane(
    standin: BinanceRestStandIn, tmp_path: Path
) -> None:
    engine, venue = make_engine(standin, tmp_path / "ledger.sqlite")
    app = TradetermApp(Session(engine, setup_logging(None, "info")), refresh_hz=20)
    account = engine.state.accounts[ACCOUNT]
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: "USDT" in account.balances)  # the venue's first poll
        assert "LIVE DISARMED" in app.status.render_line(0).text
        await pilot.press("colon", *"buy 0.01 BTC/USDT @ 60000", "enter")
        said = app.logbook.entries
        await until(pilot, lambda: any("DISARMED" in e.message for e in said))
        assert any(":arm and then bn-live" in e.message for e in said)
        assert standin.posts() == []  # refused before anything was sent
        await pilot.press("escape")
        await pilot.press("colon", *"arm", "enter")
        await until(pilot, showing(app, ArmScreen))
        assert "Binance has no dead-man's switch" in str(app.screen.query_one("#arm-note").render())
        await pilot.press(*ACCOUNT, "enter")
        await until(pilot, lambda: account.armed)
        await pilot.press("colon", *"buy 0.01 BTC/USDT @ 60000", "enter")
        await until(pilot, lambda: any(o.status is OrderStatus.OPEN
                                       for o in account.orders.values()))  # fmt: skip
        [sent] = standin.posts()
        [order] = [o for o in account.orders.values() if o.status is OrderStatus.OPEN]
        assert sent["newClientOrderId"] == order.client_id
        await until(pilot, lambda: "60,000.00" in orders_text(app))
        assert "LIVE ARMED" in app.status.render_line(0).text
        assert app.screen.has_class("-armed")
    await venue.close()
