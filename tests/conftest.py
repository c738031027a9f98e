"""Shared test setup: every test gets its own config and data directories."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, ledger or logs."""
    monkeypatch.setenv("TRADETERM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("TRADETERM_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The recorded exchange data beside the repository (../shared/data)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"recorded market data not found at {SHARED_DATA}")
    return SHARED_DATA
