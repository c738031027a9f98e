"""``Engine.execute``: every order action of the keyboard as a command, with no UI; trading
states (HALTED, REDUCING, ACTIVE) journaled and restored; cancel-all filters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from trading_rig import D, build_stack

from tradeterm.domain.commands import (
    AmendOrder,
    CancelAll,
    CancelOrder,
    PlaceOrder,
    SetTradingState,
)
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TradingState
from tradeterm.domain.errors import OrderRejected, TradetermError
from tradeterm.domain.events import TradingStateChanged

ETH = "ETH/USDT"
BIDS = [("3000.00", "1.0"), ("2999.00", "2.0"), ("2998.00", "5.0")]
ASKS = [("3001.00", "1.5"), ("3002.00", "2.0"), ("3003.00", "4.0")]
HERE = Path(__file__).resolve().parent


def limit(side: Side, qty: str, price: str, symbol: str = ETH) -> PlaceOrder:
    return PlaceOrder(symbol, side, OrderType.LIMIT, qty=D(qty), price=D(price))


def test_every_keyboard_order_action_runs_through_execute_without_the_ui(tmp_path: Path) -> None:
    script = HERE / "keyboard_actions.py"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.split()
    assert lines[-1] == "textual-absent", done.stdout
    assert lines[:-1] == [
        "place",
        "amend",
        "move",
        "cancel",
        "cancel-all-sells",
        "oco",
        "bracket",
        "switch",
        "select",
        "halt",
        "reduce",
        "resume",
        "reset",
    ]


async def test_halt_refuses_orders_and_lets_cancels_through(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    seen: list[TradingStateChanged] = []
    s.engine.bus.subscribe(TradingStateChanged, seen.append)
    resting = await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))
    await s.engine.execute(SetTradingState(TradingState.HALTED, reason="daily loss"))
    assert s.account.trading_state is TradingState.HALTED
    assert seen == [TradingStateChanged("paper", TradingState.HALTED, "daily loss")]
    with pytest.raises(OrderRejected, match=r"paper is HALTED: no new orders.*:resume"):
        await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))
    preview = s.engine.preview(limit(Side.BUY, "0.1", "2990.00"))
    assert any("HALTED" in p for p in preview.problems)  # the ticket says so before sending
    with pytest.raises(OrderRejected, match="HALTED: an amend may lower the quantity"):
        await s.engine.execute(AmendOrder(resting.client_id, qty=D("0.2")))
    await s.engine.execute(CancelOrder(resting.client_id))
    await s.settle()
    assert resting.status is OrderStatus.CANCELED
    await s.engine.execute(SetTradingState(TradingState.ACTIVE))
    await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))


async def test_reducing_lets_only_orders_that_shrink_the_position(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BIDS, ASKS)
    await s.engine.place(PlaceOrder(ETH, Side.BUY, OrderType.MARKET, qty=D("0.5")))
    await s.settle()
    held = s.account.positions[ETH].qty
    assert held > 0
    await s.engine.execute(SetTradingState(TradingState.REDUCING))
    with pytest.raises(OrderRejected, match="REDUCING: only orders that shrink"):
        await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))
    with pytest.raises(OrderRejected, match=f"at most {held} ETH"):
        await s.engine.place(limit(Side.SELL, str(held + D("0.1")), "3010.00"))
    first = await s.engine.place(limit(Side.SELL, "0.2", "3010.00"))
    with pytest.raises(OrderRejected, match=f"at most {held - D('0.2')} ETH"):
        await s.engine.place(limit(Side.SELL, str(held), "3010.00"))  # the rest is offered
    assert first.status is OrderStatus.OPEN


async def test_the_trading_state_survives_a_restart(tmp_path: Path) -> None:
    first = await build_stack(tmp_path)
    await first.engine.execute(SetTradingState(TradingState.REDUCING, reason="drawdown 8%"))
    first.engine.trading.ledger.close()  # type: ignore[union-attr]
    second = await build_stack(tmp_path)
    assert second.account.trading_state is TradingState.REDUCING
    assert second.account.state_reason == "drawdown 8%"


async def test_cancel_all_filters_by_side_symbol_and_account(tmp_path: Path) -> None:
    s = await build_stack(tmp_path, accounts=("paper", "second"))
    s.book(ETH, BIDS, ASKS)
    s.book("SOL/USDT", [("150.00", "10")], [("150.10", "10")])
    buy = await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))
    sell = await s.engine.place(limit(Side.SELL, "0.1", "3010.00"))
    sol = await s.engine.place(limit(Side.SELL, "1", "151.00", "SOL/USDT"))
    other = await s.engine.execute(
        PlaceOrder(ETH, Side.BUY, OrderType.LIMIT, qty=D("0.1"), price=D("2980"), account="second")
    )
    assert await s.engine.execute(CancelAll("ETH*", side=Side.SELL)) == 1
    await s.settle()
    assert (sell.status, buy.status, sol.status) == (
        OrderStatus.CANCELED,
        OrderStatus.OPEN,
        OrderStatus.OPEN,
    )
    assert await s.engine.execute(CancelAll("*", account="*")) == 3  # every account
    await s.settle()
    assert {o.status for o in (buy, sol, other)} == {OrderStatus.CANCELED}  # type: ignore[union-attr]


async def test_execute_says_what_is_wrong_in_words(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    with pytest.raises(TradetermError, match="no order nope"):
        await s.engine.execute(CancelOrder("nope"))
    with pytest.raises(TradetermError, match="unknown account 'ghost'"):
        await s.engine.execute(SetTradingState(TradingState.HALTED, account="ghost"))
    with pytest.raises(TradetermError, match="not a command the engine knows: str"):
        await s.engine.execute("buy 1 ETH")  # type: ignore[arg-type]
