"""Builds a deterministic workstation for Pilot and snapshot tests: seeded sim, frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm.domain.enums import AccountMode
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.logsetup import setup_logging
from tradeterm.ui.app import TradetermApp
from tradeterm.venues.sim.feed import SimFeed

#: 2026-01-01 12:34:56 UTC: a frozen clock makes every frame reproducible.
FROZEN_NS = 1_767_270_896_000_000_000


@dataclass
class Rig:
    app: TradetermApp
    engine: Engine
    feed: SimFeed
    clock: ManualClock
    saved_themes: list[str]


def build_rig(
    *,
    seed: int = 11,
    steps: int = 300,
    keymap: dict[str, str] | None = None,
    accounts: list[AccountSpec] | None = None,
    symbols: list[str] | None = None,
) -> Rig:
    clock = ManualClock(FROZEN_NS)
    feed = SimFeed(clock, seed=seed, rate=0, history_minutes=180, symbols=symbols)
    specs = accounts or [
        AccountSpec("paper", balances={"USDT": Decimal("10000"), "BTC": Decimal("0.25")}),
        AccountSpec("live-main", mode=AccountMode.LIVE, venue="sim"),
    ]
    engine = Engine(clock, feed, specs)
    logbook = setup_logging(None, "info", clock.now_ns)
    engine.load_markets([flow.market for flow in feed.flows.values()])
    feed.bootstrap(engine)
    feed.step(engine, steps)
    saved: list[str] = []
    app = TradetermApp(
        engine,
        logbook,
        keymap=keymap,
        save_theme=saved.append,
        start_feed=False,
        refresh_hz=20,
    )
    return Rig(app, engine, feed, clock, saved)


@pytest.fixture
def rig_factory() -> Callable[..., Rig]:
    return build_rig


@pytest.fixture
def rig() -> Rig:
    return build_rig()


def ladder_text(app: TradetermApp) -> list[str]:
    """The ladder as the user sees it, one string per line."""
    return [app.ladder.render_line(y).text for y in range(app.ladder.size.height)]


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def rich_text(renderable: object, width: int = 120) -> str:
    """Plain text of a Rich renderable as it would print at ``width`` columns."""
    from rich.console import Console

    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()
