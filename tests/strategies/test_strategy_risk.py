"""A risk veto reaches a strategy through the normal refusal path: its per-strategy limit
applies to its own orders, and the refusal comes back in words, not as an exception."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from strategy_rig import MS, T0, book, host_on, list_engine, play

from tradeterm.domain.commands import Command, PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.engine.risk_rules import RiskLimits
from tradeterm.strategies import Strategy, StrategyParams

D = Decimal


class Burst(Strategy[StrategyParams]):
    """Three resting buys on the first book."""

    kind = "burst"

    def __init__(self) -> None:
        super().__init__(StrategyParams())
        self.refused: list[tuple[Command, str]] = []
        self.books = 0

    def on_book(self, _book: object) -> None:  # type: ignore[override]
        self.books += 1
        if self.books == 1:
            for price in ("3000.00", "2990.00", "2980.00"):
                self.buy(D("0.01"), D(price))

    def on_command_refused(self, command: Command, reason: str) -> None:
        self.refused.append((command, reason))


async def test_a_strategys_own_order_rate_refuses_its_third_order(tmp_path: Path) -> None:
    engine = list_engine(tmp_path, [book(T0), book(T0 + 1_000 * MS)])
    limits = RiskLimits(
        max_orders_per_minute=10, strategies={"h1": RiskLimits(max_orders_per_minute=2)}
    )
    engine.risk.set_limits("paper", limits)
    strategy = Burst()
    await host_on(engine, strategy)
    report = await play(engine)
    assert not report.failed
    assert len(strategy.refused) == 1
    command, reason = strategy.refused[0]
    assert isinstance(command, PlaceOrder) and command.price == D("2980.00")
    assert reason.startswith("maximum order rate: 2 orders in the last 60 s, the limit is 2")
    placed = [o for o in engine.state.accounts["paper"].orders.values() if o.tag == "h1"]
    assert sorted(o.status.value for o in placed) == ["denied", "open", "open"]
    # by hand, the account's own limit of 10 still applies: the strategy's 2 does not
    await engine.place(
        PlaceOrder("ETH/USDT", Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D("2900"))
    )
