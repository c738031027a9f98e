"""Shared test setup: every test gets its own config and data directories."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, ledger or logs."""
    monkeypatch.setenv("TRADETERM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRADETERM_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(autouse=True)
def _fresh_logging() -> Iterator[None]:
    """Undo setup_logging after each test, so caplog sees tradeterm's records again."""
    yield
    logger = logging.getLogger("tradeterm")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


@pytest.fixture
def shared_data() -> Path:
    """The recorded exchange data beside the repository (../shared/data)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"recorded market data not found at {SHARED_DATA}")
    return SHARED_DATA
