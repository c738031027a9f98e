"""sma_cross on a recorded Binance BTC/USDT capture: it trades exactly the averages' crosses."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from strategy_rig import SYMBOL, make_engine, run_strategy

from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import TradePrinted
from tradeterm.strategies import make_params
from tradeterm.strategies.sma_cross import SmaCross, SmaCrossParams

D = Decimal
BAR_NS = 10_000_000_000


def expected_crosses(
    trades: list[tuple[int, Decimal, int]], fast: int, slow: int
) -> list[tuple[int, str]]:
    """The crosses, worked out by hand from the prints (exchange time, price, time received):
    (time the cross is known, direction).

    Bars are cut by the prints' exchange times; a 10 s bar closes when the first print of a
    later bar is received; the averages are plain means of the last closes."""
    closes: list[float] = []
    crosses = []
    bar, close = None, 0.0
    for ts, price, received in trades:
        start = ts - ts % BAR_NS
        if bar is not None and start != bar:
            closes.append(close)
            if len(closes) > slow:
                now = sum(closes[-fast:]) / fast - sum(closes[-slow:]) / slow
                prev = sum(closes[-fast - 1 : -1]) / fast - sum(closes[-slow - 1 : -1]) / slow
                if prev <= 0 < now:
                    crosses.append((received, "up"))
                elif prev >= 0 > now:
                    crosses.append((received, "down"))
        bar, close = start, float(price)
    return crosses


async def test_it_buys_every_cross_up_and_sells_every_cross_down(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, {"USDT": D("10000")})
    prints: list[tuple[int, Decimal, int]] = []

    def printed(event: TradePrinted) -> None:
        if event.trade.symbol == SYMBOL:
            prints.append((event.trade.ts_ns, event.trade.price, engine.clock.now_ns()))

    engine.bus.subscribe(TradePrinted, printed)
    strategy = SmaCross(SmaCrossParams(fast=2, slow=5, timeframe="10s"))
    run = await run_strategy(tmp_path, strategy, {}, engine=engine)
    assert not run.report.failed and run.host.state.value == "running"

    crosses = expected_crosses(prints, 2, 5)
    assert len(crosses) >= 4  # the capture has something to trade
    assert [direction for _, direction in crosses] == [d for _, d in strategy.crosses]
    # long-only: the first trade is the first cross up, then they alternate
    wanted: list[tuple[int, Side]] = []
    for ts, direction in crosses:
        holding = bool(wanted) and wanted[-1][1] is Side.BUY
        if direction == "up" and not holding:
            wanted.append((ts, Side.BUY))
        elif direction == "down" and holding:
            wanted.append((ts, Side.SELL))
    orders = sorted(run.engine.state.accounts["paper"].orders.values(), key=lambda o: o.created_ns)
    assert [(o.created_ns, o.side) for o in orders] == wanted
    assert all(o.type is OrderType.MARKET and o.status is OrderStatus.FILLED for o in orders)
    assert all(o.tag == "s1" for o in orders)
    # all in: each buy spends all but the fee reserve and the margin; each sell sells it all
    usdt = D("10000")
    for buy, sell in zip(orders[::2], orders[1::2], strict=False):
        assert buy.cost > usdt * D("0.97")
        assert buy.filled - buy.fee - sell.filled < D("0.00001")  # less than a lot left
        usdt = usdt - buy.cost + sell.cost - sell.fee


def test_its_parameters_say_what_is_wrong() -> None:
    with pytest.raises(TradetermError) as err:
        make_params(SmaCross, {"fast": 30, "slow": 10})
    assert "fast (30) must be less than slow (10)" in str(err.value)
    with pytest.raises(TradetermError) as err:
        make_params(SmaCross, {"fast": 0, "timeframe": "1 minute", "speed": 3})
    text = str(err.value)
    assert "fast: Input should be greater than or equal to 1" in text
    assert "timeframe: String should match pattern" in text
    assert "speed: Extra inputs are not permitted" in text
    params = make_params(SmaCross, {"fast": 3})
    assert isinstance(params, SmaCrossParams) and (params.fast, params.slow) == (3, 30)
