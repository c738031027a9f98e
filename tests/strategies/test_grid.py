"""grid: level spacing, and on a recorded Binance capture: filled levels replaced, failures shown,
the stop honoured."""

from __future__ import annotations

import itertools
import logging
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from strategy_rig import SYMBOL, make_engine, run_strategy

from tradeterm.analysis.indicators import atr
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import TradePrinted
from tradeterm.domain.numbers import floor_to
from tradeterm.domain.orders import Order
from tradeterm.strategies import grid_levels as gl
from tradeterm.strategies import make_params
from tradeterm.strategies.grid import Grid, GridParams

D = Decimal


def gaps(prices: list[Decimal]) -> list[Decimal]:
    return [b - a for a, b in itertools.pairwise(prices)]


def test_arithmetic_levels_are_evenly_spaced() -> None:
    assert gl.arithmetic(D(100), D(200), 5) == [D(100), D(125), D(150), D(175), D(200)]


def test_geometric_levels_have_equal_ratios() -> None:
    prices = gl.geometric(D(100), D(1600), 5)
    assert prices[0] == D(100) and prices[-1] == D(1600)
    for got, want in zip(prices, [100, 200, 400, 800, 1600], strict=True):
        assert abs(got - want) < D("1e-20")


def test_fibonacci_gaps_widen_from_the_middle_outward() -> None:
    prices = gl.fibonacci(D(0), D(2200), 9)  # 8 gaps: 5 3 2 1 1 2 3 5 (22 parts)
    assert gaps(prices) == [D(g * 100) for g in (5, 3, 2, 1, 1, 2, 3, 5)]
    assert gl.fibonacci_weights(7) == [5, 3, 2, 1, 2, 3, 5]  # an odd count: one middle gap


def test_atr_levels_are_centred_and_clipped_to_the_range() -> None:
    assert gl.around(D(100), D(10), 5, D(0), D(1000)) == [D(80), D(90), D(100), D(110), D(120)]
    assert gl.around(D(100), D(10), 5, D(85), D(1000)) == [D(90), D(100), D(110), D(120)]


def test_levels_closer_than_a_tick_are_refused_with_the_reason() -> None:
    with pytest.raises(TradetermError, match="less than a tick"):
        gl.to_ticks(gl.arithmetic(D(100), D("100.05"), 11), D("0.01"))
    with pytest.raises(TradetermError, match=r"lower \(2\) must be below upper \(1\)"):
        make_params(Grid, {"lower": 2, "upper": 1})


def level_orders(orders: list[Order]) -> list[Order]:
    return sorted((o for o in orders if o.tag == "s1"), key=lambda o: (o.created_ns, o.client_id))


async def test_each_filled_level_is_replaced_by_its_opposite_one_level_away(
    tmp_path: Path,
) -> None:
    params = GridParams(lower=D(61500), upper=D(61900), levels=21, qty=D("0.01"))
    strategy = Grid(params)
    run = await run_strategy(tmp_path, strategy, {"USDT": D("100000"), "BTC": D(1)})
    assert not run.report.failed and run.host.state.value == "running"
    levels = [D(61500) + 20 * i for i in range(21)]
    assert strategy.prices == levels and not strategy.failures

    orders = level_orders(list(run.engine.state.accounts["paper"].orders.values()))
    laid = [o for o in orders if o.created_ns == orders[0].created_ns]
    # the grid: the level nearest the first mid empty, buys under it, sells over it, post-only
    empty = next(p for p in levels if p not in {o.price for o in laid})
    assert len(laid) == 20
    assert all((o.side is Side.BUY) == (o.price < empty) and o.post_only for o in laid)
    # every order filled in full has its replacement: opposite side, one level toward it
    later = orders[len(laid) :]
    filled = [o for o in orders if o.status is OrderStatus.FILLED]
    assert len(filled) >= 10
    for order in filled:
        assert order.price is not None
        i = levels.index(order.price)
        j = i + 1 if order.side is Side.BUY else i - 1
        if not 0 <= j < len(levels):
            continue
        fill_ns = max(
            f.ts_ns
            for f in run.engine.state.accounts["paper"].fills
            if f.client_id == order.client_id
        )
        match = [
            o
            for o in later
            if o.price == levels[j] and o.side is not order.side and o.created_ns >= fill_ns
        ]
        assert match, f"no replacement for the {order.side.value} filled at {order.price}"
        later.remove(match[0])
    assert later == []  # and nothing else was placed
    # one level is always empty: orders working = levels - 1
    working = [o for o in orders if o.is_open]
    assert len(working) == 20


async def test_placements_that_fail_are_listed_and_logged_never_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    params = GridParams(lower=D(61500), upper=D(62300), levels=9, qty=D("0.01"))
    strategy = Grid(params)
    with caplog.at_level(logging.WARNING, logger="tradeterm.strategies"):
        run = await run_strategy(tmp_path, strategy, {"USDT": D("100000")}, until_ns=None)
    # no BTC to sell: each sell level above the first mid is refused, with the engine's reason
    sells = [p for p in strategy.prices if p > D(61850)]
    assert sells == [D(61900), D(62000), D(62100), D(62200), D(62300)]
    assert [(f.price, f.side) for f in strategy.failures] == [(p, Side.SELL) for p in sells]
    assert all("insufficient BTC" in f.reason for f in strategy.failures)
    logged = [r.getMessage() for r in caplog.records if "not placed" in r.getMessage()]
    assert len(logged) == len(sells)
    assert run.host.state.value == "running"  # the grid goes on with the levels it has


async def test_a_trade_below_the_stop_ends_the_grid_and_sells_what_is_held(
    tmp_path: Path,
) -> None:
    engine = make_engine(tmp_path, {"USDT": D("100000"), "BTC": D("0.1")})
    first_below: list[int] = []

    def watch(event: TradePrinted) -> None:
        if event.trade.symbol == SYMBOL and event.trade.price < 61650 and not first_below:
            first_below.append(engine.clock.now_ns())

    engine.bus.subscribe(TradePrinted, watch)
    params = GridParams(
        lower=D(61700), upper=D(61900), levels=6, qty=D("0.01"), stop_below=D(61650)
    )
    strategy = Grid(params)
    run = await run_strategy(tmp_path, strategy, {}, engine=engine)
    assert first_below and strategy.stopped.startswith("a trade at ")
    orders = level_orders(list(engine.state.accounts["paper"].orders.values()))
    assert not [o for o in orders if o.is_open]
    after = [o for o in orders if o.created_ns >= first_below[0]]
    # after the stop: one market sell of everything held, nothing else
    assert [(o.side, o.type, o.status) for o in after] == [
        (Side.SELL, OrderType.MARKET, OrderStatus.FILLED)
    ]
    assert engine.state.accounts["paper"].balances["BTC"].total < D("0.00001")
    assert run.host.state.value == "running"


async def test_atr_spacing_waits_for_the_bars_and_spaces_levels_one_atr_apart(
    tmp_path: Path,
) -> None:
    engine = make_engine(tmp_path, {"USDT": D("100000"), "BTC": D(1)})
    prints: list[tuple[int, float, float, int]] = []  # exchange time, price, qty, received

    def printed(event: TradePrinted) -> None:
        t = event.trade
        prints.append((t.ts_ns, float(t.price), float(t.qty), engine.clock.now_ns()))

    engine.bus.subscribe(TradePrinted, printed)
    params = GridParams(
        lower=D(60000),
        upper=D(63000),
        levels=9,
        qty=D("0.01"),
        spacing="atr",
        atr_period=5,
        atr_mult=D("1.5"),
        timeframe="10s",
    )
    strategy = Grid(params)
    run = await run_strategy(tmp_path, strategy, {}, engine=engine)
    orders = level_orders(list(run.engine.state.accounts["paper"].orders.values()))
    laid_ns = orders[0].created_ns
    # the 10 s bars closed by then, by hand, and their ATR with the indicator library
    bars: dict[int, list[float]] = {}
    for ts, price, _, received in prints:
        if received > laid_ns:
            break
        bar = bars.setdefault(ts - ts % 10_000_000_000, [price, price, price])
        bar[0], bar[1], bar[2] = max(bar[0], price), min(bar[1], price), price
    closed = list(bars.values())[:-1]  # the newest bar is still open
    assert len(closed) == 6  # it laid the grid as soon as period + 1 bars had closed
    frame = pd.DataFrame(closed, columns=["high", "low", "close"])
    value = atr(frame["high"], frame["low"], frame["close"], 5).iloc[-1]
    gap = floor_to(Decimal(repr(float(value))) * D("1.5"), D("0.01"))
    assert gaps(strategy.prices) == [gap] * 8
