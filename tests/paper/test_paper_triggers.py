"""Stops and take-profits: they wait off the book and trigger on the last trade price."""

from __future__ import annotations

import pytest
from paperkit import ETH, D, Harness

from tradeterm.domain.enums import Liquidity, OrderType, Side
from tradeterm.domain.events import OrderExpired
from tradeterm.domain.market import Market

BIDS = [("3099.00", "1.0"), ("3098.50", "2.0"), ("3098.00", "5.0")]
ASKS = [("3100.00", "1.5"), ("3100.50", "2.0"), ("3101.00", "4.0")]
SOL = Market(
    "test",
    "SOL/USDT",
    "SOL",
    "USDT",
    D("0.01"),
    D("0.001"),
    D("0.001"),
    D("5"),
    D("0.0008"),
    D("0.001"),
)


def harness() -> Harness:
    h = Harness(markets=(ETH, SOL))
    h.snapshot(BIDS, ASKS)
    return h


@pytest.mark.parametrize(
    ("type_", "side", "trigger", "quiet", "fires"),
    [
        # stops trigger at or through their price against the position
        (OrderType.STOP_MARKET, Side.BUY, "3105.00", "3104.99", "3105.00"),
        (OrderType.STOP_MARKET, Side.SELL, "3095.00", "3095.01", "3095.00"),
        # take-profits the other way round
        (OrderType.TAKE_PROFIT_MARKET, Side.SELL, "3105.00", "3104.99", "3105.00"),
        (OrderType.TAKE_PROFIT_MARKET, Side.BUY, "3095.00", "3095.01", "3094.00"),
    ],
)
def test_trigger_direction(
    type_: OrderType, side: Side, trigger: str, quiet: str, fires: str
) -> None:
    h = harness()
    order = h.submit(h.order(side, type_, "0.5", stop=trigger))
    assert h.sink.kinds(order.client_id) == ["OrderAccepted"]
    h.trade(quiet, "0.01", Side.BUY)
    assert h.sink.kinds(order.client_id) == ["OrderAccepted"]
    assert h.venue.resting("ETH/USDT") == []
    h.trade(fires, "0.01", Side.BUY)
    assert h.sink.kinds(order.client_id) == ["OrderAccepted", "OrderTriggered", "OrderFilled"]
    (fill,) = h.sink.fills(order.client_id)
    assert fill.liquidity is Liquidity.TAKER
    assert fill.price == (D("3100.00") if side is Side.BUY else D("3099.00"))


def test_a_triggered_stop_limit_takes_what_is_within_its_limit_and_rests() -> None:
    h = harness()
    order = h.submit(h.order(Side.BUY, OrderType.STOP_LIMIT, "2.0", "3100.00", "3100.00"))
    h.trade("3100.00", "0.5", Side.BUY)  # triggers; the print took 0.5 of the 1.5 shown
    assert h.sink.kinds(order.client_id) == [
        "OrderAccepted",
        "OrderTriggered",
        "OrderFilled",
        "QueueUpdated",
    ]
    (fill,) = h.sink.fills(order.client_id)
    assert (fill.price, fill.qty) == (D("3100.00"), D("1.0"))
    assert h.venue.resting("ETH/USDT") == [(order.client_id, Side.BUY, D("3100.00"), D("1.0"))]


def test_a_take_profit_limit_rests_at_its_price_after_triggering() -> None:
    h = harness()
    order = h.submit(h.order(Side.SELL, OrderType.TAKE_PROFIT_LIMIT, "1.0", "3102.00", "3100.50"))
    h.trade("3100.50", "0.1", Side.BUY)
    assert h.sink.kinds(order.client_id) == ["OrderAccepted", "OrderTriggered", "QueueUpdated"]
    assert h.venue.queue_ahead(order.client_id) == D("0")


def test_a_stop_already_through_at_arrival_triggers_at_once() -> None:
    h = harness()
    h.trade("3106.00", "0.1", Side.BUY)
    order = h.submit(h.order(Side.BUY, OrderType.STOP_MARKET, "0.5", stop="3105.00"))
    assert h.sink.kinds(order.client_id) == ["OrderAccepted", "OrderTriggered", "OrderFilled"]


def test_several_triggers_fire_in_submission_order() -> None:
    h = harness()
    first = h.submit(h.order(Side.BUY, OrderType.STOP_MARKET, "1.0", stop="3102.00"))
    second = h.submit(h.order(Side.BUY, OrderType.STOP_MARKET, "1.0", stop="3101.00"))
    h.trade("3103.00", "0.01", Side.BUY)
    assert [str(f.price) for f in h.sink.fills(first.client_id)] == ["3100.00"]
    assert [str(f.price) for f in h.sink.fills(second.client_id)] == ["3100.00", "3100.50"]


def test_trades_on_another_symbol_do_not_trigger() -> None:
    h = harness()
    order = h.submit(h.order(Side.BUY, OrderType.STOP_MARKET, "0.5", stop="100.00"))
    h.trade("200.00", "1", Side.BUY, symbol="SOL/USDT")
    assert h.sink.kinds(order.client_id) == ["OrderAccepted"]


def test_a_cancelled_stop_never_triggers() -> None:
    h = harness()
    order = h.submit(h.order(Side.SELL, OrderType.STOP_MARKET, "0.5", stop="3095.00"))
    h.cancel(order)
    h.trade("3090.00", "1", Side.SELL)
    assert h.sink.kinds(order.client_id) == ["OrderAccepted", "OrderCanceled"]


def test_a_stop_triggered_without_a_book_expires() -> None:
    h = harness()
    order = h.submit(
        h.order(Side.BUY, OrderType.STOP_MARKET, "1", stop="150.00", symbol="SOL/USDT")
    )
    h.trade("151.00", "1", Side.BUY, symbol="SOL/USDT")
    events = h.sink.of(order.client_id)
    assert [type(e).__name__ for e in events] == ["OrderAccepted", "OrderTriggered", "OrderExpired"]
    assert events[-1].reason == "no order book for SOL/USDT yet"  # type: ignore[union-attr]


def test_a_post_only_stop_limit_that_would_cross_when_triggered_expires() -> None:
    h = harness()
    order = h.submit(
        h.order(Side.BUY, OrderType.STOP_LIMIT, "1", "3100.50", "3099.00", post_only=True)
    )
    h.trade("3099.00", "0.1", Side.SELL)
    last = h.sink.of(order.client_id)[-1]
    assert isinstance(last, OrderExpired)
    assert last.reason == "post-only would cross: best ask 3100.00"


def test_amending_a_waiting_stop_limit_changes_its_limit_price() -> None:
    h = harness()
    order = h.submit(h.order(Side.BUY, OrderType.STOP_LIMIT, "1.0", "3099.50", "3100.00"))
    h.amend(order, "3099.60", "0.8")
    h.trade("3100.00", "0.1", Side.BUY)
    assert h.venue.resting("ETH/USDT") == [(order.client_id, Side.BUY, D("3099.60"), D("0.8"))]
