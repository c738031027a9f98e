"""Resting orders: queue position, trade-throughs, crossings, fill models and amends."""

from __future__ import annotations

import pytest
from paperkit import ETH, D, Harness

from tradeterm.domain.enums import FillModel, Liquidity, OrderType, Side
from tradeterm.domain.errors import OrderRejected as OrderRejectedError
from tradeterm.domain.events import OrderAmended, OrderRejected, QueueUpdated
from tradeterm.domain.orders import Order
from tradeterm.venues.paper import PaperVenue, amend_keeps_queue

BIDS = [("3099.00", "1.0"), ("3098.50", "2.0"), ("3098.00", "5.0")]
ASKS = [("3100.00", "1.5"), ("3100.50", "2.0"), ("3101.00", "4.0")]


def harness(model: FillModel = FillModel.REALISTIC) -> Harness:
    h = Harness(fill_model=model)
    h.snapshot(BIDS, ASKS)
    return h


def test_prints_at_the_price_count_the_queue_down_then_fill() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1.0", "3098.50")
    cid = order.client_id
    assert h.venue.queue_ahead(cid) == D("2.0")
    h.trade("3098.50", "0.5", Side.SELL)
    assert h.venue.queue_ahead(cid) == D("1.5")
    h.trade("3098.50", "0.4", Side.BUY)  # a buyer lifting: not our queue
    assert h.venue.queue_ahead(cid) == D("1.5")
    h.trade("3098.50", "1.0", Side.SELL)
    assert h.venue.queue_ahead(cid) == D("0.5")
    assert h.sink.fills(cid) == []
    h.trade("3098.50", "0.8", Side.SELL)  # 0.5 ahead, then 0.3 for us
    (fill,) = h.sink.fills(cid)
    assert (fill.price, fill.qty, fill.liquidity) == (D("3098.50"), D("0.3"), Liquidity.MAKER)
    assert fill.fee == D("0.3") * ETH.maker_fee and fill.fee_asset == "ETH"
    h.trade("3098.50", "5", Side.SELL)
    assert h.sink.filled(cid) == D("1.0")
    assert h.venue.resting("ETH/USDT") == []
    assert h.sink.queues(cid) == [D("2.0"), D("1.5"), D("0.5"), D("0")]


def test_depth_decreases_explained_by_prints_do_not_move_the_queue() -> None:
    h = harness()
    cid = h.limit(Side.BUY, "1.0", "3098.50").client_id
    h.trade("3098.50", "0.5", Side.SELL)  # queue 1.5, credit 0.5
    h.update(bids=[("3098.50", "1.5")])  # the print, reflected: no cancel
    assert h.venue.queue_ahead(cid) == D("1.5")
    h.update(bids=[("3098.50", "1.0")])  # 0.5 gone, no credit left: a cancel ahead of us
    assert h.venue.queue_ahead(cid) == D("1.0")


def test_a_depth_update_with_prints_and_cancels_splits_them_by_the_credit() -> None:
    h = harness()
    cid = h.limit(Side.BUY, "1.0", "3098.50").client_id
    h.trade("3098.50", "0.5", Side.SELL)  # queue 2.0 -> 1.5, credit 0.5
    h.update(bids=[("3098.50", "0.9")])  # drop 1.1 = 0.5 traded + 0.6 cancelled
    # cancelled × queue / (size before the cancels) = 0.6 × 1.5 / 1.5
    assert h.venue.queue_ahead(cid) == D("1.5") - D("0.6") * D("1.5") / D("1.5")


def test_cancels_are_spread_over_the_queue_ahead_and_behind() -> None:
    h = harness()
    cid = h.limit(Side.BUY, "1.0", "3098.50").client_id  # 2.0 ahead
    h.update(bids=[("3098.50", "4.0")])  # 2.0 joins behind us
    assert h.venue.queue_ahead(cid) == D("2.0")
    h.update(bids=[("3098.50", "3.0")])  # 1.0 cancelled, half of it ahead of us
    assert h.venue.queue_ahead(cid) == D("2.0") - D("1.0") * D("2.0") / D("4.0")
    h.update(bids=[("3098.50", "2.0")])  # 1.0 of 3.0 cancelled: cut 1.0 × 1.5 / 3.0 = 0.5
    assert h.venue.queue_ahead(cid) == D("1.0")
    h.update(bids=[("3098.50", "1.7")])  # 0.3 × 1.0 / 2.0 = 0.15 -> rounded down to lot 0.001
    assert h.venue.queue_ahead(cid) == D("0.85")
    h.update(bids=[("3098.50", "0.2")])  # 1.5 × 0.85 / 1.7 = 0.75 cut
    assert h.venue.queue_ahead(cid) == D("0.10")
    h.update(bids=[("3098.50", "0")])
    assert h.venue.queue_ahead(cid) == D("0")


def test_a_snapshot_clamps_the_queue_to_the_level_size_and_drops_credit() -> None:
    h = harness()
    cid = h.limit(Side.BUY, "1.0", "3098.50").client_id
    h.trade("3098.50", "0.5", Side.SELL)  # queue 1.5, credit 0.5
    h.snapshot([("3098.50", "0.3")], ASKS)
    assert h.venue.queue_ahead(cid) == D("0.3")
    h.update(bids=[("3098.50", "0.2")])  # no credit survives the snapshot: a cancel
    assert h.venue.queue_ahead(cid) == D("0.2")


def test_cancel_cut_rounds_down_to_the_lot() -> None:
    h = harness()
    cid = h.limit(Side.BUY, "1.0", "3098.50").client_id
    h.update(bids=[("3098.50", "3.0")])
    h.update(bids=[("3098.50", "2.0")])  # 1.0 × 2.0 / 3.0 = 0.666.. -> 0.666
    assert h.venue.queue_ahead(cid) == D("2.0") - D("0.666")


def test_queue_updates_are_coalesced_to_one_per_event() -> None:
    h = harness()
    cid = h.limit(Side.BUY, "1.0", "3098.50").client_id
    h.sink.clear()
    h.trade("3098.50", "2.4", Side.SELL)  # queue to 0 and a partial fill in one print
    assert [type(e).__name__ for e in h.sink.of(cid)] == ["OrderFilled", "QueueUpdated"]
    h.sink.clear()
    h.update(bids=[("3098.50", "2.0")])  # no change to the queue (it is 0): nothing sent
    assert h.sink.of(cid) == []


def test_our_orders_at_one_price_fill_in_time_priority() -> None:
    h = harness()
    first = h.limit(Side.BUY, "1.0", "3098.50").client_id
    second = h.limit(Side.BUY, "1.0", "3098.50").client_id
    h.trade("3098.50", "3.5", Side.SELL)  # 2.0 public, 1.0 first, 0.5 second
    assert h.sink.filled(first) == D("1.0")
    assert h.sink.filled(second) == D("0.5")
    assert h.venue.queue_ahead(second) == D("0")


@pytest.mark.parametrize("model", list(FillModel))
def test_a_trade_through_fills_the_whole_remainder_at_the_limit(model: FillModel) -> None:
    h = harness(model)
    buy = h.limit(Side.BUY, "1.0", "3098.50").client_id
    sell = h.limit(Side.SELL, "2.0", "3101.00").client_id
    h.trade("3098.49", "0.001", Side.SELL)
    (fill,) = h.sink.fills(buy)
    assert (fill.price, fill.qty, fill.liquidity) == (D("3098.50"), D("1.0"), Liquidity.MAKER)
    h.trade("3101.01", "0.001", Side.BUY)
    (fill,) = h.sink.fills(sell)
    assert (fill.price, fill.qty) == (D("3101.00"), D("2.0"))
    assert fill.fee == D("3101.00") * D("2.0") * ETH.maker_fee and fill.fee_asset == "USDT"


def test_an_ask_posted_at_our_bid_fills_us_as_maker() -> None:
    h = harness()
    cid = h.limit(Side.BUY, "1.0", "3099.50").client_id  # inside the spread, nothing ahead
    h.update(asks=[("3099.50", "0.4")])  # would have traded with us on a real exchange
    (fill,) = h.sink.fills(cid)
    assert (fill.price, fill.qty, fill.liquidity) == (D("3099.50"), D("0.4"), Liquidity.MAKER)
    h.update(bids=[("3098.00", "6.0")])  # no new liquidity at our price: nothing more
    assert h.sink.filled(cid) == D("0.4")
    h.update(asks=[("3099.40", "2.0")])  # an ask through our price
    assert h.sink.filled(cid) == D("1.0")
    assert [str(f.price) for f in h.sink.fills(cid)] == ["3099.50", "3099.50"]


def test_a_bid_posted_at_our_ask_fills_us_as_maker_and_updates_away_from_it_do_not() -> None:
    h = harness()
    cid = h.limit(Side.SELL, "1.0", "3099.50").client_id  # inside the spread, nothing ahead
    h.update(bids=[("3099.20", "3.0")], asks=[("3099.80", "2.0")])  # near, not through
    assert h.sink.fills(cid) == []
    h.update(bids=[("3099.50", "0.3")])  # a buyer at our price
    (fill,) = h.sink.fills(cid)
    assert (fill.price, fill.qty, fill.liquidity) == (D("3099.50"), D("0.3"), Liquidity.MAKER)
    h.update(asks=[("3101.00", "9.0")])  # nothing new on the bid side: nothing more
    assert h.sink.filled(cid) == D("0.3")
    h.update(bids=[("3099.60", "5.0")])  # a bid through our price takes the rest
    assert h.sink.filled(cid) == D("1.0")


def test_pessimistic_ignores_touches_and_prints_at_the_price() -> None:
    h = harness(FillModel.PESSIMISTIC)
    cid = h.limit(Side.BUY, "1.0", "3099.50").client_id
    h.update(asks=[("3099.50", "3.0")])
    h.trade("3099.50", "3.0", Side.SELL)
    assert h.sink.fills(cid) == []
    assert h.venue.queue_ahead(cid) is None
    h.trade("3099.49", "0.1", Side.SELL)
    assert h.sink.filled(cid) == D("1.0")


def test_optimistic_fills_on_touch() -> None:
    h = harness(FillModel.OPTIMISTIC)
    cid = h.limit(Side.SELL, "1.0", "3100.50").client_id  # 2.0 ahead of it
    h.update(bids=[("3100.50", "0.1")])  # the bid touches our ask
    assert h.sink.filled(cid) == D("1.0")
    cid = h.limit(Side.BUY, "1.0", "3098.00").client_id
    h.trade("3098.00", "0.001", Side.SELL)
    assert h.sink.filled(cid) == D("1.0")


def run_models_on_one_sequence(model: FillModel) -> list[tuple[D, D]]:
    """Cumulative fills of a bid at 3098.50 and an ask at 3100.50 after each market event."""
    h = harness(model)
    buy = h.limit(Side.BUY, "1.0", "3098.50").client_id
    sell = h.limit(Side.SELL, "1.0", "3100.50").client_id
    steps = [
        lambda: h.trade("3098.50", "0.6", Side.SELL),
        lambda: h.update(bids=[("3098.50", "1.4")]),
        lambda: h.trade("3100.50", "1.0", Side.BUY),
        lambda: h.update(bids=[("3098.50", "0.5")]),  # 0.9 cancelled
        lambda: h.trade("3098.50", "0.9", Side.SELL),
        lambda: h.update(asks=[("3100.50", "3.0")]),
        lambda: h.trade("3100.50", "2.6", Side.BUY),
        lambda: h.trade("3098.00", "0.1", Side.SELL),
        lambda: h.trade("3100.60", "0.1", Side.BUY),
    ]
    out = []
    for step in steps:
        step()
        out.append((h.sink.filled(buy), h.sink.filled(sell)))
    return out


def test_fill_models_are_ordered_optimistic_realistic_pessimistic() -> None:
    opt = run_models_on_one_sequence(FillModel.OPTIMISTIC)
    real = run_models_on_one_sequence(FillModel.REALISTIC)
    pess = run_models_on_one_sequence(FillModel.PESSIMISTIC)
    for o, r, p in zip(opt, real, pess, strict=True):
        assert o[0] >= r[0] >= p[0]
        assert o[1] >= r[1] >= p[1]
    one, zero = D("1.0"), D(0)
    assert opt[0] == (one, zero) and opt[2] == (one, one)
    # realistic: the bid has 2.0 ahead: 0.6 printed, 0.9 of the remaining 1.4 cancelled
    # (0.5 left ahead), then a 0.9 print fills 0.4; the ask fills after its 2.0 + the
    # 1.0 print leave 1.0 ahead, so 2.6 fills the whole 1.0.
    assert real == [
        (zero, zero),
        (zero, zero),
        (zero, zero),
        (zero, zero),
        (D("0.4"), zero),
        (D("0.4"), zero),
        (D("0.4"), one),
        (one, one),
        (one, one),
    ]
    assert pess[-2] == (one, zero) and pess[-1] == (one, one)
    assert all(p == (zero, zero) for p in pess[:-2])


def test_amend_lower_quantity_keeps_the_queue() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1.0", "3098.50")
    h.trade("3098.50", "0.5", Side.SELL)
    h.sink.clear()
    h.amend(order, None, "0.6")
    (event,) = h.sink.of(order.client_id)
    assert isinstance(event, OrderAmended)
    assert (event.price, event.qty, event.kept_queue) == (D("3098.50"), D("0.6"), True)
    assert h.venue.queue_ahead(order.client_id) == D("1.5")
    assert h.venue.resting("ETH/USDT") == [(order.client_id, Side.BUY, D("3098.50"), D("0.6"))]


def test_amend_raising_quantity_goes_to_the_back() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1.0", "3098.50")
    h.trade("3098.50", "0.5", Side.SELL)
    h.update(bids=[("3098.50", "2.5")])  # 0.5 printed, 1.0 joined behind us
    h.sink.clear()
    h.amend(order, "3098.50", "1.2")
    amended, queue = h.sink.of(order.client_id)
    assert isinstance(amended, OrderAmended) and amended.kept_queue is False
    assert isinstance(queue, QueueUpdated) and queue.queue_ahead == D("2.5")


def test_amend_to_a_new_price_goes_to_the_back_there() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1.0", "3098.50")
    h.amend(order, "3098.00", "1.0")
    assert h.venue.queue_ahead(order.client_id) == D("5.0")
    assert h.venue.resting("ETH/USDT") == [(order.client_id, Side.BUY, D("3098.00"), D("1.0"))]


def test_amend_across_the_spread_takes_then_rests() -> None:
    h = harness()
    order = h.limit(Side.BUY, "2.0", "3098.50")
    h.sink.clear()
    h.amend(order, "3100.00", "2.0")
    kinds = h.sink.kinds(order.client_id)
    assert kinds == ["OrderAmended", "OrderFilled", "QueueUpdated"]
    (fill,) = h.sink.fills(order.client_id)
    assert (fill.price, fill.qty, fill.liquidity) == (D("3100.00"), D("1.5"), Liquidity.TAKER)
    assert h.venue.resting("ETH/USDT") == [(order.client_id, Side.BUY, D("3100.00"), D("0.5"))]


def test_post_only_amend_across_the_spread_is_rejected_and_the_order_stays() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1.0", "3098.50", post_only=True)
    h.trade("3098.50", "0.5", Side.SELL)
    h.sink.clear()
    h.amend(order, "3100.00", "1.0")
    (event,) = h.sink.of(order.client_id)
    assert isinstance(event, OrderRejected)
    assert event.reason == "amend rejected: post-only would cross: best ask 3100.00"
    assert h.venue.queue_ahead(order.client_id) == D("1.5")
    assert h.venue.resting("ETH/USDT") == [(order.client_id, Side.BUY, D("3098.50"), D("1.0"))]


def test_amend_to_no_more_than_filled_is_refused_at_once() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1.0", "3098.50")
    h.trade("3098.50", "2.4", Side.SELL)  # 0.4 filled
    h.sink.clear()
    with pytest.raises(OrderRejectedError, match=r"0\.4 must be above the filled 0\.4"):
        h.amend(order, None, "0.4")
    assert h.sink.events == []
    assert h.venue.resting("ETH/USDT")[0][3] == D("0.6")


def test_an_amend_overtaken_by_fills_on_its_way_is_rejected_on_arrival() -> None:
    h = harness()
    h.venue.latency_ns = 50_000_000
    order = h.limit(Side.BUY, "1.0", "3098.50")
    h.advance_ms(50)
    h.amend(order, None, "0.5")
    h.trade("3098.50", "2.7", Side.SELL)  # 0.7 fills while the amend travels
    h.sink.clear()
    h.advance_ms(50)
    (event,) = h.sink.of(order.client_id)
    assert isinstance(event, OrderRejected)
    assert event.reason == "amend rejected: new quantity 0.5 must be above the filled 0.7"
    assert h.venue.resting("ETH/USDT") == [(order.client_id, Side.BUY, D("3098.50"), D("0.3"))]


def test_amend_keeps_queue_helper() -> None:
    order = Order("c1", "paper", "ETH/USDT", Side.BUY, OrderType.LIMIT, D("1.0"), D("3098.50"))
    assert amend_keeps_queue(order, None, D("0.5"))
    assert amend_keeps_queue(order, D("3098.50"), D("1.0"))
    assert not amend_keeps_queue(order, D("3098.50"), D("1.1"))
    assert not amend_keeps_queue(order, D("3098.49"), D("0.5"))
    assert PaperVenue.amend_keeps_queue(order, None, D("0.9"))


def test_the_queue_is_only_reported_by_the_realistic_model() -> None:
    for model in (FillModel.OPTIMISTIC, FillModel.PESSIMISTIC):
        h = harness(model)
        cid = h.limit(Side.BUY, "1.0", "3098.50").client_id
        assert h.venue.queue_ahead(cid) is None
        assert h.sink.queues(cid) == []


def test_a_price_sent_twice_in_one_update_counts_each_size_in_order() -> None:
    once, twice = harness(), harness()
    cids = [h.limit(Side.BUY, "1.0", "3098.50").client_id for h in (once, twice)]  # 2.0 ahead
    # up to 4.0 (2.0 joins behind us), then 1.0 cancelled: half of it ahead of us
    once.update(bids=[("3098.50", "4.0"), ("3098.50", "3.0")])
    twice.update(bids=[("3098.50", "4.0")])
    twice.update(bids=[("3098.50", "3.0")])
    assert once.venue.queue_ahead(cids[0]) == twice.venue.queue_ahead(cids[1]) == D("1.5")
    assert once.sink.queues(cids[0]) == twice.sink.queues(cids[1]) == [D("2.0"), D("1.5")]


def test_an_update_of_many_levels_moves_only_our_queues_and_the_prints_it_carries() -> None:
    h = harness()
    bid = h.limit(Side.BUY, "1.0", "3098.50").client_id  # 2.0 ahead
    ask = h.limit(Side.SELL, "1.0", "3101.00").client_id  # 4.0 ahead
    h.trade("3100.00", "1.0", Side.BUY)  # the book still shows 1.5 at 3100.00
    h.trade("3100.50", "0.5", Side.BUY)  # and 2.0 at 3100.50
    h.update(
        bids=[("3099.00", "1.2"), ("3098.50", "1.0"), ("3097.00", "3.0")],
        asks=[("3101.00", "3.0"), ("3100.00", "0.5"), ("3102.00", "1.0")],
    )
    assert h.venue.queue_ahead(bid) == D("1.0")  # 1.0 cancelled, all of it ahead of us
    assert h.venue.queue_ahead(ask) == D("3.0")
    # 3100.00 was sent again: fresh; 3100.50 was not: still 0.5 of its 2.0 consumed
    order = h.market(Side.BUY, "2.0")
    assert [(f.price, f.qty) for f in h.sink.fills(order.client_id)] == [
        (D("3100.00"), D("0.5")),
        (D("3100.50"), D("1.5")),
    ]
