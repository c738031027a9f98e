"""Numbers of any size through the engine's checks: a clear problem for each, never a crash.

Issue 16 item 1: a quantity of 1e26, a price of 1e28 or 500 nines ended the app with
``decimal.InvalidOperation`` from the tick/lot check. Preview and place must answer in words.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from trading_rig import D, build_stack

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import OrderRejected
from tradeterm.domain.numbers import MAX_PRICE, MAX_QTY, MAX_VALUE

BTC = "BTC/USDT"
BIDS = [("60000.0", "1.0"), ("59990.0", "2.0")]
ASKS = [("60010.0", "1.5"), ("60020.0", "2.0")]
HUGE = "100000000000000000000000000"  # 1e26, as typed in the issue
HUGER = "10000000000000000000000000000"  # 1e28
NINES = "9" * 500


def limit(qty: str, price: str, side: Side = Side.BUY) -> PlaceOrder:
    return PlaceOrder(BTC, side, OrderType.LIMIT, qty=D(qty), price=D(price))


async def test_huge_quantity_and_price_are_problems_not_crashes(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(BTC, BIDS, ASKS)
    cases = {
        limit(HUGE, "60000.0"): f"quantity too large: at most {MAX_QTY:,f} BTC",
        limit(NINES, "60000.0"): f"quantity too large: at most {MAX_QTY:,f} BTC",
        limit("0.001", HUGER): f"price too large: at most {MAX_PRICE:,f}",
        limit("0.001", NINES): f"price too large: at most {MAX_PRICE:,f}",
        PlaceOrder(BTC, Side.SELL, OrderType.STOP_MARKET, qty=D("0.01"), stop_price=D(HUGER)):
            f"stop price too large: at most {MAX_PRICE:,f}",
        PlaceOrder(BTC, Side.BUY, OrderType.MARKET, quote_qty=D(HUGER)):
            f"order value too large: at most {MAX_VALUE:,f} USDT",
        PlaceOrder(BTC, Side.SELL, OrderType.TRAILING_STOP, qty=D("0.01"), trail=D(NINES)):
            f"trail too large: at most {MAX_PRICE:,f}",
        PlaceOrder(BTC, Side.BUY, OrderType.LIMIT, qty=D("0.01"), price=D("60000.0"),
                   take_profit=D(HUGER), stop_loss=D("50000.0")):
            f"take-profit too large: at most {MAX_PRICE:,f}",
    }  # fmt: skip
    for cmd, reason in cases.items():
        plan = s.engine.preview(cmd)
        assert any(reason in problem for problem in plan.problems), (cmd, plan.problems)
        assert all(len(problem) < 200 for problem in plan.problems), plan.problems
        with pytest.raises(OrderRejected, match=reason):
            await s.engine.place(cmd)
    await s.settle()
    # each is on record as DENIED with its reason; nothing was held or sent
    assert {o.status for o in s.account.orders.values()} == {OrderStatus.DENIED}
    assert s.account.open_orders() == [] and s.account.balance("USDT").reserved == 0


@pytest.mark.parametrize(
    ("qty", "price", "reason"),
    [
        ("NaN", "60000.0", "quantity must be a number like 0.5, got NaN"),
        ("Infinity", "60000.0", "quantity must be a number like 0.5, got Infinity"),
        ("-Infinity", "60000.0", "quantity must be above zero"),
        ("0.01", "sNaN", "price must be a number like 0.5, got sNaN"),
        ("0.01", "-Infinity", "price must be above zero"),
        ("-0", "60000.0", "quantity must be above zero, got -0"),
        ("1e-999999", "60000.0", "quantity 1E-999999 is not a multiple of lot 0.00001 BTC"),
        ("1e-99999999", "60000.0", "quantity 1E-99999999 is not a multiple of lot 0.00001 BTC"),
        ("0.01", "1e-999999", "price 1E-999999 is not a multiple of tick 0.1"),
        ("0.01", "-" + NINES, "price must be above zero"),
        ("0.01", "1e999999999", "price too large"),
    ],
)
async def test_non_finite_negative_and_tiny_numbers_say_what_is_wrong(
    tmp_path: Path, qty: str, price: str, reason: str
) -> None:
    s = await build_stack(tmp_path)
    s.book(BTC, BIDS, ASKS)
    plan = s.engine.preview(limit(qty, price))
    assert any(reason in problem for problem in plan.problems), plan.problems
    with pytest.raises(OrderRejected):
        await s.engine.place(limit(qty, price))


async def test_quote_sizing_at_a_tiny_price_is_too_large_not_an_overflow(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(BTC, BIDS, ASKS)
    cmd = PlaceOrder(BTC, Side.BUY, OrderType.LIMIT, quote_qty=D("1e15"), price=D("0.1"))
    plan = s.engine.preview(cmd)  # 1e15 / 0.1 = 1e16 BTC
    assert any("quantity too large" in p for p in plan.problems), plan.problems
    tiny = PlaceOrder(BTC, Side.BUY, OrderType.LIMIT, quote_qty=D("500"), price=D("1e-999999"))
    plan = s.engine.preview(tiny)  # would overflow if divided: the price problem is enough
    assert any("price 1E-999999 is not a multiple of tick 0.1" in p for p in plan.problems)


async def test_a_market_with_its_own_maximum_names_it(tmp_path: Path) -> None:
    from dataclasses import replace

    s = await build_stack(tmp_path)
    s.book(BTC, BIDS, ASKS)
    markets, inst = s.engine.state.markets, s.engine.state.resolve(BTC)
    markets[inst] = replace(markets[inst], max_qty=D("9000"))
    plan = s.engine.preview(limit("9000.5", "60000.0"))
    own = "quantity too large: at most 9,000 BTC (the market's maximum)"
    assert f"{own}, got 9000.5" in plan.problems
    assert s.engine.preview(limit(HUGE, "60000.0")).problems[0].startswith(own)


async def test_amend_to_a_huge_number_is_refused_in_words(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(BTC, BIDS, ASKS)
    order = await s.engine.place(limit("0.01", "59000.0"))
    await s.settle()
    for price, qty, reason in (
        (D(HUGER), D("0.01"), "price too large"),
        (None, D(NINES), "quantity too large"),
        (Decimal("NaN"), D("0.01"), "price must be a number"),
        (None, Decimal("NaN"), "quantity must be a number"),
    ):
        with pytest.raises(OrderRejected, match=reason):
            await s.engine.amend(order.client_id, price, qty)
