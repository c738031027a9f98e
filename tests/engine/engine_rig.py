"""Engine test helpers: a real Engine over a small real SimFeed on a frozen clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.sim.feed import SimFeed

SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")


@dataclass
class Rig:
    clock: ManualClock
    feed: SimFeed
    engine: Engine
    events: list[object] = field(default_factory=list)


def make_rig() -> Rig:
    """Two paper accounts; every published event is recorded in ``rig.events``."""
    clock = ManualClock()
    feed = SimFeed(clock, seed=11, symbols=list(SYMBOLS), history_minutes=60)
    accounts = [
        AccountSpec("paper", balances={"USDT": Decimal("10000")}),
        AccountSpec("cautious", balances={"USDT": Decimal("2500"), "BTC": Decimal("0.05")}),
    ]
    engine = Engine(clock, feed, accounts, stale_after_s=5.0)
    rig = Rig(clock, feed, engine)
    engine.bus.subscribe_all(rig.events.append)
    return rig
