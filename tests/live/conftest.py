"""Fixtures for live accounts: the Binance stand-in and an engine trading on it through ccxt
(the helpers are in ``live_kit``)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from binance_rest_standin import BinanceRestStandIn
from live_kit import API_KEY, SECRET, LiveRig, make_engine


@pytest.fixture
async def standin() -> AsyncIterator[BinanceRestStandIn]:
    server = BinanceRestStandIn(API_KEY, SECRET, {"USDT": Decimal("5000"), "BTC": Decimal("0.5")})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def rig(standin: BinanceRestStandIn, tmp_path: Path) -> AsyncIterator[LiveRig]:
    ledger_path = tmp_path / "data" / "ledger.sqlite"
    ledger_path.parent.mkdir(parents=True, exist_ok=True)
    engine, venue = make_engine(standin, ledger_path)
    await engine.start()
    rig = LiveRig(standin, engine, venue, ledger_path)
    engine.bus.subscribe_all(rig.events.append)
    await venue.poll()  # the account's balances, as at start-up
    await engine.trading.writer.drain()
    yield rig
    await venue.close()
    await engine.stop()
