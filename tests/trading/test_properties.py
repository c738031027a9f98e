"""Hypothesis: whatever the user and the market do, the engine's money stays right."""

from __future__ import annotations

import asyncio
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trading_rig import D, Stack, build_stack

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side, TimeInForce
from tradeterm.domain.errors import OrderRejected, TradetermError

ETH = "ETH/USDT"
TICK = D("0.01")

prices = st.integers(min_value=-30, max_value=30).map(lambda k: D("3000.00") + k * TICK * 10)
sizes = st.integers(min_value=1, max_value=300).map(lambda k: D(k) / 100)
sides = st.sampled_from([Side.BUY, Side.SELL])

place_limit = st.tuples(st.just("limit"), sides, sizes, prices, st.sampled_from(list(TimeInForce)))
place_market = st.tuples(st.just("market"), sides, sizes)
cancel = st.tuples(st.just("cancel"), st.integers(0, 20))
amend = st.tuples(st.just("amend"), st.integers(0, 20), sizes)
trade = st.tuples(st.just("trade"), sides, prices, sizes)
book = st.tuples(st.just("book"), prices, st.integers(1, 6))
tick = st.tuples(st.just("tick"), st.integers(1, 80))
actions = st.lists(
    st.one_of(place_limit, place_market, cancel, amend, trade, book, tick), min_size=1, max_size=25
)


def make_book(s: Stack, mid: Decimal, depth: int) -> None:
    spacing = TICK * 10
    bids = [(str(mid - spacing * (i + 1)), str(D(depth) / 2 + i)) for i in range(depth)]
    asks = [(str(mid + spacing * (i + 1)), str(D(depth) / 2 + i)) for i in range(depth)]
    s.book(ETH, bids, asks)


async def scenario(steps: list[tuple]) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        s = await build_stack(Path(tmp), latency_ms=20, durable=False)
        try:
            await run_steps(s, steps)
        finally:
            s.engine.trading.ledger.close()  # type: ignore[union-attr]


async def run_steps(s: Stack, steps: list[tuple]) -> None:  # type: ignore[type-arg]
    if True:
        make_book(s, D("3000.00"), 4)
        start = {a: b.total for a, b in s.account.balances.items()}
        final_fill_counts: dict[str, int] = {}
        for step in steps:
            kind = step[0]
            try:
                if kind == "limit":
                    _, side, qty, price, tif = step
                    await s.engine.place(
                        PlaceOrder(ETH, side, OrderType.LIMIT, qty=qty, price=price, tif=tif)
                    )
                elif kind == "market":
                    _, side, qty = step
                    await s.engine.place(PlaceOrder(ETH, side, OrderType.MARKET, qty=qty))
                elif kind in ("cancel", "amend"):
                    live = s.account.open_orders()
                    if live:
                        order = live[step[1] % len(live)]
                        if kind == "cancel":
                            await s.engine.cancel(order.client_id)
                        else:
                            await s.engine.amend(order.client_id, None, step[2])
                elif kind == "trade":
                    _, side, price, qty = step
                    s.trade(ETH, str(price), str(qty), side)
                elif kind == "book":
                    make_book(s, step[1], step[2])
                elif kind == "tick":
                    s.clock.advance(step[1] / 1000)
            except (OrderRejected, TradetermError):
                pass
            await s.settle()
            check(s, start, final_fill_counts)
        s.clock.advance(1)
        await s.settle()
        check(s, start, final_fill_counts)


def check(s: Stack, start: dict[str, Decimal], final_fill_counts: dict[str, int]) -> None:
    account = s.account
    for asset, balance in account.balances.items():
        assert balance.reserved >= 0, asset
        assert balance.free >= 0, (asset, balance)
        held = sum(
            (
                o.reserved
                for o in account.orders.values()
                if (o.side is Side.BUY and asset == "USDT")
                or (o.side is Side.SELL and asset == "ETH")
            ),
            D(0),
        )
        assert balance.reserved == held, (asset, balance.reserved, held)
    fills = list(account.fills)
    for order in account.orders.values():
        assert order.filled <= order.qty
        count = sum(1 for f in fills if f.client_id == order.client_id)
        assert sum((f.qty for f in fills if f.client_id == order.client_id), D(0)) == order.filled
        if order.status.is_final:
            assert order.reserved == 0
            seen = final_fill_counts.setdefault(order.client_id, count)
            assert count == seen, f"{order.client_id} filled after it ended"
    # conservation: every asset moved exactly by the fills, fees apart
    bought = sum((f.qty for f in fills if f.side is Side.BUY), D(0))
    sold = sum((f.qty for f in fills if f.side is Side.SELL), D(0))
    paid = sum((f.price * f.qty for f in fills if f.side is Side.BUY), D(0))
    got = sum((f.price * f.qty for f in fills if f.side is Side.SELL), D(0))
    fee_eth = sum((f.fee for f in fills if f.fee_asset == "ETH"), D(0))
    fee_usdt = sum((f.fee for f in fills if f.fee_asset == "USDT"), D(0))
    assert account.balance("ETH").total == start["ETH"] + bought - sold - fee_eth
    assert account.balance("USDT").total == start["USDT"] - paid + got - fee_usdt


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(actions)
def test_money_is_conserved_and_never_overdrawn(steps: list[tuple]) -> None:  # type: ignore[type-arg]
    asyncio.run(scenario(steps))
