"""Reconciliation test kit: a session that leaves orders open at the Binance stand-in, and
what happens to them (and beside them) while tradeterm is down."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from binance_rest_standin import BinanceRestStandIn
from live_kit import ACCOUNT, make_engine

from tradeterm.domain.commands import Arm, PlaceOrder
from tradeterm.domain.enums import OrderType, Side


def limit_buy(price: str, qty: str = "0.01") -> PlaceOrder:
    return PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=Decimal(qty),
                      price=Decimal(price), account=ACCOUNT)  # fmt: skip


@dataclass
class WhileDown:
    filled: str
    cancelled: str
    stranger: int
    foreign_filled: int


async def go_down_and_back(standin: BinanceRestStandIn, ledger: Path) -> WhileDown:
    """A session that leaves two orders open, then what happens while tradeterm is down."""
    engine, venue = make_engine(standin, ledger)
    await engine.start()
    await venue.poll()
    await engine.execute(Arm(ACCOUNT))
    filled = await engine.place(limit_buy("60000.00"))
    cancelled = await engine.place(limit_buy("59000.00"))
    await engine.trading.writer.drain()
    await venue.close()
    await engine.stop()
    foreign = await standin.place_on_website("BUY", "0.005", "60500.00")
    standin.trade("BTC/USDT", Decimal("59999.00"), Decimal("1"))  # fills both buys above 59999
    await standin.cancel_on_website(cancelled.client_id)
    stranger = await standin.place_on_website("SELL", "0.02", "70000.00")
    return WhileDown(filled.client_id, cancelled.client_id, stranger, foreign)
