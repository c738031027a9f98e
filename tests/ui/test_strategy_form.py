"""The strategy start form through the real app: n in the strategies pane, pick a strategy, a
field per parameter pre-filled from its config entry, mistakes said in words in the form,
Enter starts it on the active instrument and account; snapshots at 80x24 and 160x48."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.ui.conftest import Rig, chart_drawn
from tests.ui.trading_kit import notifications, paper_rig, until
from tradeterm.config.settings import StrategyEntry
from tradeterm.strategies import StrategyState
from tradeterm.strategies.registry import BUILTINS
from tradeterm.ui.screens.strategy_form import StrategyFormScreen, StrategyKindScreen

ENTRIES = (StrategyEntry("smac-cfg", "sma_cross", "paper", "ETH/USDT", {"fast": 5, "slow": 21}),)


def form_rig(tmp_path: Path) -> Rig:
    return paper_rig(tmp_path, strategies=ENTRIES)


async def open_form(rig: Rig, pilot: Pilot[None], kind: str) -> StrategyFormScreen:
    """0, n, then the kind's line in the list."""
    await rig.settle(pilot, rounds=2)
    if rig.app.arrangement.pane_visible("chart"):  # the snapshots show it behind the form
        await until(pilot, lambda: rig.app.chart.message is None)
    await chart_drawn(pilot)
    await pilot.press("0", "n")
    await until(pilot, lambda: isinstance(rig.app.screen, StrategyKindScreen))
    await pilot.press(*["down"] * list(BUILTINS).index(kind), "enter")
    await until(pilot, lambda: isinstance(rig.app.screen, StrategyFormScreen))
    screen = rig.app.screen
    assert isinstance(screen, StrategyFormScreen)
    return screen


def field(screen: StrategyFormScreen, name: str) -> Input:
    return screen.query_one(f"#sf-{name}", Input)


async def retype(pilot: Pilot[None], screen: StrategyFormScreen, name: str, text: str) -> None:
    """Focus the field, clear it and type ``text`` key by key."""
    field(screen, name).focus()
    await pilot.pause()
    await pilot.press("ctrl+u", *text)


async def test_the_form_lists_the_parameters_prefilled_says_mistakes_and_starts(
    tmp_path: Path,
) -> None:
    rig = form_rig(tmp_path)
    app = rig.app
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_form(rig, pilot, "sma_cross")
        model = BUILTINS["sma_cross"].params_model
        # one field per parameter, the config entry's values where it gives them
        shown = {f.name: field(screen, f.name).value for f in screen.fields}
        assert list(shown) == list(model.model_fields)
        assert shown["fast"] == "5" and shown["slow"] == "21"
        assert shown["timeframe"] == str(model.model_fields["timeframe"].default)
        assert field(screen, "name").value == "smac-cfg"
        texts = " ".join(str(s.render()) for s in screen.query(Static))
        assert "at least 1 and at most 500" in texts  # fast's range
        assert "Bars in the fast average." in texts  # its docstring

        # a word where a number goes: the form says which field and what it takes
        await retype(pilot, screen, "fast", "abc")
        await pilot.press("enter")
        await until(pilot, lambda: screen.error != "")
        assert screen.error == (
            "fast: is not a whole number (allowed: whole number, at least 1 and at most 500)"
        )
        assert app.screen is screen and app.focused is field(screen, "fast")
        await retype(pilot, screen, "fast", "600")
        await pilot.press("enter")
        await until(pilot, lambda: "at most 500" in screen.error and "600" not in screen.error)
        assert screen.error.startswith("fast: must be at most 500")
        # the model's own rule, in its words
        await retype(pilot, screen, "fast", "30")
        await pilot.press("enter")
        await until(pilot, lambda: "less than slow" in screen.error)
        assert screen.error == "parameters: fast (30) must be less than slow (21)"
        await retype(pilot, screen, "name", "no spaces please")
        await pilot.press("enter")
        await until(pilot, lambda: screen.error.startswith("name:"))
        assert "letters, digits" in screen.error
        assert "smac-cfg" not in app.strategies.hosts  # nothing started yet

        await retype(pilot, screen, "name", "smac-form")
        await retype(pilot, screen, "fast", "7")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not screen)
        host = app.strategies.hosts["smac-form"]
        state = rig.engine.state
        assert host.state is StrategyState.RUNNING
        assert (host.symbol, host.account) == (state.active.symbol, state.account.name)
        assert host.params.model_dump(include={"fast", "slow"}) == {"fast": 7, "slow": 21}
        assert "strategy smac-form started" in notifications(rig)
        # a name that runs is refused by the next form
        screen = await open_form(rig, pilot, "sma_cross")
        assert field(screen, "name").value == "smac-cfg"
        await retype(pilot, screen, "name", "smac-form")
        await pilot.press("enter")
        await until(pilot, lambda: screen.error != "")
        assert screen.error == "name: 'smac-form' is running already: choose another name"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not screen)
        assert list(app.strategies.hosts) == ["smac-form"]


def test_snapshot_strategy_form_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = form_rig(tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_form(rig, pilot, "grid")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(rig.app, terminal_size=(80, 24), run_before=run_before)


def test_snapshot_strategy_form_160x48(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rig = form_rig(tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        screen = await open_form(rig, pilot, "sma_cross")
        await retype(pilot, screen, "fast", "x")
        await pilot.press("enter")
        await until(pilot, lambda: screen.error != "")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(rig.app, terminal_size=(160, 48), run_before=run_before)
