"""``:backtest`` on the workstation (real app, seeded sim): the active symbol's candles are
backtested in a worker while the UI keeps running, then the report screen shows the figures,
the plotext equity chart and the trades; bad input is said on the command line; the palette
runs it too; snapshots at 80x24 and 160x48."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot

from tests.ui.conftest import Rig, build_rig, chart_drawn
from tests.ui.trading_kit import notifications, showing, until
from tradeterm.ui import backtesting
from tradeterm.ui.cmdwords import CommandError
from tradeterm.ui.screens.backtest import BacktestScreen, EquityChart
from tradeterm.ui.widgets.cmdline import CommandLine


def crosses(closes: list[float], fast: int, slow: int) -> list[tuple[int, int | None]]:
    """(entry, exit) candle indices of sma_cross, written out plainly: in when the fast mean
    crosses above the slow one, out when it crosses below (the documented convention)."""

    def mean(i: int, n: int) -> float:
        return sum(closes[i - n + 1 : i + 1]) / n

    trades: list[tuple[int, int | None]] = []
    entry: int | None = None
    for i in range(slow, len(closes)):
        before = mean(i - 1, fast) - mean(i - 1, slow)
        now = mean(i, fast) - mean(i, slow)
        if entry is None and before <= 0 < now:
            entry = i
        elif entry is not None and before >= 0 > now:
            trades.append((entry, i))
            entry = None
    return trades + ([(entry, None)] if entry is not None else [])


async def shown(rig: Rig, pilot: Pilot[None]) -> BacktestScreen:
    await until(pilot, lambda: isinstance(rig.app.screen, BacktestScreen))
    screen = rig.app.screen
    assert isinstance(screen, BacktestScreen)
    await pilot.pause()
    return screen


async def test_backtest_opens_the_report_with_the_crossings_of_the_active_symbol() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.settle(pilot)
        state = rig.engine.state
        candles = list(state.candles[state.active])
        closes = [float(c.close) for c in candles]
        app.action_command_line("backtest sma_cross fast=10 slow=30")
        await pilot.press("enter")
        screen = await shown(rig, pilot)

        want = crosses(closes, 10, 30)
        assert want, "the seeded sim makes crossings"
        cells = screen.table_text()
        assert len(cells) == len(want) == screen.report.num_trades
        places = state.markets[state.active].price_places
        for row, (entry, exit_) in zip(cells, want, strict=True):
            assert row[2] == f"{float(candles[entry].close):,.{places}f}"
            if exit_ is None:
                assert row[3:5] == ["open", ""]
            else:
                assert row[4] == f"{closes[exit_]:,.{places}f}"
        assert screen.report.mode == "vectorised" and screen.report.candles == len(candles)
        chart = screen.query_one(EquityChart)
        assert chart.equity[0] == pytest.approx(1.0) and len(chart.equity) == len(candles)
        assert "return " in str(screen.query_one("#backtest-figures").render())
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, BacktestScreen))


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("backtest grid", "'grid' has no vectorised backtest here"),
        ("backtest sma_cros", "did you mean 'sma_cross'"),
        ("backtest sma_cross fast=40 slow=30", "fast (40) must be less than slow (30)"),
        ("backtest sma_cross speed=3", "has no parameter speed"),
        ("backtest sma_cross fast", "'fast' is not NAME=VALUE"),
        ("backtest sma_cross fee=0.5", "give a rate from 0 to 0.1"),
        ("backtest fast=30", "fast (30) must be less than slow (30)"),
    ],
)
async def test_bad_backtests_are_refused_on_the_command_line(typed: str, said: str) -> None:
    rig = build_rig()
    async with rig.app.run_test(size=(120, 40)) as pilot:
        await rig.settle(pilot)
        with pytest.raises(CommandError) as refused:
            rig.app.desk.parse(typed)
        assert said in str(refused.value)
        rig.app.action_command_line(typed)
        await pilot.press("enter")
        await pilot.pause()
        line = rig.app.query_one(CommandLine)
        assert said in line.error_text, line.error_text
        assert not isinstance(rig.app.screen, BacktestScreen)


async def test_the_ui_keeps_running_while_the_backtest_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    real = backtesting.backtest
    threads: list[str] = []

    def slow(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        assert release.wait(30)
        return real(*args)

    monkeypatch.setattr(backtesting, "backtest", slow)
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.settle(pilot)
        app.action_command_line("backtest")
        await pilot.press("enter")
        await until(pilot, lambda: bool(threads))
        # the backtest is held in its thread: the app still takes keys and draws
        await pilot.press("ctrl+p")
        await until(pilot, showing(app, CommandPalette))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
        assert threads[0] != threading.main_thread().name
        assert any("backtest sma_cross on" in n for n in notifications(rig))
        release.set()
        await shown(rig, pilot)


async def test_the_palette_runs_a_typed_backtest_and_offers_one() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rig.settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, showing(app, CommandPalette))
        await pilot.press(*"backtest sma_cross fast=5 slow=20")
        palette = app.screen
        await until(pilot, lambda: "Run: backtest sma_cross fast=5 slow=20" in _hits(palette))
        await pilot.press("enter")
        screen = await shown(rig, pilot)
        assert screen.report.params == {"fast": 5, "slow": 20}
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, BacktestScreen))

        await pilot.press("ctrl+p")
        await until(pilot, showing(app, CommandPalette))
        await pilot.press(*"backtest: sma")
        palette = app.screen
        await until(pilot, lambda: "Backtest: sma_cross on the active symbol" in _hits(palette))
        await pilot.press("enter")
        line = app.query_one(CommandLine)
        await until(pilot, lambda: line.input.value == "backtest sma_cross fast=10 slow=30")


def _hits(palette: object) -> str:
    from textual.widgets import OptionList

    assert isinstance(palette, CommandPalette)
    options = palette.query_one(OptionList)
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


def _snapshot(snap_compare: Any, size: tuple[int, int]) -> bool:
    rig = build_rig()

    async def run_before(pilot: Pilot[None]) -> None:
        await rig.settle(pilot)
        await chart_drawn(pilot)
        rig.app.action_command_line("backtest sma_cross fast=10 slow=30")
        await pilot.press("enter")
        await shown(rig, pilot)
        rig.app.clear_notifications()
        await pilot.pause()

    return bool(snap_compare(rig.app, terminal_size=size, run_before=run_before))


def test_snapshot_backtest_report_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert _snapshot(snap_compare, (80, 24))


def test_snapshot_backtest_report_160x48(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert _snapshot(snap_compare, (160, 48))
