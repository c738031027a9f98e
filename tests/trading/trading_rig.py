"""A real trading stack for tests: sim feed, engine, paper venues, SQLite ledger in a temp dir."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.book import Level
from tradeterm.domain.enums import FillModel, Side
from tradeterm.domain.events import BookChanged, TradePrinted
from tradeterm.domain.market_data import Trade
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

D = Decimal
SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT"]
START = {"USDT": D("10000"), "ETH": D("2"), "SOL": D("10")}


@dataclass
class Stack:
    engine: Engine
    clock: ManualClock
    feed: SimFeed
    venues: dict[str, PaperVenue]
    ledger_path: Path

    @property
    def account(self):  # type: ignore[no-untyped-def]
        return self.engine.state.account

    async def settle(self) -> None:
        """Let latency elapse and every journaled event be applied."""
        for venue in self.venues.values():
            venue.poll()
        await self.engine.trading.writer.drain()

    def book(
        self, symbol: str, bids: Sequence[tuple[str, str]], asks: Sequence[tuple[str, str]]
    ) -> None:
        """Replace a symbol's book with hand-made levels."""
        self.engine.on_market(
            BookChanged(
                symbol, _levels(bids), _levels(asks), snapshot=True, ts_ns=self.clock.now_ns()
            )
        )

    def trade(self, symbol: str, price: str, qty: str, side: Side) -> None:
        trade = Trade(symbol, D(price), D(qty), side, self.clock.now_ns(), "t")
        self.engine.on_market(TradePrinted(trade))


def _levels(pairs: Sequence[tuple[str, str]]) -> list[Level]:
    return [(D(p), D(q)) for p, q in pairs]


async def build_stack(
    tmp: Path,
    *,
    latency_ms: int = 0,
    fill_model: FillModel = FillModel.REALISTIC,
    balances: dict[str, Decimal] | None = None,
    accounts: Sequence[str] = ("paper",),
    seed: int = 5,
    durable: bool = True,
) -> Stack:
    clock = ManualClock()
    feed = SimFeed(clock, seed=seed, rate=0, symbols=SYMBOLS, history_minutes=30)
    specs = [
        AccountSpec(
            name, balances=dict(balances or START), fill_model=fill_model, latency_ms=latency_ms
        )
        for name in accounts
    ]
    path = tmp / "ledger.sqlite"
    engine = Engine(clock, feed, specs, ledger=Ledger(path, durable=durable))
    venues: dict[str, PaperVenue] = {}
    for spec in specs:
        venues[spec.name] = PaperVenue(
            spec.name,
            engine.view(engine.feed.venue),
            clock,
            fill_model=spec.fill_model,
            latency_ms=spec.latency_ms,
        )
        engine.attach_venue(spec.name, venues[spec.name])
    await engine.start()
    if not feed.bootstrapped:
        feed.bootstrap(engine)
    return Stack(engine, clock, feed, venues, path)
