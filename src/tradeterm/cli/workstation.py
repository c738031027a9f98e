"""Opening the workstation: on the configured venue, or on a replay of recorded sessions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tradeterm import paths
from tradeterm.cli.compose import LEDGER_FILE, build_engine, data_dir_for, sim_feed
from tradeterm.config.load import save_setting
from tradeterm.config.models import Config
from tradeterm.engine.clock import ManualClock, SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.logbook import LogBook
from tradeterm.engine.ports import MarketFeed
from tradeterm.logsetup import setup_logging


def run_workstation(config: Config, config_path: Path) -> int:
    clock = SystemClock()
    data_dir = data_dir_for(config)
    logbook = setup_logging(data_dir / "logs", config.general.log_level, clock.now_ns)
    engine = build_engine(config, clock, sim_feed(config, clock), data_dir / LEDGER_FILE)
    _run_app(config, config_path, engine, logbook)
    return 0


def run_replay(config: Config, config_path: Path, files: Sequence[Path], speed: float) -> int:
    """The workstation on a replay venue. Practice orders go to paper accounts that start
    fresh for each replay (no ledger: a replay is a rehearsal, not the user's books)."""
    from tradeterm.domain.errors import TradetermError
    from tradeterm.venues.replay import ReplayFeed

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise TradetermError(f"no such file: {', '.join(missing)}")
    clock = ManualClock(0)  # the replay drives the clock: panes show the session's time
    data_dir = data_dir_for(config)
    logbook = setup_logging(data_dir / "logs", config.general.log_level, clock.now_ns)
    feed: MarketFeed = ReplayFeed(list(files), clock, speed=speed)
    engine = build_engine(config, clock, feed, None, paper_only=True)
    _run_app(config, config_path, engine, logbook)
    return 0


def _run_app(config: Config, config_path: Path, engine: Engine, logbook: LogBook) -> None:
    from tradeterm.ui.app import TradetermApp

    def save_theme(name: str) -> None:
        save_setting(config_path, "ui", "theme", name)

    app = TradetermApp(
        engine,
        logbook,
        theme=config.ui.theme,
        refresh_hz=config.ui.refresh_hz,
        keymap=dict(config.ui.keys),
        user_themes=paths.config_dir() / "themes",
        save_theme=save_theme,
        export_dir=data_dir_for(config) / "exports",
    )
    app.run()
