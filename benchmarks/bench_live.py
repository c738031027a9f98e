"""A live order's path timed: command -> checks -> journal -> CcxtVenue -> real ccxt (signed
REST) -> the Binance stand-in on 127.0.0.1 -> the exchange's answer applied in the engine.

Run: ``python benchmarks/bench_live.py [--quick]``. A real engine with a durable SQLite
ledger in a temp dir, an armed live account, the real ccxt client and the stand-in from
``tests/live``. Each sample places a limit buy far below the touch and measures from the call
of ``Engine.execute`` (what Enter on the command line or the ticket does) to (1) the stand-in
having accepted it and (2) the engine showing it OPEN with the exchange's order id (the next
frame draws it; the key-to-frame part of the UI is ``bench_ticket.py``'s figure).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "live"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from binance_rest_standin import BinanceRestStandIn  # noqa: E402
from live_kit import ACCOUNT, API_KEY, SECRET, make_engine  # noqa: E402

from common import figure  # noqa: E402
from tradeterm.domain.commands import Arm, PlaceOrder  # noqa: E402
from tradeterm.domain.enums import OrderStatus, OrderType, Side  # noqa: E402


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def main(samples: int) -> None:
    standin = BinanceRestStandIn(API_KEY, SECRET, {"USDT": Decimal(10_000_000)})
    await standin.start()
    with tempfile.TemporaryDirectory() as folder:
        engine, venue = make_engine(standin, Path(folder) / "ledger.sqlite")
        await engine.start()
        await venue.poll()
        await engine.execute(Arm(ACCOUNT))
        to_exchange: list[float] = []
        to_engine: list[float] = []
        for i in range(samples + 5):
            cmd = PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=Decimal("0.001"),
                             price=Decimal("30000.00") + i, account=ACCOUNT)  # fmt: skip
            started = time.perf_counter()
            order = await engine.place(cmd)
            while order.status is not OrderStatus.OPEN:
                await asyncio.sleep(0)
            done = time.perf_counter()
            if i >= 5:  # the first few warm ccxt's session up
                to_exchange.append(standin.accepted_at[order.client_id] - started)
                to_engine.append(done - started)
        await venue.close()
        await engine.stop()
    await standin.stop()
    for name, values in (("accepted by the stand-in", to_exchange),
                         ("OPEN in the engine", to_engine)):  # fmt: skip
        figure(f"live order to {name}, median", statistics.median(values) * 1e3, "ms")
        figure(f"live order to {name}, p99", p99(values) * 1e3, "ms", f"{len(values)} orders")


if __name__ == "__main__":
    asyncio.run(main(20 if "--quick" in sys.argv else 200))
