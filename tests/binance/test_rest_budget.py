"""The REST request budget's arithmetic (the sliding weight window), its waits on the engine's
clock, its pauses, and Binance's documented weights."""

from __future__ import annotations

import asyncio
import logging
from email.message import Message

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.engine.clock import ManualClock
from tradeterm.venues.binance import limits
from tradeterm.venues.rest_budget import Limit, RestBudget, WeightWindow

# times are whole seconds (exact as floats): "one second earlier" is exact too
requests = st.lists(st.tuples(st.integers(0, 90), st.integers(1, 400)), min_size=1, max_size=60)


def in_window(sent: list[tuple[float, int]], now: float, window_s: float) -> int:
    """What the exchange counts at ``now``: every weight sent in ``(now - window_s, now]``."""
    return sum(w for t, w in sent if now - window_s < t <= now)


@settings(max_examples=300, deadline=None)
@given(requests, st.integers(1, 1000), st.integers(1, 120))
def test_requests_sent_when_the_window_says_never_exceed_the_limit_and_wait_no_longer_than_needed(
    asks: list[tuple[int, int]], limit: int, window_s: int
) -> None:
    window = WeightWindow(Limit(limit, window_s))
    sent: list[tuple[float, int]] = []
    now = 0.0
    for gap, weight in asks:
        now += gap  # (a request asks after the one before it was sent: one at a time)
        wait = window.wait(weight, now)
        assert wait >= 0
        at = now + wait
        counted = min(weight, limit)  # (a request above the limit goes out alone)
        assert in_window(sent, at, window_s) + counted <= limit
        if wait > 0:  # a second earlier it would not have fitted
            assert in_window(sent, at - min(1.0, wait), window_s) + counted > limit
        assert window.wait(counted, at) == 0
        window.spend(counted, at)
        sent.append((at, counted))
        assert window.used(at) == in_window(sent, at, window_s)
        now = at
    for t, _ in sent:  # every window of the session holds at most the limit
        assert in_window(sent, t, window_s) <= limit


@settings(max_examples=200, deadline=None)
@given(requests, st.integers(0, 5000))
def test_the_exchanges_count_is_taken_when_it_is_more_than_the_window_holds(
    asks: list[tuple[int, int]], counted: int
) -> None:
    window = WeightWindow(Limit(6000, 60))
    now = 0.0
    for gap, weight in asks:
        now += gap
        window.spend(weight, now)
    before = window.used(now)
    extra = window.observe(counted, now)
    assert extra == max(0, counted - before)
    assert window.used(now) == max(before, counted)
    assert window.used(now + 60) == 0  # (what it took ages out like the rest)


def test_a_weight_over_the_limit_waits_for_an_empty_window() -> None:
    window = WeightWindow(Limit(100, 60))
    window.spend(10, 0.0)
    assert window.wait(250, 30.0) == 30.0
    assert window.wait(250, 60.0) == 0.0


def test_binance_weights_are_the_documented_ones() -> None:
    assert limits.weight("exchangeInfo") == 20
    assert limits.weight("klines?symbol=BTCUSDT&interval=1m&limit=1000") == 2
    depth = {5: 5, 100: 5, 101: 25, 500: 25, 501: 50, 1000: 50, 1001: 250, 5000: 250}
    for limit, weight in depth.items():
        assert limits.weight(f"depth?symbol=BTCUSDT&limit={limit}") == weight, limit
    assert limits.weight("depth?symbol=BTCUSDT") == 5  # (Binance's default limit is 100)
    assert limits.used_header(Limit(6000, 60)) == "X-MBX-USED-WEIGHT-1M"
    assert limits.used_header(Limit(50, 10)) == "X-MBX-USED-WEIGHT-10S"


def test_the_limit_exchange_info_states_is_read() -> None:
    body = b'{"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,'
    body += b'"limit":50},{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE",'
    body += b'"intervalNum":1,"limit":1200}],"symbols":[]}'
    assert limits.stated_limit(body) == Limit(1200, 60.0)
    assert limits.stated_limit(b'{"symbols":[]}') is None
    assert limits.stated_limit(b"not json") is None


# --- the budget on a clock ----------------------------------------------------------


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_request_past_the_limit_waits_on_the_clock_and_the_pacing_is_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(0)
    said: list[str] = []
    budget = RestBudget("x", Limit(100, 60), int, clock=clock)
    budget.on_paced = said.append
    with caplog.at_level(logging.INFO, "tradeterm.venues"):
        await budget.acquire("60")
        queue = [asyncio.create_task(budget.acquire(w)) for w in ("60", "30", "50")]
        await settle()
        assert [t.done() for t in queue] == [False, False, False]
        clock.advance(59)
        await settle()
        assert not queue[0].done()
        clock.advance(1)  # the first 60 ages out: 60 + 30 fit, 50 more does not
        await settle()
        assert [t.done() for t in queue] == [True, True, False]
        clock.advance(60)
        await settle()
        assert queue[2].done()
        await budget.acquire("1")  # at once, no one waiting: no longer paced
    paced = [r for r in caplog.records if "paced" in r.getMessage()]
    assert [r.levelno for r in paced] == [logging.WARNING, logging.INFO]
    assert "request weight 60 of 100 per 60s" in paced[0].getMessage()
    assert said == ["REST paced: next request in 60s", ""]
    assert budget.waits == 2  # (the 30 went straight after the first: it never slept)


async def test_a_pause_holds_every_request_for_its_length() -> None:
    clock = ManualClock(0)
    budget = RestBudget("x", None, clock=clock)
    budget.pause(30)
    waiting = [asyncio.create_task(budget.acquire("a")) for _ in range(3)]
    clock.advance(29.5)
    await settle()
    assert not any(t.done() for t in waiting)
    assert budget.paused_s() == 0.5
    clock.advance(0.5)
    await settle()
    assert all(t.done() for t in waiting)


def test_the_used_weight_header_is_read_by_its_name() -> None:
    clock = ManualClock(0)
    budget = RestBudget("x", Limit(1200, 60), used_header="X-MBX-USED-WEIGHT-1M", clock=clock)
    headers = Message()
    headers["x-mbx-used-weight-1m"] = "1100"
    budget.observe(headers)
    assert budget.window is not None and budget.window.used(0) == 1100
    headers.replace_header("x-mbx-used-weight-1m", "junk")
    budget.observe(headers)  # (unreadable: ignored)
    assert budget.window.used(0) == 1100
