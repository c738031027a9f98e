"""The paper venue over the real simulated market: invariants hold and fill models stay ordered."""

from __future__ import annotations

from decimal import Decimal
from random import Random

import pytest
from paperkit import Checker, run_now

from tradeterm.domain.enums import FillModel, Liquidity, OrderType, Side, TimeInForce
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

SYMBOLS = ["BTC/USDT", "ETH/USDT", "SOL/USDT"]
STEPS = 2500


def session(
    model: FillModel, latency_ms: int, seed: int = 11
) -> tuple[Engine, SimFeed, PaperVenue, Checker]:
    clock = ManualClock()
    feed = SimFeed(clock, seed=seed, symbols=SYMBOLS, history_minutes=5)
    engine = Engine(clock, feed, [AccountSpec("paper")])
    run_now(engine.start())
    feed.bootstrap(engine)
    venue = PaperVenue(
        "paper", engine.view(engine.feed.venue), clock, fill_model=model, latency_ms=latency_ms
    )
    checker = Checker(engine)
    venue.bind(checker)
    return engine, feed, venue, checker


def passive_orders(engine: Engine, tag: str) -> list[Order]:
    """Bids and asks on the first five levels of each side of each book."""
    orders = []
    for symbol in SYMBOLS:
        book = engine.view(engine.feed.venue).book(symbol)
        market = engine.view(engine.feed.venue).market(symbol)
        assert book is not None and market is not None
        for side, book_side in ((Side.BUY, book.bids), (Side.SELL, book.asks)):
            for i, (price, size) in enumerate(book_side.top(5)):
                qty = max(market.lot_size, (size / 2).quantize(market.lot_size))
                cid = f"{tag}-{symbol}-{side.value}-{i}"
                orders.append(Order(cid, "paper", symbol, side, OrderType.LIMIT, qty, price))
    return orders


def step(engine: Engine, feed: SimFeed, clock_ms: int = 5) -> None:
    assert isinstance(engine.clock, ManualClock)
    engine.clock.advance(clock_ms / 1000)
    feed.step(engine, 1)


@pytest.mark.parametrize("model", list(FillModel))
@pytest.mark.parametrize("seed", [11, 17])  # 17: a request due at a print took its liquidity
def test_a_busy_session_on_the_sim_keeps_the_invariants(model: FillModel, seed: int) -> None:
    engine, feed, venue, checker = session(model, latency_ms=50, seed=seed)
    rng = Random(5)
    placed: list[Order] = []
    for n in range(STEPS):
        if n % 50 == 0:
            symbol = rng.choice(SYMBOLS)
            book = engine.view(engine.feed.venue).book(symbol)
            market = engine.view(engine.feed.venue).market(symbol)
            assert book is not None and market is not None
            mid = book.mid()
            assert mid is not None
            side = rng.choice([Side.BUY, Side.SELL])
            type_ = rng.choice(sorted(venue.native_types))
            offset = market.tick_size * rng.randint(-20, 20)
            price = (mid + offset).quantize(market.tick_size)
            stop = (mid - offset).quantize(market.tick_size)
            qty = market.lot_size * rng.randint(1, 5000)
            order = Order(
                f"o{n}",
                "paper",
                symbol,
                side,
                type_,
                qty,
                price if type_.has_limit_price else None,
                stop if type_.has_trigger else None,
                tif=rng.choice([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC]),
            )
            checker.track(order)
            run_now(venue.submit(order))
            placed.append(order)
        if n % 70 == 35 and placed:
            run_now(venue.cancel(rng.choice(placed)))
        if n % 90 == 45 and placed:
            order = rng.choice(placed)
            run_now(venue.amend(order, None, order.qty * 2))
        step(engine, feed)
        assert not checker.errors, checker.errors
    for order in placed:
        run_now(venue.cancel(order))
    step(engine, feed, clock_ms=100)
    assert not checker.errors, checker.errors
    for order in placed:
        assert len(checker.orders[order.client_id].finals) == 1
    assert checker.liquidity[Liquidity.MAKER] > 0 and checker.liquidity[Liquidity.TAKER] > 0


def filled_by_model(model: FillModel) -> tuple[dict[str, list[Decimal]], dict[Liquidity, int]]:
    engine, feed, venue, checker = session(model, latency_ms=0)
    orders = passive_orders(engine, "p")
    for order in orders:
        checker.track(order)
        run_now(venue.submit(order))
    curves: dict[str, list[Decimal]] = {o.client_id: [] for o in orders}
    for n in range(STEPS):
        step(engine, feed)
        if n % 25 == 0:
            for order in orders:
                curves[order.client_id].append(checker.orders[order.client_id].filled)
    assert not checker.errors, checker.errors
    return curves, checker.liquidity


def test_on_the_same_market_optimistic_fills_at_least_realistic_at_least_pessimistic() -> None:
    opt, opt_liq = filled_by_model(FillModel.OPTIMISTIC)
    real, real_liq = filled_by_model(FillModel.REALISTIC)
    pess, _ = filled_by_model(FillModel.PESSIMISTIC)
    for cid, curve in real.items():
        for o, r, p in zip(opt[cid], curve, pess[cid], strict=True):
            assert o >= r >= p, cid
    total = {
        name: sum(c[-1] for c in curves.values())
        for name, curves in (("opt", opt), ("real", real), ("pess", pess))
    }
    assert total["opt"] > total["real"] > total["pess"] > 0
    assert opt_liq[Liquidity.TAKER] == real_liq[Liquidity.TAKER] == 0
