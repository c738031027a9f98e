"""Fixtures for the engine tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from engine_rig import Rig, make_rig

from tradeterm.engine.logbook import LogBook


@pytest.fixture
def rig() -> Rig:
    return make_rig()


@pytest.fixture
def engine_log() -> Iterator[LogBook]:
    """A LogBook on the engine's logger (records warnings and handler failures)."""
    logger = logging.getLogger("tradeterm.engine")
    book = LogBook()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(book)
    try:
        yield book
    finally:
        logger.removeHandler(book)
        logger.setLevel(old_level)
