"""The risk manager on a real engine, paper venue and SQLite ledger: each rule refuses
with its numbers through the normal refusal path, is logged, and sets trading states
through the journal."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from trading_rig import D, Stack, build_stack

from tradeterm.domain.commands import CancelOrder, PlaceOrder, SetTradingState
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TradingState
from tradeterm.domain.errors import OrderRejected
from tradeterm.domain.events import TradingStateChanged
from tradeterm.engine.risk_rules import RiskLimits

ETH, SOL = "ETH/USDT", "SOL/USDT"
BIDS = [("3000.00", "5.0"), ("2999.00", "5.0")]
ASKS = [("3001.00", "5.0"), ("3002.00", "5.0")]
FUNDS = {"USDT": D("10000"), "ETH": D("2")}


def limit(side: Side, qty: str, price: str, symbol: str = ETH, tag: str = "") -> PlaceOrder:
    return PlaceOrder(symbol, side, OrderType.LIMIT, qty=D(qty), price=D(price), tag=tag)


def market(side: Side, qty: str, symbol: str = ETH) -> PlaceOrder:
    return PlaceOrder(symbol, side, OrderType.MARKET, qty=D(qty))


async def stack(tmp: Path, limits: RiskLimits) -> Stack:
    s = await build_stack(tmp, balances=dict(FUNDS))
    s.book(ETH, BIDS, ASKS)
    s.book(SOL, [("150.00", "50")], [("150.10", "50")])
    s.engine.risk.set_limits("paper", limits)
    return s


async def test_max_positions_refuses_a_new_symbol_but_not_an_exit(tmp_path: Path) -> None:
    s = await stack(tmp_path, RiskLimits(max_positions=1))
    await s.engine.place(market(Side.BUY, "0.5"))
    await s.settle()
    with pytest.raises(OrderRejected, match=r"maximum concurrent positions: 1 open \(ETH/USDT\)"):
        await s.engine.place(limit(Side.BUY, "1", "149.00", SOL))
    denied = [o for o in s.account.orders.values() if o.status is OrderStatus.DENIED]
    assert [o.symbol for o in denied] == [SOL]  # journaled DENIED, shown like any refusal
    assert "the limit is 1" in denied[0].reason
    await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))  # adding to ETH is no new position
    await s.engine.place(limit(Side.SELL, "0.2", "3010.00"))  # an exit always passes


async def test_cooldown_after_a_fill_then_free_again(tmp_path: Path) -> None:
    s = await stack(tmp_path, RiskLimits(cooldown_s=30))
    await s.engine.place(market(Side.BUY, "0.5"))
    await s.settle()
    s.clock.advance(10)
    with pytest.raises(OrderRejected, match=r"cooldown on ETH/USDT: it traded 10 s ago.*in 20 s"):
        await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))
    await s.engine.place(limit(Side.BUY, "1", "149.00", SOL))  # other symbols are free
    s.clock.advance(21)
    await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))


async def test_order_rate_with_a_strategy_override(tmp_path: Path) -> None:
    limits = RiskLimits(
        max_orders_per_minute=2, strategies={"mm": RiskLimits(max_orders_per_minute=4)}
    )
    s = await stack(tmp_path, limits)
    for _ in range(2):
        await s.engine.place(limit(Side.BUY, "0.01", "2990.00"))
    s.clock.advance(15)
    with pytest.raises(OrderRejected, match=r"order rate: 2 orders in the last 60 s.*in 45 s"):
        await s.engine.place(limit(Side.BUY, "0.01", "2990.00"))
    await s.engine.place(limit(Side.BUY, "0.01", "2990.00", tag="mm"))  # its own limit is 4
    s.clock.advance(46)
    await s.engine.place(limit(Side.BUY, "0.01", "2990.00"))


async def test_daily_loss_turns_reducing_until_midnight_utc(tmp_path: Path) -> None:
    s = await stack(tmp_path, RiskLimits(daily_loss=D("250")))
    seen: list[TradingStateChanged] = []
    s.engine.bus.subscribe(TradingStateChanged, seen.append)
    await s.engine.place(market(Side.BUY, "1"))  # the day starts at 16,001.00 (mid 3,000.50)
    await s.settle()
    s.clock.advance(3600)
    s.book(ETH, [("2900.00", "5")], [("2901.00", "5")])  # ~3 ETH lose ~300
    with pytest.raises(OrderRejected, match=r"daily loss limit: down 30\d\.\d\d USDT today"):
        await s.engine.place(limit(Side.BUY, "0.01", "2800.00"))
    assert s.account.trading_state is TradingState.REDUCING
    assert seen[0].reason.startswith("risk: daily loss limit: down 30")
    assert "(16,001.00 -> 15,6" in seen[0].reason and "the limit is 250.00" in seen[0].reason
    await s.engine.place(limit(Side.SELL, "0.5", "2950.00"))  # shrinking passes
    s.book(ETH, BIDS, ASKS)  # back up: still REDUCING for the rest of the day
    with pytest.raises(OrderRejected, match="REDUCING"):
        await s.engine.place(limit(Side.BUY, "0.01", "2800.00"))
    s.clock.advance(23 * 3600)  # past 00:00 UTC: the timer gives the account back
    await s.engine.risk.settle()
    assert s.account.trading_state is TradingState.ACTIVE
    assert seen[-1] == TradingStateChanged(
        "paper", TradingState.ACTIVE, "risk: a new UTC day began"
    )
    await s.engine.place(limit(Side.BUY, "0.01", "2800.00"))


async def test_drawdown_halts_until_the_user_resumes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    s = await stack(tmp_path, RiskLimits(max_drawdown_pct=D("5")))
    resting = await s.engine.place(limit(Side.BUY, "0.01", "2400.00"))  # peak 16,001.00
    s.book(ETH, [("2500.00", "5")], [("2501.00", "5")])  # equity 15,001.00: 6.25% down
    with (
        caplog.at_level(logging.WARNING, logger="tradeterm.engine"),
        pytest.raises(OrderRejected, match=r"maximum drawdown: equity 15,001.00 USDT is 6.25%"),
    ):
        await s.engine.place(limit(Side.SELL, "0.5", "2600.00"))
    assert s.account.trading_state is TradingState.HALTED
    assert "peak of 16,001.00" in s.account.state_reason
    assert any("risk veto: paper sell 0.5 ETH/USDT" in r.getMessage() for r in caplog.records)
    await s.engine.execute(CancelOrder(resting.client_id))  # cancels pass
    await s.settle()
    assert resting.status is OrderStatus.CANCELED
    s.clock.advance(3 * 86400)  # no timer lifts a halt
    await s.engine.risk.settle()
    assert s.account.trading_state is TradingState.HALTED
    await s.engine.execute(SetTradingState(TradingState.ACTIVE))
    await s.engine.place(limit(Side.BUY, "0.01", "2490.00"))  # the peak starts again from here


async def test_ticket_preview_shows_the_veto_before_sending(tmp_path: Path) -> None:
    s = await stack(tmp_path, RiskLimits(max_orders_per_minute=1))
    await s.engine.place(limit(Side.BUY, "0.01", "2990.00"))
    plan = s.engine.preview(limit(Side.BUY, "0.01", "2990.00"))
    assert any(p.startswith("maximum order rate: 1 orders") for p in plan.problems)
