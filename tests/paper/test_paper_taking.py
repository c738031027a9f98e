"""Taking liquidity: walks, partial fills, IOC/FOK, post-only, consumed liquidity, fees."""

from __future__ import annotations

import pytest
from paperkit import ETH, D, Harness

from tradeterm.domain.enums import Liquidity, OrderType, Side, TimeInForce
from tradeterm.domain.errors import OrderRejected
from tradeterm.domain.events import (
    OrderAccepted,
    OrderExpired,
    OrderFilled,
    QueueUpdated,
)
from tradeterm.domain.events import OrderRejected as OrderRejectedEvent
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


def harness(**kw: object) -> Harness:
    h = Harness(markets=(ETH, SOL), **kw)  # type: ignore[arg-type]
    h.snapshot(BIDS, ASKS)
    return h


def taken(h: Harness, cid: str) -> list[tuple[str, str]]:
    return [(str(f.price), str(f.qty)) for f in h.sink.fills(cid)]


def test_market_buy_walks_levels_one_fill_per_level() -> None:
    h = harness()
    order = h.market(Side.BUY, "3.0")
    assert taken(h, order.client_id) == [("3100.00", "1.5"), ("3100.50", "1.5")]
    assert h.sink.kinds(order.client_id) == ["OrderFilled", "OrderFilled"]
    for fill in h.sink.fills(order.client_id):
        assert fill.liquidity is Liquidity.TAKER
        assert fill.fee == fill.qty * D("0.001") and fill.fee_asset == "ETH"
        assert fill.ts_ns == h.clock.now_ns()


def test_market_sell_walks_bids() -> None:
    h = harness()
    order = h.market(Side.SELL, "2.5")
    assert taken(h, order.client_id) == [("3099.00", "1.0"), ("3098.50", "1.5")]
    for fill in h.sink.fills(order.client_id):
        assert fill.fee == fill.price * fill.qty * D("0.001") and fill.fee_asset == "USDT"


def test_market_remainder_expires_when_the_book_runs_out() -> None:
    h = harness()
    order = h.market(Side.BUY, "10")
    assert taken(h, order.client_id) == [("3100.00", "1.5"), ("3100.50", "2.0"), ("3101.00", "4.0")]
    last = h.sink.of(order.client_id)[-1]
    assert isinstance(last, OrderExpired) and last.reason == "no more liquidity within the book"


def test_ioc_limit_takes_what_is_within_its_price_and_expires_the_rest() -> None:
    h = harness()
    order = h.submit(h.order(Side.BUY, OrderType.LIMIT, "3.0", "3100.00", tif=TimeInForce.IOC))
    assert taken(h, order.client_id) == [("3100.00", "1.5")]
    last = h.sink.of(order.client_id)[-1]
    assert isinstance(last, OrderExpired) and last.reason == "IOC remainder"
    assert h.venue.resting("ETH/USDT") == []


def test_ioc_that_cannot_take_anything_expires_without_fills() -> None:
    h = harness()
    order = h.submit(h.order(Side.SELL, OrderType.LIMIT, "1", "3100.00", tif=TimeInForce.IOC))
    assert h.sink.kinds(order.client_id) == ["OrderExpired"]


def test_fok_fills_completely_when_enough_is_there() -> None:
    h = harness()
    order = h.submit(h.order(Side.BUY, OrderType.LIMIT, "3.5", "3100.50", tif=TimeInForce.FOK))
    assert taken(h, order.client_id) == [("3100.00", "1.5"), ("3100.50", "2.0")]
    assert h.sink.kinds(order.client_id) == ["OrderFilled", "OrderFilled"]


def test_fok_takes_nothing_when_it_cannot_fill_completely() -> None:
    h = harness()
    order = h.submit(h.order(Side.BUY, OrderType.LIMIT, "3.6", "3100.50", tif=TimeInForce.FOK))
    events = h.sink.of(order.client_id)
    assert len(events) == 1 and isinstance(events[0], OrderExpired)
    assert events[0].reason == "FOK could not fill 3.6: only 3.5 available at 3100.50 or better"
    # nothing was consumed: the whole first level is still there for the next order
    again = h.market(Side.BUY, "1.5")
    assert taken(h, again.client_id) == [("3100.00", "1.5")]


def test_fok_market_order() -> None:
    h = harness()
    order = h.submit(h.order(Side.SELL, OrderType.MARKET, "8.5", tif=TimeInForce.FOK))
    assert h.sink.kinds(order.client_id) == ["OrderExpired"]
    order = h.submit(h.order(Side.SELL, OrderType.MARKET, "8.0", tif=TimeInForce.FOK))
    assert h.sink.filled(order.client_id) == D("8.0")


def test_marketable_limit_takes_then_rests_the_remainder() -> None:
    h = harness()
    order = h.limit(Side.BUY, "2.0", "3100.00")
    events = h.sink.of(order.client_id)
    assert [type(e) for e in events] == [OrderAccepted, OrderFilled, QueueUpdated]
    assert events[1].fill.liquidity is Liquidity.TAKER  # type: ignore[union-attr]
    assert h.venue.resting("ETH/USDT") == [(order.client_id, Side.BUY, D("3100.00"), D("0.5"))]
    assert h.venue.queue_ahead(order.client_id) == 0


def test_limit_that_fills_completely_on_arrival_is_never_accepted() -> None:
    h = harness()
    order = h.limit(Side.SELL, "1.0", "3099.00")
    assert h.sink.kinds(order.client_id) == ["OrderFilled"]


def test_passive_limit_rests_behind_the_size_at_its_price() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1", "3098.50")
    assert h.sink.kinds(order.client_id) == ["OrderAccepted", "QueueUpdated"]
    assert h.venue.queue_ahead(order.client_id) == D("2.0")


@pytest.mark.parametrize(
    ("side", "price", "reason"),
    [
        (Side.BUY, "3100.00", "post-only would cross: best ask 3100.00"),
        (Side.BUY, "3105.00", "post-only would cross: best ask 3100.00"),
        (Side.SELL, "3099.00", "post-only would cross: best bid 3099.00"),
    ],
)
def test_post_only_that_would_take_is_rejected(side: Side, price: str, reason: str) -> None:
    h = harness()
    order = h.limit(side, "1", price, post_only=True)
    events = h.sink.of(order.client_id)
    assert len(events) == 1 and isinstance(events[0], OrderRejectedEvent)
    assert events[0].reason == reason


def test_post_only_inside_the_spread_rests() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1", "3099.50", post_only=True)
    assert h.sink.kinds(order.client_id) == ["OrderAccepted", "QueueUpdated"]
    assert h.venue.queue_ahead(order.client_id) == 0


def test_consumed_liquidity_is_not_filled_again_until_the_feed_refreshes_the_level() -> None:
    h = harness()
    first = h.market(Side.BUY, "1.0")
    assert taken(h, first.client_id) == [("3100.00", "1.0")]
    second = h.market(Side.BUY, "1.0")
    assert taken(h, second.client_id) == [("3100.00", "0.5"), ("3100.50", "0.5")]
    # an update of another level refreshes only that level
    h.update(asks=[("3101.00", "4.5")])
    third = h.market(Side.BUY, "1.0")
    assert taken(h, third.client_id) == [("3100.50", "1.0")]
    # the feed sends 3100.00 again (same size): it is taken as fresh liquidity
    h.update(asks=[("3100.00", "1.5")])
    fourth = h.market(Side.BUY, "2.0")
    assert taken(h, fourth.client_id) == [("3100.00", "1.5"), ("3100.50", "0.5")]


def test_a_snapshot_refreshes_all_consumed_liquidity() -> None:
    h = harness()
    h.market(Side.SELL, "3.0")
    h.snapshot(BIDS, ASKS)
    again = h.market(Side.SELL, "1.0")
    assert taken(h, again.client_id) == [("3099.00", "1.0")]


def test_a_public_print_consumes_liquidity_until_the_depth_update_shows_it() -> None:
    h = harness()
    h.trade("3100.00", "1.0", Side.BUY)  # the book still shows 1.5 at 3100.00
    order = h.market(Side.BUY, "1.0")
    assert taken(h, order.client_id) == [("3100.00", "0.5"), ("3100.50", "0.5")]


def test_fees_are_exact_for_maker_and_taker_fills() -> None:
    h = harness()
    resting = h.limit(Side.SELL, "0.7", "3100.00")  # behind 1.5
    h.trade("3100.00", "2.0", Side.BUY)
    (fill,) = h.sink.fills(resting.client_id)
    assert fill.liquidity is Liquidity.MAKER and fill.qty == D("0.5")
    assert fill.fee == D("3100.00") * D("0.5") * D("0.0008") == D("1.24")
    assert fill.fee_asset == "USDT"
    buy = h.market(Side.BUY, "0.123")
    (fill,) = h.sink.fills(buy.client_id)
    assert fill.fee == D("0.123") * D("0.001") == D("0.000123") and fill.fee_asset == "ETH"


def test_fill_ids_are_unique() -> None:
    h = harness()
    for _ in range(5):
        h.market(Side.BUY, "0.5")
    ids = [f.fill_id for f in h.sink.fills()]
    assert len(ids) == len(set(ids)) == 5
    assert all(i.startswith("paper-") for i in ids)


def test_market_order_without_a_book_is_rejected_at_arrival() -> None:
    h = harness()
    order = h.market(Side.BUY, "1", symbol="SOL/USDT")
    events = h.sink.of(order.client_id)
    assert len(events) == 1 and isinstance(events[0], OrderRejectedEvent)
    assert events[0].reason == "no order book for SOL/USDT yet"


def test_limit_order_without_a_book_is_rejected_at_arrival() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1", "150.00", symbol="SOL/USDT")
    assert h.sink.kinds(order.client_id) == ["OrderRejected"]


def test_unknown_symbol_and_foreign_types_are_refused_outright() -> None:
    h = harness()
    with pytest.raises(OrderRejected, match="unknown symbol"):
        h.market(Side.BUY, "1", symbol="NOPE/USDT")
    with pytest.raises(OrderRejected, match="trailing_stop"):
        h.submit(h.order(Side.SELL, OrderType.TRAILING_STOP, "1", stop="3000"))
    with pytest.raises(OrderRejected, match="needs a limit price"):
        h.submit(h.order(Side.SELL, OrderType.LIMIT, "1"))
    with pytest.raises(OrderRejected, match="needs a trigger price"):
        h.submit(h.order(Side.SELL, OrderType.STOP_MARKET, "1"))
    assert h.sink.events == []


def test_duplicate_client_id_is_refused() -> None:
    h = harness()
    order = h.limit(Side.BUY, "1", "3098.00")
    with pytest.raises(OrderRejected, match="already open"):
        h.submit(order)


def test_the_engine_order_object_is_never_mutated() -> None:
    h = harness()
    order = h.limit(Side.BUY, "2.0", "3100.00")
    assert order.filled == 0 and order.status.value == "submitted" and order.qty == D("2.0")
