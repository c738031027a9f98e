"""The strategies pane's v (an instance's log lines: decisions, orders, vetoes, its failure in
one line, the traceback only in the log file) and the user's strategy files that did not
load, listed in the pane as broken without stopping the app or the other strategies."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import Rig
from tests.ui.trading_kit import notifications, paper_rig, showing, table_text, until
from tradeterm.cli.compose import strategy_entries
from tradeterm.config.settings import Settings, StrategiesSettings, StrategyEntry
from tradeterm.domain.book import OrderBook
from tradeterm.strategies import Strategy, StrategyParams, StrategyState
from tradeterm.strategies.registry import BUILTINS
from tradeterm.ui.screens.strategy_form import StrategyKindScreen
from tradeterm.ui.screens.strategy_log import StrategyLogScreen

D = Decimal
log = logging.getLogger("tradeterm.strategies")


class Chatty(Strategy[StrategyParams]):
    """Logs its decision, rests a small bid and asks for far too much; divides by zero on the
    first book after ``explode`` is set."""

    kind = "chatty"
    books = 0
    explode = False

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        mid = book.mid()
        if self.books == 1 and mid is not None:
            log.info("%s: deciding to bid under %s", self.name, mid)
            price = self.bid_price(mid * D("0.9"))
            self.buy(self.lot(D(20) / price), price)
            self.buy(D(1000), price)  # far more than the account holds: refused
        if self.explode:
            print(1 / 0)


async def select(pilot: Pilot[None], rig: Rig, key: str) -> None:
    table = rig.app.strategies_pane.table
    for _ in range(10):
        if table.cursor_key == key:
            return
        await pilot.press("down")
        await pilot.pause()
    assert table.cursor_key == key


async def test_v_shows_its_decisions_orders_vetoes_and_failure_without_traceback(
    tmp_path: Path,
) -> None:
    entries = (StrategyEntry("chatty-1", "chatty", "paper", "BTC/USDT", {}, autostart=True),)
    rig = paper_rig(tmp_path, strategies=entries, strategy_kinds={**BUILTINS, "chatty": Chatty})
    app = rig.app
    log_file = tmp_path / "tradeterm.log"
    file_handler = logging.FileHandler(log_file, encoding="utf-8")
    logging.getLogger("tradeterm").addHandler(file_handler)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "chatty-1" in app.strategies.hosts)
            host = app.strategies.hosts["chatty-1"]
            rig.feed.step(rig.engine, 40)
            await until(pilot, lambda: len(host.open_orders()) == 1 and host.in_flight == 0)
            await pilot.press("0")
            await select(pilot, rig, "chatty-1")
            await pilot.press("v")
            await until(pilot, showing(app, StrategyLogScreen))
            screen = app.screen
            assert isinstance(screen, StrategyLogScreen)
            order = host.open_orders()[0]
            await until(pilot, lambda: f"order {order.client_id} buy" in screen.text)
            text = screen.text
            assert "started (chatty) on BTC/USDT, paper" in text
            assert "chatty-1: deciding to bid under" in text  # what it logged, in its callback
            assert f"order {order.client_id} buy {order.qty} BTC/USDT @ {order.price} open" in text
            assert "PlaceOrder refused: insufficient USDT" in text  # the veto, with the numbers
            assert "WARNING" in text

            assert isinstance(host.strategy, Chatty)
            host.strategy.explode = True
            rig.feed.step(rig.engine, 100)  # the strategy fails; the open screen follows
            await until(pilot, lambda: host.state is StrategyState.FAILED)
            await until(pilot, lambda: "failed:" in screen.text)
            assert (
                "failed: ZeroDivisionError in on_book: division by zero "
                "(the traceback is in the log file)" in screen.text
            )
            assert "Traceback" not in screen.text
            assert all("Traceback" not in e.message for e in rig.app.logbook.entries)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, StrategyLogScreen))
    finally:
        logging.getLogger("tradeterm").removeHandler(file_handler)
        file_handler.close()
    written = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in written and "ZeroDivisionError" in written


GOOD = (
    "from tradeterm.strategies import Strategy, StrategyParams\n\n\n"
    "class Dip(Strategy[StrategyParams]):\n"
    '    kind = "dip"\n'
)


async def test_a_broken_strategy_file_is_listed_and_the_rest_runs(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "good.py").write_text(GOOD, encoding="utf-8")
    broken_file = folder / "broken.py"
    broken_file.write_text('x = {}\nx["missing"]\n', encoding="utf-8")
    entries = (
        StrategyEntry("dip-1", "dip", "paper", "BTC/USDT", {}, autostart=True),
        StrategyEntry("gone-1", "gone", "paper", "BTC/USDT", {}, autostart=True),
    )
    # the kind 'gone' (its file is broken, say) does not keep the workstation from opening
    config = Settings(strategies=StrategiesSettings(str(folder), entries))
    _, kinds, broken = strategy_entries(config)
    assert [str(e) for e in broken] == [f"{broken_file}:2: KeyError: 'missing'"]
    rig = paper_rig(tmp_path, strategies=entries, strategy_kinds=kinds, strategy_errors=broken)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "dip-1" in app.strategies.hosts)
        assert app.strategies.hosts["dip-1"].state is StrategyState.RUNNING
        said = "\n".join(notifications(rig))
        assert "strategy gone-1 did not start" in said
        assert (
            f"kind 'gone' is not available; strategy files that did not load: {broken_file}:2"
            in said
        )
        await pilot.press("0")
        await until(pilot, lambda: "broken" in "\n".join(table_text(app.strategies_pane.table)))
        rows = table_text(app.strategies_pane.table)
        assert any("broken.py" in row and "broken" in row for row in rows)
        await select(pilot, rig, str(broken_file))
        await until(pilot, lambda: app.strategies_pane.reason != "")
        assert app.strategies_pane.reason == f"did not load: {broken_file}:2: KeyError: 'missing'"
        before = len(notifications(rig))
        await pilot.press("p")
        await until(pilot, lambda: len(notifications(rig)) > before)
        assert notifications(rig)[before:] == [
            f"strategy file did not load: {broken_file}:2: KeyError: 'missing'"
        ]
        # the start form lists it too, as one that cannot start
        await pilot.press("n")
        await until(pilot, showing(app, StrategyKindScreen))
        screen = app.screen
        assert isinstance(screen, StrategyKindScreen)
        assert list(screen.broken) == [f"{broken_file}:2: KeyError: 'missing'"]
        await pilot.press("escape")
        assert app.strategies.hosts["dip-1"].state is StrategyState.RUNNING
