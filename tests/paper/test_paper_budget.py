"""A market-style buy never spends more quote than the engine held for it."""

from __future__ import annotations

from paperkit import D, Harness

from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.events import OrderExpired

BIDS = [("3099.00", "1.0")]
ASKS = [("3100.00", "1.0"), ("3102.00", "1.0"), ("3110.00", "5.0")]


def budgeted(h: Harness, qty: str, budget: str, kind: OrderType = OrderType.MARKET) -> str:
    order = h.order(Side.BUY, kind, qty, stop="3100.00" if kind is OrderType.STOP_MARKET else None)
    order.budget = D(budget)
    h.submit(order)
    return order.client_id


def test_market_buy_stops_at_its_budget_in_whole_lots() -> None:
    h = Harness()
    h.snapshot(BIDS, ASKS)
    # 1.0 @ 3100 costs 3100; 4000 leaves 900, enough for 0.290 (lot 0.001) @ 3102 = 899.58
    cid = budgeted(h, "2.0", "4000")
    fills = h.sink.fills(cid)
    assert [(f.price, f.qty) for f in fills] == [
        (D("3100.00"), D("1.0")),
        (D("3102.00"), D("0.290")),
    ]
    assert sum(f.price * f.qty for f in fills) <= D("4000")
    (expired,) = [e for e in h.sink.of(cid) if isinstance(e, OrderExpired)]
    assert "held for it is spent" in expired.reason


def test_budget_that_covers_the_walk_changes_nothing() -> None:
    h = Harness()
    h.snapshot(BIDS, ASKS)
    cid = budgeted(h, "2.0", "6300")
    assert h.sink.filled(cid) == D("2.0")
    assert not [e for e in h.sink.of(cid) if isinstance(e, OrderExpired)]


def test_liquidity_running_out_is_not_blamed_on_the_budget() -> None:
    h = Harness()
    h.snapshot(BIDS, [("3100.00", "1.0")])
    cid = budgeted(h, "2.0", "100000")
    (expired,) = [e for e in h.sink.of(cid) if isinstance(e, OrderExpired)]
    assert expired.reason == "no more liquidity within the book"
