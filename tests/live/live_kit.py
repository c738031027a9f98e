"""Live-account test kit: a real engine with a ledger, a CcxtVenue driven by the real ccxt
code, and the Binance spot REST stand-in on 127.0.0.1 it talks to (a uniquely named module:
``conftest`` is a name every test folder has)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from binance_rest_standin import BinanceRestStandIn

from tradeterm.config.secrets import Credentials
from tradeterm.domain.enums import AccountMode
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.binance.markets import parse_exchange_info
from tradeterm.venues.ccxt import CcxtVenue

API_KEY = "ttKEYa1b2c3d4e5f6g7h8i9j0"
SECRET = "ttSECRETz9y8x7w6v5u4t3s2r1"
"""Distinctive strings, so a test can grep every file for them."""

ACCOUNT = "bn-live"


class StaticFeed:
    """The exchange's markets (the recorded exchangeInfo) and no stream: orders are what
    these tests are about."""

    venue = "binance"

    def __init__(self, markets: Sequence[Market]) -> None:
        self.markets = markets

    async def load_markets(self) -> Sequence[Market]:
        return self.markets

    async def run(self, sink: MarketSink) -> None:
        await asyncio.get_running_loop().create_future()

    def focus(self, symbol: str) -> None:
        pass

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return []


@dataclass
class LiveRig:
    standin: BinanceRestStandIn
    engine: Engine
    venue: CcxtVenue
    ledger_path: Path
    events: list[object] = field(default_factory=list)


def make_engine(
    standin: BinanceRestStandIn, ledger_path: Path, timeout_ms: int = 4000
) -> tuple[Engine, CcxtVenue]:
    markets, _ = parse_exchange_info("binance", standin.info_body)
    clock = SystemClock()
    spec = AccountSpec(ACCOUNT, AccountMode.LIVE, "binance", {}, disarm_after_s=900)
    engine = Engine(clock, StaticFeed(markets), [spec], ledger=Ledger(ledger_path))
    venue = CcxtVenue(
        ACCOUNT,
        "binance",
        Credentials(API_KEY, SECRET, source="test"),
        clock,
        config={"urls": standin.ccxt_urls(), "timeout": timeout_ms},
        poll_s=3600,  # tests call poll() themselves
    )
    engine.attach_venue(ACCOUNT, venue)
    return engine, venue


async def until(ready: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError("never happened")
        await asyncio.sleep(0.01)
