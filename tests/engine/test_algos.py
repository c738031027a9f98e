"""TWAP and VWAP on the deterministic driver: children at their times on the engine clock,
sizes by the schedule (equal, or by the recent volume profile), each through the engine's
checks; cancelling the parent stops the schedule; a refused child stops the parent."""

from __future__ import annotations

import asyncio
from collections import deque
from decimal import Decimal
from pathlib import Path

import pytest

from tests.strategies.strategy_rig import MS, T0, book, eth_market_buy, list_engine, play
from tradeterm.domain.commands import Kill, PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.market_data import Candle
from tradeterm.domain.orders import Order
from tradeterm.engine.algos import AlgoDesk, AlgoOrder, AlgoState, PlaceAlgo

D = Decimal
S = 1_000 * MS
ETH = Instrument("list", "ETH/USDT")


def _books(seconds: int) -> list:  # type: ignore[type-arg]
    """A fresh book every second (the paper venue refills what a child took)."""
    return [book(T0 + k * S) for k in range(seconds + 1)]


def _children(desk_engine, tag: str) -> list[Order]:  # type: ignore[no-untyped-def]
    orders = desk_engine.state.accounts["paper"].orders.values()
    return sorted((o for o in orders if o.tag == tag), key=lambda o: o.created_ns)


def _start_soon(engine, desk: AlgoDesk, command: PlaceAlgo) -> list[AlgoOrder]:  # type: ignore[no-untyped-def]
    """Start ``command`` half a second after the first book (the children size on its mid)."""
    started: list[AlgoOrder] = []
    engine.clock.call_at(T0 + 500 * MS, lambda: started.append(desk.start(command)))
    return started


async def test_twap_sends_equal_children_every_ten_seconds(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, _books(620), USDT="100000")
    await engine.start()
    desk = AlgoDesk(engine)
    started: list[str] = []
    engine.clock.call_at(
        T0 + 500 * MS,
        lambda: started.append(desk.start(PlaceAlgo(eth_market_buy("2"), "twap", 600)).id),
    )
    report = await play(engine)
    assert not report.failed
    algo = desk.algos[started[0]]
    children = _children(engine, algo.id)
    # 600 s / 10 s = 60 children; 2 ETH is 2,000 lots: 20 children of 34 lots, 40 of 33
    assert len(children) == 60
    assert sorted(c.qty for c in children) == [D("0.033")] * 40 + [D("0.034")] * 20
    assert sum(c.qty for c in children) == D("2")
    start = T0 + 500 * MS
    assert [c.created_ns - start for c in children] == [i * 10 * S for i in range(60)]
    assert all(c.status.value == "filled" for c in children)
    assert algo.state is AlgoState.DONE and algo.progress == 1.0
    assert algo.filled == D("2")
    balance = engine.state.accounts["paper"].balances["ETH"].total
    assert balance == D("2") - sum(c.fee for c in children)


async def test_vwap_follows_the_recent_volume_profile(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, _books(620), USDT="100000")
    await engine.start()
    # the last ten minutes traded 1, 1, 1, 1, 1, 3, 3, 3, 3, 3 ETH a minute
    volumes = [1] * 5 + [3] * 5
    engine.state.candles[ETH] = deque(
        Candle(k * 60_000, D(3100), D(3100), D(3100), D(3100), D(v)) for k, v in enumerate(volumes)
    )
    desk = AlgoDesk(engine)
    started = _start_soon(engine, desk, PlaceAlgo(eth_market_buy("2"), "vwap", 600))
    await play(engine)
    algo = started[0]
    children = _children(engine, algo.id)
    assert len(children) == 60 and algo.state is AlgoState.DONE
    per_minute = [D(0)] * 10
    for child in children:
        per_minute[(child.created_ns - algo.start_ns) // (60 * S)] += child.qty
    # minute k gets volume k / total volume (20) of the 2 ETH: 0.1 then 0.3, within a lot
    for got, volume in zip(per_minute, volumes, strict=True):
        assert abs(got - D(2) * volume / 20) <= D("0.001") * 6
    assert sum(per_minute) == D("2")
    assert algo.note == ""


async def test_vwap_without_candles_says_it_splits_equally(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, _books(5), USDT="100000")
    await engine.start()
    desk = AlgoDesk(engine)
    await play(engine)
    plan = desk.plan(PlaceAlgo(eth_market_buy(quote="5000"), "vwap", 1800))
    assert "equal slices" in plan.note
    assert len(plan.slices) == 60 and plan.in_quote
    assert set(plan.slices) == {D("83.33"), D("83.34")} and sum(plan.slices) == D("5000")
    assert plan.interval_ns == 30 * S


async def test_cancelling_the_parent_stops_the_schedule(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, _books(120), USDT="100000")
    await engine.start()
    desk = AlgoDesk(engine)
    started = _start_soon(engine, desk, PlaceAlgo(eth_market_buy("1"), "twap", 100))
    engine.clock.call_at(T0 + 35 * S, lambda: desk.cancel(started[0].id))
    await play(engine)
    algo = started[0]
    children = _children(engine, algo.id)
    assert [(c.created_ns - algo.start_ns) // S for c in children] == [0, 10, 20, 30]
    assert algo.state is AlgoState.CANCELED and algo.open_children == []
    assert 0 < algo.progress < 1


async def test_the_kill_switch_stops_every_schedule(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, _books(120), USDT="100000")
    await engine.start()
    desk = AlgoDesk(engine)
    started = _start_soon(engine, desk, PlaceAlgo(eth_market_buy("1"), "twap", 100))
    kill = lambda: asyncio.ensure_future(engine.execute(Kill()))  # noqa: E731
    engine.clock.call_at(T0 + 25 * S, kill)
    await play(engine)
    algo = started[0]
    assert algo.state is AlgoState.CANCELED and algo.reason == "kill switch"
    assert algo.sent == 3  # at 0, 10 and 20 s; none after the kill at 25 s


async def test_a_refused_child_stops_the_parent_with_the_engines_words(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, _books(60), USDT="100000")
    await engine.start()
    desk = AlgoDesk(engine)
    sell = PlaceOrder("ETH/USDT", Side.SELL, OrderType.MARKET, qty=D("1"))
    started = _start_soon(engine, desk, PlaceAlgo(sell, "twap", 50))
    await play(engine)
    algo = started[0]
    assert algo.state is AlgoState.FAILED
    assert "insufficient ETH" in algo.reason
    assert len(_children(engine, algo.id)) == 1  # nothing more was sent


@pytest.mark.parametrize(
    ("order", "duration", "words"),
    [
        (eth_market_buy("2"), 5, "allowed 10s to 24h"),
        (eth_market_buy("0.001"), 600, "below one child order"),
        (
            PlaceOrder("ETH/USDT", Side.BUY, OrderType.LIMIT, qty=D(1), price=D(3000)),
            600,
            "market children",
        ),
    ],
)
async def test_bad_parents_are_refused_in_words(
    tmp_path: Path, order: PlaceOrder, duration: float, words: str
) -> None:
    engine = list_engine(tmp_path, _books(2))
    await engine.start()
    await play(engine)
    with pytest.raises(TradetermError, match=words):
        AlgoDesk(engine).start(PlaceAlgo(order, "twap", duration))
    assert not engine.state.accounts["paper"].orders
