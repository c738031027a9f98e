"""Opening the workstation: on the configured venue, or on a replay of recorded sessions."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradeterm import code_cache, paths
from tradeterm.cli.market import check_market
from tradeterm.config.load import save_setting
from tradeterm.config.settings import Settings
from tradeterm.engine.clock import ManualClock, SystemClock
from tradeterm.logsetup import setup_logging

if TYPE_CHECKING:
    from tradeterm.ui.session import Session


def run_workstation(config: Settings, config_path: Path) -> int:
    """What config says about the market is checked first (a bad alert exits before the
    screen); the market, the engine and the panes' contents are built once the
    workstation's first frame is on screen (see ``ui/app.py``).

    No garbage collection runs from here until the workstation is open with its market
    (then ``collect_again``): the start makes mostly objects that live as long as the app,
    and scanning them again and again (the young generation about 190 times, the middle one
    16, from launch to the first book) was about a tenth of the time to the first book."""
    gc.disable()
    try:
        return _run_workstation(config, config_path)
    finally:
        gc.enable()


def _run_workstation(config: Settings, config_path: Path) -> int:
    from tradeterm.ui.app import TradetermApp

    rules = check_market(config)
    clock = SystemClock()
    logbook = setup_logging(
        paths.data_dir_for(config) / "logs", config.general.log_level, clock.now_ns
    )

    ledger_ready = prepare_ledger(paths.data_dir_for(config) / paths.LEDGER_FILE)

    def open_session() -> Session:
        from tradeterm.cli.compose import open_session

        ledger_ready()
        return open_session(config, clock, logbook, rules, config_path.parent)

    def collect_again() -> None:
        # Every object made so far (modules, classes, the config, the engine, the panes:
        # about 150,000) lives as long as the app. Frozen, the collector's passes never scan
        # them again; reference counting still frees whatever they let go of.
        gc.freeze()
        gc.enable()
        code_cache.save()  # what this start compiled, for the next (once the book is drawn)

    app = TradetermApp(open_session, on_open=collect_again, **_app_options(config, config_path))
    app.run()
    code_cache.save()  # and what the screens opened since compiled
    return app.return_code or 0


def prepare_ledger(path: Path) -> Callable[[], None]:
    """Create (or migrate) the ledger at ``path`` on a thread of its own, while the first frame
    is drawn; returns what waits for that. A new ledger is mostly waiting for the disk (its
    schema is committed durably: 30-45 ms here, under 3 ms of it work), which held up the
    first book of a first start. Any error is left for the session's own ``Ledger(path)``
    to report, as before."""

    def create() -> None:
        try:
            from tradeterm.engine.ledger import Ledger

            Ledger(path).close()
        except Exception:  # the session's own Ledger(path) reports it
            return

    thread = threading.Thread(target=create, name="ledger-prepare", daemon=True)
    thread.start()
    return thread.join


def run_replay(config: Settings, config_path: Path, files: Sequence[Path], speed: float) -> int:
    """The workstation on a replay venue. Practice orders go to paper accounts that start
    fresh for each replay (no ledger: a replay is a rehearsal, not the user's books)."""
    from tradeterm.cli.compose import build_engine
    from tradeterm.domain.errors import TradetermError
    from tradeterm.engine.session_capture import SessionCapture
    from tradeterm.ui.replay_app import ReplayApp
    from tradeterm.venues.replay import ReplayFeed

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise TradetermError(f"no such file: {', '.join(missing)}")
    clock = ManualClock(0)  # the replay drives the clock: panes show the session's time
    data_dir = paths.data_dir_for(config)
    logbook = setup_logging(data_dir / "logs", config.general.log_level, clock.now_ns)
    feed = ReplayFeed(list(files), clock, speed=speed)
    engine = build_engine(config, clock, feed, None, paper_only=True)
    capture = SessionCapture(engine)
    app = ReplayApp(engine, logbook, feed, capture, files, **_app_options(config, config_path))
    gc.freeze()  # all made so far lives as long as the app: the collector need not scan it
    code_cache.save()
    app.run()
    code_cache.save()
    return 0


def _app_options(config: Settings, config_path: Path) -> dict[str, Any]:
    def save_theme(name: str) -> None:
        save_setting(config_path, "ui", "theme", name)

    return {
        "theme": config.ui.theme,
        "refresh_hz": config.ui.refresh_hz,
        "keymap": dict(config.ui.keys),
        "user_themes": paths.config_dir() / "themes",
        "save_theme": save_theme,
        "export_dir": paths.data_dir_for(config) / "exports",
    }
