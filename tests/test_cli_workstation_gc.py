"""``tradeterm`` starts with the garbage collector off and turns it on, with everything made
by then frozen, once the workstation is open with its market (``run_workstation``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tradeterm.cli import workstation
from tradeterm.config.load import load_config
from tradeterm.ui.app import TradetermApp


@pytest.fixture
def start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """``run_workstation`` with no terminal: the test replaces the app's ``run``; the
    collector is left on and unfrozen afterwards whatever happened."""
    monkeypatch.setenv("TRADETERM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(workstation, "setup_logging", lambda *_args: None)
    try:
        yield tmp_path
    finally:
        gc.unfreeze()
        gc.enable()


def test_no_collection_runs_until_the_workstation_is_open(
    start: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def run(app: TradetermApp) -> None:
        seen["collecting while it starts"] = gc.isenabled()
        assert app.on_open is not None
        frozen = gc.get_freeze_count()
        app.on_open()  # what the app calls once the market is drawn
        seen["collecting once open"] = gc.isenabled()
        seen["froze what the start made"] = gc.get_freeze_count() > frozen

    monkeypatch.setattr(TradetermApp, "run", run)
    config = load_config(None, start / "no-config.toml")[0]
    assert workstation.run_workstation(config, start / "config.toml") == 0
    assert seen == {
        "collecting while it starts": False,
        "collecting once open": True,
        "froze what the start made": True,
    }


def test_the_collector_is_back_on_when_the_app_ends_before_it_opened(
    start: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(app: TradetermApp) -> None:
        assert not gc.isenabled()
        raise KeyboardInterrupt  # the user left before the market was open

    monkeypatch.setattr(TradetermApp, "run", run)
    config = load_config(None, start / "no-config.toml")[0]
    with pytest.raises(KeyboardInterrupt):
        workstation.run_workstation(config, start / "config.toml")
    assert gc.isenabled()
