"""A strategy on a paper account over a recorded Binance capture, under the deterministic driver."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import DriveReport, drive
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.strategies.base import Strategy
from tradeterm.strategies.host import StrategyHost
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.replay import ReplayFeed

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SPOT = DATA / "orderbook" / "binance" / "hftbacktest_spot_btcusdt_20240808.gz"
SYMBOL = "BTC/USDT"


def need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"recorded data not found: {path} (expected ../shared/data)")


@dataclass
class Run:
    engine: Engine
    host: StrategyHost
    report: DriveReport
    ledger: Ledger


def make_engine(tmp: Path, balances: Mapping[str, Decimal], path: Path = SPOT) -> Engine:
    need(path)
    clock = ManualClock(0)
    feed = ReplayFeed([path], clock, speed=None, venue="binance")
    ledger = Ledger(tmp / "ledger.sqlite", durable=False)
    spec = AccountSpec("paper", venue="binance", balances=dict(balances))
    engine = Engine(clock, feed, [spec], ledger=ledger, client_id_prefix="s")
    engine.attach_venue("paper", PaperVenue("paper", engine, clock, latency_ms=50))
    return engine


async def run_strategy(
    tmp: Path,
    strategy: Strategy[Any],
    balances: Mapping[str, Decimal],
    *,
    name: str = "s1",
    until_ns: int | None = None,
    engine: Engine | None = None,
) -> Run:
    """Start the engine, bind ``strategy`` to it, and play the capture to the end."""
    engine = engine or make_engine(tmp, balances)
    await engine.start()
    host = StrategyHost(engine, strategy, name=name, account="paper", symbol=SYMBOL)
    host.start()
    feed = engine.feed
    assert isinstance(feed, ReplayFeed)
    report = await drive(engine, [feed], until_ns=until_ns)
    ledger = engine.trading.ledger
    assert ledger is not None
    return Run(engine, host, report, ledger)
