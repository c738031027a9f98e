"""Shared fixtures for the replay tests: the recorded captures, verified once per test session."""

from __future__ import annotations

from typing import Any

import pytest
from replay_data import CF_HTTP, CF_WS, KRAKEN, SPOT, USDM, need

from tradeterm.venues.replay import verify_files


@pytest.fixture(scope="session")
def spot_report() -> dict[str, Any]:
    need(*SPOT)
    return verify_files(SPOT)


@pytest.fixture(scope="session")
def usdm_report() -> dict[str, Any]:
    need(USDM)
    return verify_files([USDM])


@pytest.fixture(scope="session")
def cryptofeed_report() -> dict[str, Any]:
    need(CF_WS, CF_HTTP)
    return verify_files([CF_WS])


@pytest.fixture(scope="session")
def kraken_report() -> dict[str, Any]:
    need(KRAKEN)
    return verify_files([KRAKEN])
