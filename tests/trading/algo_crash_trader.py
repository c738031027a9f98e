"""A trader for the TWAP crash test: one parent on the sim, on a clock 100 times wall time.

Run: ``python algo_crash_trader.py DATA_DIR SESSION WALL0``. The engine's clock reads
``(wall time - WALL0) * 100`` past a fixed start, so a restart also lets engine time pass.
On start it restores the ledger (and with it the parent); it starts the parent ``A1`` (buy
2 ETH over 20 minutes, 60 children) only if the ledger has none. It prints each child once
acknowledged (journaled) and the parent's end.
"""

from __future__ import annotations

import asyncio
import sys
import time
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.events import OrderUpdated
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.algos import AlgoState, PlaceAlgo, algo_desk
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

SPEED = 100
BASE_NS = 1_767_225_600_000_000_000
START = {"USDT": Decimal("100000")}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(data_dir: Path, session: str, wall0: float) -> None:
    def now_ns() -> int:
        return BASE_NS + int((time.time() - wall0) * SPEED * 1e9)

    clock = ManualClock(now_ns())
    feed = SimFeed(clock, seed=7, rate=0, symbols=["ETH/USDT"], history_minutes=30)
    engine = Engine(
        clock,
        feed,
        [AccountSpec("paper", balances=START)],
        ledger=Ledger(data_dir / "ledger.sqlite"),
        client_id_prefix=session,
    )
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=5)
    )
    engine.bus.subscribe(
        OrderUpdated,
        lambda e: (
            say(f"CHILD {e.order.client_id} {e.order.status.value}")
            if e.order.tag == "A1"
            else None
        ),
    )
    feed.bootstrap(engine)
    await engine.start()
    desk = algo_desk(engine)
    if "A1" not in desk.algos:
        buy = PlaceOrder("ETH/USDT", Side.BUY, OrderType.MARKET, qty=Decimal("2"))
        desk.start(PlaceAlgo(buy, "twap", 1200))
    algo = desk.algos["A1"]
    venue_task = asyncio.create_task(engine.venues["paper"].run())
    say("READY")
    told = False
    while True:
        feed.step(engine, 3)
        clock.set_ns(now_ns())
        if algo.state is not AlgoState.RUNNING and not told:
            say(f"ALGO {algo.state.value}")
            told = True
        await asyncio.sleep(0.002)
        if venue_task.done():
            venue_task.result()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])))
