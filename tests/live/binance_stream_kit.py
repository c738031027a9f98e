"""Binance stream test kit: a real engine with a ledger and a CcxtVenue following the Binance
stand-in's user data stream (WebSocket API) through ccxt.pro, with REST polls an hour apart
unless a test says otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from binance_ws_standin import BinanceStandIn
from live_kit import ACCOUNT, API_KEY, SECRET, StaticFeed, until

from tradeterm.config.secrets import Credentials
from tradeterm.domain.commands import Arm, PlaceOrder
from tradeterm.domain.enums import AccountMode, OrderType, Side
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.binance.markets import parse_exchange_info
from tradeterm.venues.ccxt import CcxtVenue

HOUR = 3600.0
SWEEP_PATHS = ("myTrades", "openOrders", "order")
"""The REST paths a poll asks about orders and trades with (GET)."""


def limit_buy(price: str, qty: str = "0.01") -> PlaceOrder:
    return PlaceOrder("BTC/USDT", Side.BUY, OrderType.LIMIT, qty=Decimal(qty),
                      price=Decimal(price), account=ACCOUNT)  # fmt: skip


@dataclass
class StreamRig:
    binance: BinanceStandIn
    engine: Engine
    venue: CcxtVenue
    ledger: Path

    def polls(self) -> int:
        """REST rounds so far (each ends by asking for the account's balances)."""
        return sum(1 for m, path, _ in self.binance.requests if (m, path) == ("GET", "account"))

    def sweep_calls(self) -> int:
        return sum(1 for m, p, _ in self.binance.requests if m == "GET" and p in SWEEP_PATHS)

    async def settle(self) -> None:
        await self.engine.trading.writer.drain()


def stream_engine(
    binance: BinanceStandIn, ledger: Path, *, poll_s: float = HOUR
) -> tuple[Engine, CcxtVenue]:
    markets, _ = parse_exchange_info("binance", binance.info_body)
    clock = SystemClock()
    spec = AccountSpec(ACCOUNT, AccountMode.LIVE, "binance", {}, disarm_after_s=900)
    engine = Engine(clock, StaticFeed(markets), [spec], ledger=Ledger(ledger))
    config = {"urls": binance.ccxt_urls(), "timeout": 4000, "enableRateLimit": False}
    venue = CcxtVenue(ACCOUNT, "binance", Credentials(API_KEY, SECRET, source="test"), clock,
                      config=config, poll_s=poll_s, sweep_s=HOUR,
                      stream_backoff_s=0.05)  # fmt: skip
    engine.attach_venue(ACCOUNT, venue)
    return engine, venue


@asynccontextmanager
async def stream_rig(
    folder: Path, balances: dict[str, Decimal] | None = None
) -> AsyncIterator[StreamRig]:
    """The stand-in, an engine following its stream, the first poll and the sweep after the
    stream opened done, and the account armed."""
    funds = balances or {"USDT": Decimal("5000"), "BTC": Decimal("0.5")}
    binance = BinanceStandIn(API_KEY, SECRET, funds)
    await binance.start()
    ledger = folder / "ledger.sqlite"
    engine, venue = stream_engine(binance, ledger)
    await engine.start()
    runner = asyncio.get_running_loop().create_task(venue.run())
    rig = StreamRig(binance, engine, venue, ledger)
    try:
        assert venue.stream is not None
        await until(lambda: venue.stream is not None and venue.stream.up and rig.polls() >= 2)
        await until(lambda: binance.subscribers() == 1)
        await engine.execute(Arm(ACCOUNT))
        yield rig
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await engine.stop()
        await binance.stop()
