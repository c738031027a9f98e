"""``tradeterm`` creates its ledger on a thread of its own while the first frame is drawn
(``prepare_ledger``): a new ledger is mostly waiting for the disk, which held up a first
start's first book. The session opens that same ledger; errors are still the session's."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tradeterm.cli import workstation
from tradeterm.config.load import load_config
from tradeterm.domain.errors import FatalError
from tradeterm.engine.ledger import SCHEMA_VERSION, Ledger
from tradeterm.ui.app import TradetermApp


def schema_of(path: Path) -> int | None:
    if not path.exists():
        return None
    with sqlite3.connect(path) as db:
        try:
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:
            return None
    return int(row[0]) if row else None


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """``run_workstation`` with no terminal (the test replaces the app's ``run``)."""
    import gc

    monkeypatch.setenv("TRADETERM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(workstation, "setup_logging", lambda *_args: None)
    try:
        yield tmp_path / "data"
    finally:
        gc.enable()


def test_the_ledger_is_made_before_the_session_is_built(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = data_dir / "ledger.sqlite"
    seen: dict[str, int | None] = {}

    def run(app: TradetermApp) -> None:
        # the session is built only after the first frame: here, none is built at all
        deadline = time.monotonic() + 30
        while schema_of(ledger) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        seen["schema"] = schema_of(ledger)

    monkeypatch.setattr(TradetermApp, "run", run)
    config = load_config(None, data_dir.parent / "no-config.toml")[0]
    assert workstation.run_workstation(config, data_dir.parent / "config.toml") == 0
    assert seen == {"schema": SCHEMA_VERSION}
    opened = Ledger(ledger)  # what the session opens: the same, ready ledger
    try:
        assert opened.schema_version == SCHEMA_VERSION
    finally:
        opened.close()


def test_a_ledger_that_cannot_be_made_is_left_to_the_session_to_report(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (data_dir / "ledger.sqlite").mkdir(parents=True)  # a folder where the file should be
    escaped: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))
    wait = workstation.prepare_ledger(data_dir / "ledger.sqlite")
    wait()
    assert escaped == []  # no traceback from the thread
    with pytest.raises(FatalError, match="ledger"):
        Ledger(data_dir / "ledger.sqlite")
