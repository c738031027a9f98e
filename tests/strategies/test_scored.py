"""trend, mean_reversion and momentum on recorded one-minute BTC candles: entries only on the
scanner's score, exits by their rule, stop-loss and take-profit honoured."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
from candle_feed import PERP, CandleFeed, read_candles

from tradeterm.analysis.scanner.convert import candles_to_matrix
from tradeterm.analysis.scanner.passes import scan
from tradeterm.analysis.scanner.recipes import RECIPES
from tradeterm.domain.enums import OrderStatus, Side
from tradeterm.domain.events import TradePrinted
from tradeterm.domain.market_data import Candle
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.driver import drive
from tradeterm.engine.engine import Engine
from tradeterm.strategies import StrategyHost, create
from tradeterm.strategies.scored import ScoreStrategy
from tradeterm.venues.paper import PaperVenue

D = Decimal
MINUTE_NS = 60_000_000_000


def score_before(candles: list[Candle], ts_ns: int, family: str) -> dict[str, float | str]:
    """The scanner's row over the bars closed before ``ts_ns`` (the newest 500), by hand."""
    closed = [c for c in candles if c.ts_ms * 1_000_000 + MINUTE_NS <= ts_ns][-500:]
    return scan(candles_to_matrix({"BTC/USDT": closed}, len(closed))).row("BTC/USDT")


@pytest.mark.parametrize(
    ("kind", "first", "params"),
    [
        ("trend", 0, {"stop_loss_pct": "0.3", "take_profit_pct": "0.6"}),
        ("mean_reversion", 600, {"stop_loss_pct": "0.3", "take_profit_pct": "0.6"}),
        ("momentum", 0, {"stop_loss_pct": "0.3", "take_profit_pct": "0.6"}),
    ],
)
async def test_it_enters_on_the_score_and_leaves_by_its_rules(
    tmp_path: Path, kind: str, first: int, params: dict[str, str]
) -> None:
    if not PERP.exists():
        pytest.skip(f"recorded data not found: {PERP}")
    candles = read_candles(PERP, first, 600)
    clock = ManualClock(0)
    feed = CandleFeed(candles)
    spec = AccountSpec("paper", venue="candles", balances={"USDT": D(10_000)})
    engine = Engine(clock, feed, [spec], client_id_prefix="c")
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=50)
    )
    prints: list[tuple[int, Decimal]] = []
    engine.bus.subscribe(TradePrinted, lambda e: prints.append((clock.now_ns(), e.trade.price)))
    await engine.start()
    strategy = create(kind, params)
    assert isinstance(strategy, ScoreStrategy)
    host = StrategyHost(engine, strategy, name="c1", account="paper", symbol="BTC/USDT")
    host.start()
    report = await drive(engine, [feed])
    assert not report.failed and host.state.value == "running"

    recipe = RECIPES[strategy.family]
    p = strategy.params
    orders = sorted(engine.state.accounts["paper"].orders.values(), key=lambda o: o.created_ns)
    assert len(orders) >= 4 and all(o.status is OrderStatus.FILLED for o in orders)
    assert [o.side for o in orders[: len(orders) // 2 * 2]] == [Side.BUY, Side.SELL] * (
        len(orders) // 2
    )
    kinds = set()
    for buy, sell in zip(orders[::2], orders[1::2], strict=False):
        # the entry: the score of the bars closed by then was at the threshold or above
        row = score_before(candles, buy.created_ns, strategy.family)
        assert float(row[recipe.column]) >= p.entry_score - 1e-9
        entry = buy.avg_price
        assert entry is not None
        stop = entry * (1 - p.stop_loss_pct / 100)
        target = entry * (1 + p.take_profit_pct / 100)
        # while long, every print beyond a bound is answered at once by the sell
        held = [(t, x) for t, x in prints if buy.updated_ns < t < sell.created_ns]
        assert all(stop < x < target for _, x in held), (kind, entry)
        at_sell = [x for t, x in prints if t == sell.created_ns]
        if at_sell and (at_sell[-1] <= stop or at_sell[-1] >= target):
            kinds.add("stop" if at_sell[-1] <= stop else "take-profit")
            continue
        # otherwise the exit rule held on the bars closed by then
        row = score_before(candles, sell.created_ns, strategy.family)
        if kind == "mean_reversion":
            assert float(row["rsi"]) >= 55.0 - 1e-9
        else:
            assert float(row[recipe.column]) <= p.exit_score + 1e-9
        kinds.add("rule")
    assert {"stop", "rule"} <= kinds, kinds
    assert not math.isnan(strategy.last_score)
