"""Wiring: binding, subscriptions, failure isolation in market-event handlers, the port shape."""

from __future__ import annotations

import logging

import pytest
from paperkit import D, Harness, Recorder, run_now

from tradeterm.domain.enums import AccountMode, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import ExecutionEvent, OrderFilled
from tradeterm.engine.ports import ExecutionVenue
from tradeterm.venues.paper import NATIVE_TYPES, PaperVenue

BIDS = [("3099.00", "1.0"), ("3098.50", "2.0")]
ASKS = [("3100.00", "1.5"), ("3100.50", "2.0")]


def test_the_venue_has_the_port_shape() -> None:
    h = Harness()
    venue: ExecutionVenue = h.venue
    assert venue.name == "paper" and venue.mode is AccountMode.PAPER
    assert PaperVenue.mode is AccountMode.PAPER
    assert venue.native_types == NATIVE_TYPES
    assert OrderType.TRAILING_STOP not in NATIVE_TYPES and len(NATIVE_TYPES) == 6


def test_bind_is_once_only_and_latency_cannot_be_negative() -> None:
    h = Harness()
    with pytest.raises(TradetermError, match="already bound"):
        h.venue.bind(Recorder())
    with pytest.raises(TradetermError, match="0 ms or more"):
        PaperVenue("p", h.engine.view(h.engine.feed.venue), h.clock, latency_ms=-1)


def test_close_stops_watching_the_market() -> None:
    h = Harness()
    h.snapshot(BIDS, ASKS)
    order = h.limit(Side.BUY, "1.0", "3098.50")
    h.venue.close()
    h.trade("3098.00", "1", Side.SELL)  # would be a trade-through
    assert h.sink.fills(order.client_id) == []


class Exploding(Recorder):
    def on_execution(self, event: ExecutionEvent) -> None:
        super().on_execution(event)
        if isinstance(event, OrderFilled):
            raise RuntimeError("the sink broke")


def test_a_failure_inside_a_market_event_is_logged_and_does_not_escape(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = Harness()
    sink = Exploding()
    venue = PaperVenue("paper2", h.engine.view(h.engine.feed.venue), h.clock, latency_ms=0)
    venue.bind(sink)
    h.snapshot(BIDS, ASKS)
    order = h.order(Side.BUY, OrderType.LIMIT, "1.0", "3098.50")
    run_now(venue.submit(order))
    with caplog.at_level(logging.ERROR, logger="tradeterm.venues.paper"):
        h.trade("3098.00", "1", Side.SELL)  # fills, and the sink raises
    assert any("paper venue paper2 failed on a trade" in r.message for r in caplog.records)
    h.trade("3097.00", "1", Side.SELL)  # the venue goes on working
    assert venue.resting("ETH/USDT") == []


def test_a_failure_in_a_delayed_action_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness()
    sink = Exploding()
    venue = PaperVenue("paper3", h.engine.view(h.engine.feed.venue), h.clock, latency_ms=10)
    venue.bind(sink)
    h.snapshot(BIDS, ASKS)
    run_now(venue.submit(h.order(Side.BUY, OrderType.MARKET, "0.5")))
    h.clock.advance(0.01)
    with caplog.at_level(logging.ERROR, logger="tradeterm.venues.paper"):
        venue.poll()
    assert any("a delayed action failed" in r.message for r in caplog.records)
    assert venue.in_flight == 0


def test_restoring_the_same_order_twice_keeps_one_copy() -> None:
    h = Harness()
    h.snapshot(BIDS, ASKS)
    order = h.order(Side.BUY, OrderType.LIMIT, "1.0", "3098.50")
    h.venue.restore(order, None)
    h.venue.restore(order, None)
    assert len(h.venue.resting("ETH/USDT")) == 1


def test_a_restored_order_with_an_unknown_queue_ignores_prints_until_the_book_comes() -> None:
    h = Harness()
    order = h.order(Side.BUY, OrderType.LIMIT, "1.0", "3098.50")
    h.venue.restore(order, None)
    h.trade("3098.50", "5", Side.SELL)  # the queue ahead is unknown: no fill from this
    assert h.sink.fills(order.client_id) == []
    h.snapshot(BIDS, ASKS)
    assert h.venue.queue_ahead(order.client_id) == D("2.0")
