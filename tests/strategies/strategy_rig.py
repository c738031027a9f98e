"""A strategy on a paper account over a recorded Binance capture, under the deterministic driver."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.events import BookChanged, MarketEvent, TradePrinted
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import DriveReport, drive
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.engine.ports import MarketSink
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
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=50)
    )
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


# --- a hand-made feed, for the host's own rules --------------------------------------------

MS = 1_000_000
T0 = 1_700_000_000_000_000_000
ETH = Market(
    venue="list",
    symbol="ETH/USDT",
    base="ETH",
    quote="USDT",
    tick_size=Decimal("0.01"),
    lot_size=Decimal("0.001"),
    min_qty=Decimal("0.001"),
    min_notional=Decimal("5"),
    maker_fee=Decimal("0.001"),
    taker_fee=Decimal("0.001"),
)


def book(ts: int, bid: str = "3099.00", ask: str = "3100.00") -> BookChanged:
    level = Decimal("5")
    return BookChanged(
        "ETH/USDT", [(Decimal(bid), level)], [(Decimal(ask), level)], snapshot=True, ts_ns=ts
    )


def trade(ts: int, price: str, qty: str = "0.1", side: Side = Side.BUY) -> TradePrinted:
    return TradePrinted(Trade("ETH/USDT", Decimal(price), Decimal(qty), side, ts, str(ts)))


class ListFeed:
    """Market events made by hand, each at its time (the driver's SteppedFeed)."""

    venue = "list"

    def __init__(self, events: Sequence[MarketEvent]) -> None:
        self.events = list(events)

    async def load_markets(self) -> Sequence[Market]:
        return [ETH]

    async def run(self, sink: MarketSink) -> None:
        raise AssertionError("the driver never runs the feed on its own")

    def focus(self, symbol: str) -> None:
        pass

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        return []

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        for event in self.events:
            ts = event.trade.ts_ns if isinstance(event, TradePrinted) else event.ts_ns
            yield ts
            sink.on_market(event)


def list_engine(tmp: Path, events: Sequence[MarketEvent], **balances: str) -> Engine:
    clock = ManualClock(T0 - 1_000 * MS)
    funds = {asset: Decimal(q) for asset, q in (balances or {"USDT": "10000"}).items()}
    spec = AccountSpec("paper", venue="list", balances=funds)
    ledger = Ledger(tmp / "ledger.sqlite", durable=False)
    engine = Engine(clock, ListFeed(events), [spec], ledger=ledger, client_id_prefix="h")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=10)
    )
    return engine


async def host_on(engine: Engine, strategy: Strategy[Any], name: str = "h1") -> StrategyHost:
    if not engine.started:
        await engine.start()
    host = StrategyHost(engine, strategy, name=name, account="paper", symbol="ETH/USDT")
    host.start()
    return host


async def play(engine: Engine, until_ns: int | None = None) -> DriveReport:
    feed = engine.feed
    assert isinstance(feed, ListFeed)
    return await drive(engine, [feed], until_ns=until_ns)


def eth_market_buy(qty: str | None = None, quote: str | None = None) -> PlaceOrder:
    """A market buy of ETH/USDT by base quantity or by quote amount (the algo tests' parent)."""
    return PlaceOrder(
        "ETH/USDT",
        Side.BUY,
        OrderType.MARKET,
        qty=Decimal(qty) if qty else None,
        quote_qty=Decimal(quote) if quote else None,
    )
