"""The strategies pane on the sim (real app, paper venue): autostart, ``:strategy start``, the
pane's p / r / x keys (x asks about its orders), the tag in the orders pane, a snapshot."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from textual.pilot import Pilot

from tests.ui.conftest import Rig, chart_drawn
from tests.ui.trading_kit import execute, notifications, paper_rig, table_text
from tradeterm.config.settings import StrategyEntry
from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import OrderStatus
from tradeterm.strategies import Strategy, StrategyParams, StrategyState
from tradeterm.strategies.registry import BUILTINS
from tradeterm.ui.screens.confirm import ConfirmScreen

D = Decimal


class Bidder(Strategy[StrategyParams]):
    """On its first book it rests a buy of about 20 USDT 10 % under the mid."""

    kind = "bidder"

    placed = False

    def on_book(self, book: OrderBook) -> None:
        mid = book.mid()
        if mid is not None and not self.placed:
            self.placed = True
            price = self.bid_price(mid * D("0.9"))
            self.buy(self.lot(D(20) / price), price)


ENTRIES = (
    StrategyEntry("bid-auto", "bidder", "paper", "BTC/USDT", {}, autostart=True),
    StrategyEntry("bid-eth", "bidder", "paper", "ETH/USDT", {}),
    StrategyEntry("grid-bad", "grid", "paper", "DOGE/XYZ", {}, autostart=True),
)


def strategy_rig(tmp_path: Path) -> Rig:
    return paper_rig(tmp_path, strategies=ENTRIES, strategy_kinds={**BUILTINS, "bidder": Bidder})


async def started(rig: Rig, pilot: Pilot[None]) -> None:
    """Let the engine worker autostart, then let books reach the strategies."""
    await rig.settle(pilot, rounds=2)
    await execute(rig, pilot, "strategy start bid-eth")
    rig.feed.step(rig.engine, 400)
    await rig.settle(pilot, rounds=3)


async def test_strategies_start_pause_resume_and_stop_from_the_pane(tmp_path: Path) -> None:
    rig = strategy_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await started(rig, pilot)
        runner = app.strategies
        assert list(runner.hosts) == ["bid-auto", "bid-eth"]
        # the autostart that could not start is said, and the others started anyway
        assert any("strategy grid-bad did not start" in n for n in notifications(rig))
        tagged = {o.tag: o for o in rig.engine.state.account.orders.values() if o.is_open}
        assert set(tagged) == {"bid-auto", "bid-eth"}
        # each order's row carries its tag (the TAG column shows where the pane is wide)
        for order in tagged.values():
            row = app.orders.table.row(order.client_id)
            assert row is not None and row.cells[-1] == order.tag
        shown = "\n".join(table_text(app.strategies_pane.table))
        assert "bid-auto" in shown and "bid-eth" in shown and "running" in shown

        await pilot.press("0")
        selected = app.strategies_pane.table.cursor_key
        assert selected is not None
        host = runner.hosts[selected]
        await pilot.press("p")
        await rig.settle(pilot)
        assert host.state is StrategyState.PAUSED
        assert "paused" in "\n".join(table_text(app.strategies_pane.table))
        await pilot.press("u")
        await rig.settle(pilot)
        assert host.state is StrategyState.RUNNING

        # x asks whether to cancel its orders; y cancels them
        order = next(o for o in tagged.values() if o.tag == selected)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Stop strategy {selected}. Cancel its 1 open order(s) too?" in app.screen.question
        await pilot.press("y")
        await rig.settle(pilot, rounds=3)
        assert host.state is StrategyState.STOPPED
        assert rig.engine.state.account.orders[order.client_id].status is OrderStatus.CANCELED
        other = next(h for n, h in runner.hosts.items() if n != selected)
        assert other.state is StrategyState.RUNNING and len(other.open_orders()) == 1


async def test_command_line_mistakes_are_said_not_raised(tmp_path: Path) -> None:
    rig = strategy_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await started(rig, pilot)
        app.clear_notifications()
        await execute(rig, pilot, "strategy start nope")
        await execute(rig, pilot, "strategy resume bid-auto")
        await execute(rig, pilot, "strategy stop bid-auto keep")
        said = notifications(rig)
        assert "no strategy entry 'nope'; entries: bid-auto, bid-eth, grid-bad" in said
        assert "strategy bid-auto is running: only paused ones resume" in said
        auto = app.strategies.hosts["bid-auto"]
        assert auto.state is StrategyState.STOPPED and len(auto.open_orders()) == 1


def test_snapshot_strategies_pane_120x40(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = strategy_rig(tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await started(rig, pilot)
        await pilot.press("0")
        await rig.settle(pilot)
        pilot.app.clear_notifications()
        await chart_drawn(pilot)
        await pilot.pause()

    assert snap_compare(rig.app, terminal_size=(120, 40), run_before=run_before)
