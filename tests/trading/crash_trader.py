"""A trader for the crash test: trades on the sim forever, printing what it acknowledges.

Run: ``python crash_trader.py DATA_DIR SEED``. Every order update and fill is
printed (and flushed) from the engine's bus, which publishes only after the
record is durable: each printed line is something the user could have seen.
On start it restores the ledger and resumes the open orders.
"""

from __future__ import annotations

import asyncio
import random
import sys
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import OrderFilled, OrderUpdated
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

SYMBOLS = ["BTC/USDT", "ETH/USDT"]
START = {"USDT": Decimal("100000"), "BTC": Decimal("1"), "ETH": Decimal("20")}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(data_dir: Path, seed: int) -> None:
    clock = SystemClock()
    feed = SimFeed(clock, seed=seed, rate=0, symbols=SYMBOLS, history_minutes=30)
    engine = Engine(
        clock,
        feed,
        [AccountSpec("paper", balances=START, latency_ms=5)],
        ledger=Ledger(data_dir / "ledger.sqlite"),
    )
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=5)
    )
    engine.bus.subscribe(
        OrderUpdated,
        lambda e: say(f"ORDER {e.order.client_id} {e.order.status.value} {e.order.filled}"),
    )
    engine.bus.subscribe(OrderFilled, lambda e: say(f"FILL {e.fill.fill_id} {e.fill.client_id}"))
    feed.bootstrap(engine)
    await engine.start()
    venue_task = asyncio.create_task(engine.venues["paper"].run())
    say("READY")
    rng = random.Random(seed)
    while True:
        feed.step(engine, 25)
        symbol = rng.choice(SYMBOLS)
        book = engine.state.books_on(engine.feed.venue)[symbol]
        market = engine.state.markets_on(engine.feed.venue)[symbol]
        side = rng.choice([Side.BUY, Side.SELL])
        try:
            roll = rng.random()
            if roll < 0.35:
                await engine.place(
                    PlaceOrder(
                        symbol, side, OrderType.MARKET, quote_qty=Decimal(rng.randint(20, 400))
                    )
                )
            elif roll < 0.45:  # a trailing stop the engine holds: it must never fire twice
                last = engine.trading.last_price(engine.state.resolve(symbol))
                assert last is not None
                await engine.place(
                    PlaceOrder(
                        symbol,
                        side,
                        OrderType.TRAILING_STOP,
                        quote_qty=Decimal(rng.randint(20, 200)),
                        trail=market.tick_size * rng.randint(1, 20),
                    )
                )
            elif roll < 0.8:
                touch = book.best_bid() if side is Side.BUY else book.best_ask()
                assert touch is not None
                offset = market.tick_size * rng.randint(0, 30) * side.sign
                await engine.place(
                    PlaceOrder(
                        symbol,
                        side,
                        OrderType.LIMIT,
                        quote_qty=Decimal(rng.randint(20, 400)),
                        price=touch - offset,
                    )
                )
            else:
                live = engine.state.account.open_orders()
                if live:
                    await engine.cancel(rng.choice(live).client_id)
        except TradetermError:
            pass
        await asyncio.sleep(0.002)
        if venue_task.done():
            venue_task.result()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
