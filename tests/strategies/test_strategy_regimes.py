"""The ``regimes`` parameter: a strategy opens orders only in the regimes it declares, still
manages what it has, and says why it waits."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from strategy_rig import MS, T0, book, host_on, list_engine, play

from tests.analysis.test_regime import _market, _noise
from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import OrderStatus
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.market_data import Candle
from tradeterm.strategies import BUILTINS, Strategy, StrategyParams, StrategyState, create

D = Decimal
N = 300
RISING = _market(100.0 + 0.05 * np.arange(N) + 0.03 * _noise(N, 1), np.full(N, 0.02))
FLAT = _market(100.0 + 0.05 * _noise(N, 1), np.full(N, 0.02))
ETH = Instrument("list", "ETH/USDT")


class Scripted(Strategy[StrategyParams]):
    """Runs ``script[n]`` on the n-th book (from 1) and writes down what it saw."""

    kind = "scripted"

    def __init__(self, params: StrategyParams, script: dict[int, Callable[[Scripted], None]]):
        super().__init__(params)
        self.script = script
        self.books = 0
        self.notes: list[tuple[int, str, str]] = []

    def on_book(self, book: OrderBook) -> None:
        self.books += 1
        action = self.script.get(self.books)
        if action is not None:
            action(self)
            self.notes.append((self.books, self.regime(), self.host.reason))


def _set_candles(engine_candles: dict[Instrument, deque[Candle]], candles: list[Candle]) -> None:
    engine_candles[ETH] = deque(candles)


async def test_it_waits_outside_its_regimes_and_still_manages_its_orders(tmp_path: Path) -> None:
    events = [book(T0 + k * 100 * MS) for k in range(6)]
    engine = list_engine(tmp_path, events)
    script: dict[int, Callable[[Scripted], None]] = {
        1: lambda s: s.buy(D("0.01"), D("3000.00")),  # trending: waits
        3: lambda s: (s.buy(D("0.01"), D("3000.00")), s.buy(D("0.01"))),  # ranging: both go
        5: lambda s: (
            s.buy(D("0.01")),  # trending again: a new buy waits ...
            s.cancel_all(),  # ... its resting order is still cancelled
            s.sell(s.lot(s.position().qty)),  # type: ignore[union-attr]  # and it may close
        ),
    }
    strategy = Scripted(StrategyParams(regimes=("ranging",)), script)
    await engine.start()
    candles = engine.state.candles
    _set_candles(candles, RISING)
    host = await host_on(engine, strategy)
    engine.clock.call_at(T0 + 150 * MS, lambda: _set_candles(candles, FLAT))
    engine.clock.call_at(T0 + 350 * MS, lambda: _set_candles(candles, RISING))
    report = await play(engine)
    assert not report.failed and not report.unfinished
    waiting = "waiting: regime is trending_up; trades only in ranging"
    assert strategy.notes == [
        (1, "trending_up", waiting),
        (3, "ranging", ""),
        (5, "trending_up", waiting),
    ]
    orders = sorted(
        (o.side.value, o.type.value, o.status.value)
        for o in engine.state.accounts["paper"].orders.values()
    )
    assert orders == [
        ("buy", "limit", "canceled"),
        ("buy", "market", "filled"),
        ("sell", "market", "filled"),
    ]
    assert strategy.waiting == waiting and host.state is StrategyState.RUNNING


async def test_unknown_regime_waits_and_says_how_many_candles_it_has(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, [book(T0)])
    strategy = Scripted(
        StrategyParams(regimes=("ranging", "volatile")), {1: lambda s: s.buy(D("0.01"))}
    )
    await engine.start()
    _set_candles(engine.state.candles, FLAT[:50])
    await host_on(engine, strategy)
    await play(engine)
    assert strategy.notes == [
        (
            1,
            "",
            "waiting: regime not known yet (50 of 121 candles); trades only in ranging, volatile",
        )
    ]
    assert not engine.state.accounts["paper"].orders


async def test_by_default_every_regime_trades(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, [book(T0)])
    strategy = Scripted(StrategyParams(), {1: lambda s: s.buy(D("0.01"))})
    await engine.start()
    _set_candles(engine.state.candles, RISING)
    await host_on(engine, strategy)
    await play(engine)
    assert [o.status for o in engine.state.accounts["paper"].orders.values()] == [
        OrderStatus.FILLED
    ]
    assert strategy.notes[0][2] == "" and strategy.waiting == ""


@pytest.mark.parametrize("kind", sorted(BUILTINS))
def test_every_builtin_takes_regimes_and_refuses_unknown_ones(kind: str) -> None:
    params = BUILTINS[kind].params_model.model_fields["regimes"]
    assert params.default == ("trending_up", "trending_down", "ranging", "volatile")
    with pytest.raises(Exception, match="regimes"):
        create(kind, {"regimes": ["sideways"]})
    with pytest.raises(Exception, match="regimes"):
        create(kind, {"regimes": []})
