"""Builds a deterministic workstation for Pilot and snapshot tests: seeded sim, frozen clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from textual.pilot import Pilot

from tradeterm.analysis.alerts import AlertBook
from tradeterm.config.settings import StrategyEntry
from tradeterm.domain.enums import AccountMode, FillModel
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.logsetup import setup_logging
from tradeterm.strategies.registry import StrategyClass
from tradeterm.strategies.status import LoadError
from tradeterm.ui.alerting import Notifier
from tradeterm.ui.app import DEFAULT_THEME, TradetermApp
from tradeterm.ui.recording import RecorderFactory
from tradeterm.ui.session import Session
from tradeterm.venues.paper import PaperVenue
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
    venues: dict[str, PaperVenue] = field(default_factory=dict)

    async def settle(self, pilot: Pilot[None] | None = None, rounds: int = 1) -> None:
        """Let every journaled record be applied, then let the app redraw."""
        for _ in range(rounds):
            for venue in self.venues.values():
                venue.poll()
            await self.engine.trading.writer.drain()
            if pilot is not None:
                await pilot.pause()
        if pilot is not None:
            self.app.refresher.hurry()
            self.app.refresher.tick()
            await pilot.pause()


def build_rig(
    *,
    seed: int = 11,
    steps: int = 300,
    keymap: dict[str, str] | None = None,
    accounts: list[AccountSpec] | None = None,
    symbols: list[str] | None = None,
    paper_dir: Path | None = None,
    fill_model: FillModel = FillModel.REALISTIC,
    export_dir: Path | None = None,
    universe: str = "core",
    history_minutes: int = 180,
    scan_interval: float = 0.0,
    alerts_dir: Path | None = None,
    notifier: Notifier | None = None,
    recorder: RecorderFactory | None = None,
    theme: str = DEFAULT_THEME,
    strategies: tuple[StrategyEntry, ...] = (),
    strategy_kinds: Mapping[str, StrategyClass] | None = None,
    strategy_errors: tuple[LoadError, ...] = (),
    client_id_prefix: str = "t",
) -> Rig:
    """A workstation on a seeded sim with a frozen clock.

    With ``paper_dir``, the engine journals to a real SQLite ledger there and every paper
    account trades on a real paper venue (latency 0, ``fill_model``), so orders placed from
    the UI go the whole way: checks, journal, venue, fills.

    The scanner runs only when a test asks (``app.scans.run_now()``) unless ``scan_interval``
    is given: a pass finishing in a thread at a random moment would make frames differ. With
    ``alerts_dir``, alerts are kept in ``alerts.json`` and the status file
    ``last-alert.txt`` there, as the CLI keeps them in the data directory.
    """
    clock = ManualClock(FROZEN_NS)
    feed = SimFeed(
        clock,
        seed=seed,
        rate=0,
        history_minutes=history_minutes,
        symbols=symbols,
        universe=universe,
    )
    specs = accounts or [
        AccountSpec("paper", balances={"USDT": Decimal("10000"), "BTC": Decimal("0.25")}),
        AccountSpec("live-main", mode=AccountMode.LIVE, venue="sim"),
    ]
    ledger = Ledger(paper_dir / "ledger.sqlite") if paper_dir is not None else None
    engine = Engine(clock, feed, specs, ledger=ledger, client_id_prefix=client_id_prefix)
    venues: dict[str, PaperVenue] = {}
    if paper_dir is not None:
        for spec in specs:
            if spec.mode is AccountMode.PAPER:
                venues[spec.name] = PaperVenue(
                    spec.name,
                    engine.view(engine.feed.venue),
                    clock,
                    fill_model=fill_model,
                    latency_ms=0,
                )
                engine.attach_venue(spec.name, venues[spec.name])
    logbook = setup_logging(None, "info", clock.now_ns)
    engine.load_markets([flow.market for flow in feed.flows.values()])
    feed.bootstrap(engine)
    feed.step(engine, steps)
    saved: list[str] = []
    book = None
    if alerts_dir is not None:
        book = AlertBook(
            alerts_dir / "alerts.json",
            alerts_dir / "last-alert.txt",
            engine.bus.publish,
            clock.now_ns,
        )
    app = TradetermApp(
        Session(engine, logbook, book, recorder, (), strategies, strategy_kinds, strategy_errors),
        keymap=keymap,
        save_theme=saved.append,
        start_feed=False,
        refresh_hz=20,
        export_dir=export_dir,
        scan_interval=scan_interval,
        notifier=notifier,
        theme=theme,
    )
    return Rig(app, engine, feed, clock, saved, venues)


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


async def chart_drawn(pilot: Pilot[None]) -> None:
    """Wait until the chart pane, when on screen, has drawn what it was given (it imports its
    libraries in a thread before its first drawing and throttles the next ones)."""
    app = cast("TradetermApp", pilot.app)
    chart = app.chart
    if not app.arrangement.pane_visible("chart"):
        await pilot.pause()
        return
    for _ in range(300):
        await pilot.pause()
        if chart.render_count and not chart.stale and not chart.draw_scheduled:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the chart did not draw")
