"""market_maker on a recorded Binance capture: never crossing, edge over fees, inventory within
bounds, amends rather than cancel-and-replace, and a fast path when nothing changes."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from strategy_rig import SYMBOL, make_engine, run_strategy

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import Side
from tradeterm.domain.events import BalancesChanged, BookChanged
from tradeterm.domain.orders import Order
from tradeterm.strategies.market_maker import MarketMaker, MarketMakerParams

D = Decimal
Sent = tuple[str, Side, Decimal, Decimal, Decimal, Decimal, bool]


class Watched(MarketMaker):
    """The market maker, with every price it sends written down beside the book it saw."""

    def __init__(self, params: MarketMakerParams) -> None:
        super().__init__(params)
        self.sent: list[Sent] = []

    def _note(self, kind: str, side: Side, price: Decimal | None, post_only: bool) -> None:
        book = self.book()
        assert book is not None and price is not None
        (bid, bid_qty), (ask, ask_qty) = book.bids.top(1)[0], book.asks.top(1)[0]
        micro = (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)
        self.sent.append((kind, side, price, bid, ask, micro, post_only))

    def place(
        self, side: Side, qty: Decimal | None = None, price: Decimal | None = None, **kw: Any
    ) -> None:
        self._note("place", side, price, bool(kw.get("post_only")))
        super().place(side, qty, price, **kw)

    def amend(self, order: Order, price: Decimal | None = None, qty: Decimal | None = None) -> None:
        self._note("amend", order.side, price, order.post_only)
        super().amend(order, price, qty)


PARAMS = MarketMakerParams(
    levels=5,
    qty=D("0.002"),
    inventory_target=D("0.05"),
    max_inventory=D("0.006"),
    min_edge_bps=D("0.5"),
    vol_mult=D("1"),
    level_step_bps=D("1"),
    refresh_tolerance_bps=D("1"),
)


async def test_the_ladder_never_crosses_keeps_its_edge_and_its_inventory_bounds(
    tmp_path: Path,
) -> None:
    engine = make_engine(tmp_path, {"USDT": D("10000"), "BTC": D("0.05")})
    inventory: list[Decimal] = []
    books = Counter[str]()
    account = engine.state.accounts["paper"]
    engine.bus.subscribe(BalancesChanged, lambda e: inventory.append(account.balance("BTC").total))
    engine.bus.subscribe(BookChanged, lambda e: books.update([e.symbol]))
    strategy = Watched(PARAMS)
    run = await run_strategy(tmp_path, strategy, {}, engine=engine)
    assert not run.report.failed and run.host.state.value == "running"

    edge = D("0.001") + D("0.5") * D("0.0001")  # the maker fee and the minimum edge
    assert len(strategy.sent) > 100
    for kind, side, price, bid, ask, micro, post_only in strategy.sent:
        assert post_only, (kind, side, price)
        if side is Side.BUY:
            assert price < ask and price <= micro * (1 - edge), (kind, price, bid, ask)
        else:
            assert price > bid and price >= micro * (1 + edge), (kind, price, bid, ask)

    # the price fell through the capture: bids filled until the inventory bound stopped them
    assert {f.side for f in account.fills} == {Side.BUY} and len(account.fills) >= 2
    assert min(inventory) >= D("0.05") - D("0.006") and max(inventory) <= D("0.05") + D("0.006")
    room = (D("0.056") - account.balance("BTC").total) // PARAMS.qty
    assert len(run.host.open_orders(Side.BUY)) == room < PARAMS.levels

    # orders are moved by amends, not cancelled and placed again
    ledger = Counter(r.kind for r in run.ledger.records())
    assert ledger["amend_req"] > 10 * ledger["placed"]
    assert ledger["placed"] <= 2 * PARAMS.levels + len(account.fills)
    assert ledger["cancel_req"] <= ledger["placed"]
    # most book updates changed nothing worth an order: the fast path
    assert strategy.requotes * 10 < books[SYMBOL]


async def test_a_long_inventory_moves_the_quotes_down(tmp_path: Path) -> None:
    """Holding more than the target, the whole ladder leans lower than when holding less."""
    runs = {}
    for held in ("0.044", "0.056"):
        folder = tmp_path / held
        folder.mkdir()
        strategy = Watched(PARAMS.model_copy(update={"max_inventory": D("0.02")}))
        await run_strategy(folder, strategy, {"USDT": D("10000"), "BTC": D(held)}, until_ns=None)
        first = [s for s in strategy.sent if s[0] == "place"][: 2 * PARAMS.levels]
        runs[held] = first
    for (_, s1, p1, *_), (_, s2, p2, *_) in zip(runs["0.044"], runs["0.056"], strict=True):
        assert s1 is s2 and p2 < p1  # same rung, lower price when long


class Sampled(MarketMaker):
    """The market maker, with the fair price it sampled and the volatility it then had."""

    def __init__(self, params: MarketMakerParams) -> None:
        super().__init__(params)
        self.last_fair: Decimal | None = None
        self.samples: list[float] = []
        self.vols: list[tuple[int, float]] = []

    def on_book(self, book: OrderBook) -> None:
        self.last_fair = self.fair_price(book)
        super().on_book(book)

    def on_timer(self, name: str) -> None:
        if self.last_fair is not None:
            self.samples.append(float(self.last_fair))
        super().on_timer(name)
        self.vols.append((len(self.samples), self.volatility_bps))


async def test_volatility_is_the_deviation_of_the_last_window_of_log_returns(
    tmp_path: Path,
) -> None:
    window = 4
    strategy = Sampled(PARAMS.model_copy(update={"vol_window": window, "sample_s": 0.5}))
    await run_strategy(tmp_path, strategy, {"USDT": D("10000"), "BTC": D("0.05")})
    assert len(strategy.samples) > 3 * window  # the window rolled many times
    checked = 0
    for n, vol in strategy.vols:
        if n < 3:
            continue
        last = strategy.samples[max(0, n - window - 1) : n]
        returns = [math.log(b / a) for a, b in itertools.pairwise(last)]
        assert vol == pytest.approx(statistics.stdev(returns) * 10_000, rel=1e-9, abs=1e-9)
        checked += 1
    assert checked > 3 * window


class Fair(MarketMaker):
    """The market maker, with the fair price it acted on beside the book's own micro-price."""

    def __init__(self, params: MarketMakerParams) -> None:
        super().__init__(params)
        self.pairs: list[tuple[Decimal | None, Decimal]] = []

    def on_book(self, book: OrderBook) -> None:
        super().on_book(book)
        (bid, bid_qty), (ask, ask_qty) = book.bids.top(1)[0], book.asks.top(1)[0]
        self.pairs.append((self._fair, (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)))


async def test_the_fair_price_follows_the_best_levels_on_every_update(tmp_path: Path) -> None:
    """Worked out again only when the best levels changed, it is still the book's micro-price
    after every update, including those that change only a size at the touch."""
    strategy = Fair(PARAMS)
    await run_strategy(tmp_path, strategy, {"USDT": D("10000"), "BTC": D("0.05")})
    assert len(strategy.pairs) > 1000
    assert all(fair == micro for fair, micro in strategy.pairs)
    changes = Counter(b != a for a, b in itertools.pairwise(m for _, m in strategy.pairs))
    assert changes[True] > 100 and changes[False] > 100  # both kinds of update were seen
