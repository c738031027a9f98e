"""Restart: open orders come back from the engine's ledger onto the paper book."""

from __future__ import annotations

from paperkit import D, Harness

from tradeterm.domain.enums import OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.events import OrderExpired
from tradeterm.domain.orders import Order

BIDS = [("3099.00", "1.0"), ("3098.50", "2.0"), ("3098.00", "5.0")]
ASKS = [("3100.00", "1.5"), ("3100.50", "2.0"), ("3101.00", "4.0")]


def open_order(
    type_: OrderType = OrderType.LIMIT,
    side: Side = Side.BUY,
    qty: str = "1.0",
    price: str | None = "3098.50",
    stop: str | None = None,
    filled: str = "0",
    tif: TimeInForce = TimeInForce.GTC,
) -> Order:
    return Order(
        client_id="r1",
        account="paper",
        symbol="ETH/USDT",
        side=side,
        type=type_,
        qty=D(qty),
        price=None if price is None else D(price),
        stop_price=None if stop is None else D(stop),
        tif=tif,
        status=OrderStatus.PARTIALLY_FILLED if D(filled) else OrderStatus.OPEN,
        filled=D(filled),
        venue_order_id="paper-7",
    )


def booked() -> Harness:
    h = Harness()
    h.snapshot(BIDS, ASKS)
    return h


def test_a_resting_order_comes_back_with_its_saved_queue() -> None:
    h = booked()
    h.venue.restore(open_order(filled="0.2"), D("1.2"))
    assert h.venue.resting("ETH/USDT") == [("r1", Side.BUY, D("3098.50"), D("0.8"))]
    assert h.venue.queue_ahead("r1") == D("1.2")
    h.trade("3098.50", "1.5", Side.SELL)
    assert h.sink.filled("r1") == D("0.3")


def test_without_a_saved_queue_it_goes_to_the_back() -> None:
    h = booked()
    h.venue.restore(open_order(), None)
    assert h.venue.queue_ahead("r1") == D("2.0")


def test_a_saved_queue_is_clamped_to_the_level() -> None:
    h = booked()
    h.venue.restore(open_order(), D("9"))
    assert h.venue.queue_ahead("r1") == D("2.0")


def test_restored_before_the_book_the_queue_is_settled_by_the_first_snapshot() -> None:
    h = Harness()
    h.venue.restore(open_order(), None)
    assert h.venue.queue_ahead("r1") is None
    assert h.venue.resting("ETH/USDT") == [("r1", Side.BUY, D("3098.50"), D("1.0"))]
    h.snapshot(BIDS, ASKS)
    assert h.venue.queue_ahead("r1") == D("2.0")
    assert h.sink.queues("r1") == [D("2.0")]


def test_a_saved_queue_restored_before_the_book_is_kept_within_the_level() -> None:
    h = Harness()
    h.venue.restore(open_order(), D("1.5"))
    h.snapshot(BIDS, ASKS)
    assert h.venue.queue_ahead("r1") == D("1.5")
    h2 = Harness()
    h2.venue.restore(open_order(), D("3"))
    h2.snapshot(BIDS, ASKS)
    assert h2.venue.queue_ahead("r1") == D("2.0")


def test_a_waiting_stop_goes_back_to_waiting() -> None:
    h = booked()
    h.venue.restore(open_order(OrderType.STOP_MARKET, price=None, stop="3105.00"), None)
    assert h.sink.events == [] and h.venue.resting("ETH/USDT") == []
    h.trade("3105.00", "0.1", Side.BUY)
    assert h.sink.kinds("r1") == ["OrderTriggered", "OrderFilled"]


def test_a_triggered_stop_limit_rests_at_its_limit() -> None:
    h = booked()
    order = open_order(OrderType.STOP_LIMIT, price="3098.50", stop="3097.00")
    h.venue.restore(order, D("0.5"), triggered=True)
    assert h.venue.resting("ETH/USDT") == [("r1", Side.BUY, D("3098.50"), D("1.0"))]
    assert h.venue.queue_ahead("r1") == D("0.5")
    h.trade("3096.00", "0.1", Side.SELL)  # a trade-through, not a new trigger
    assert h.sink.kinds("r1") == ["QueueUpdated", "OrderFilled"]


def test_the_engine_record_of_a_trigger_is_enough_to_restore_it_as_triggered() -> None:
    h = booked()
    order = open_order(OrderType.TAKE_PROFIT_LIMIT, side=Side.SELL, price="3101.00", stop="3100.00")
    order.triggered_ns = 1_767_225_600_000_000_000  # what the engine keeps on OrderTriggered
    h.venue.restore(order, None)
    assert h.venue.resting("ETH/USDT") == [("r1", Side.SELL, D("3101.00"), D("1.0"))]


def test_a_market_order_in_flight_at_the_crash_expires() -> None:
    h = booked()
    h.venue.restore(open_order(OrderType.MARKET, price=None), None)
    (event,) = h.sink.events
    assert isinstance(event, OrderExpired)
    assert (
        event.reason == "the order was in flight when the paper venue stopped; it was not executed"
    )


def test_a_restored_order_can_be_cancelled_and_amended() -> None:
    h = booked()
    order = open_order()
    h.venue.restore(order, None)
    h.amend(order, None, "0.5")
    assert h.venue.queue_ahead("r1") == D("2.0")
    h.cancel(order)
    assert h.sink.kinds("r1")[-1] == "OrderCanceled"
    assert h.venue.resting("ETH/USDT") == []
