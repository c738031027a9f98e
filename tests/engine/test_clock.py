"""Clock timers: order, ties, cancelling, re-entrancy on the simulated clock; the live clock."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from tradeterm.domain.errors import TradetermError
from tradeterm.engine.clock import ManualClock, SystemClock

T0 = 1_000_000_000_000
MS = 1_000_000


def test_timers_fire_in_time_order_each_at_its_own_time() -> None:
    clock = ManualClock(T0)
    seen: list[tuple[str, int]] = []
    for name, at in (("c", 30), ("a", 10), ("b", 20)):
        clock.call_at(T0 + at * MS, lambda name=name: seen.append((name, clock.now_ns())))
    clock.advance(0.015)
    assert seen == [("a", T0 + 10 * MS)]
    assert clock.now_ns() == T0 + 15 * MS
    clock.set_ns(T0 + 100 * MS)  # past both: each fires with the clock at its due time
    assert seen == [("a", T0 + 10 * MS), ("b", T0 + 20 * MS), ("c", T0 + 30 * MS)]
    assert clock.now_ns() == T0 + 100 * MS


def test_ties_fire_in_scheduling_order() -> None:
    clock = ManualClock(T0)
    seen: list[int] = []
    for i in range(5):
        clock.call_at(T0 + MS, lambda i=i: seen.append(i))
    clock.advance(0.001)
    assert seen == [0, 1, 2, 3, 4]


def test_a_cancelled_timer_never_fires_and_others_still_do() -> None:
    clock = ManualClock(T0)
    seen: list[str] = []
    first = clock.call_at(T0 + MS, lambda: seen.append("first"))
    clock.call_at(T0 + 2 * MS, lambda: seen.append("second"))
    first.cancel()
    first.cancel()  # twice is harmless
    assert clock.pending == 1
    assert clock.next_due_ns() == T0 + 2 * MS
    clock.advance(1)
    assert seen == ["second"]
    assert clock.next_due_ns() is None


def test_a_timer_scheduled_by_a_timer_fires_in_the_same_move_when_due_within_it() -> None:
    clock = ManualClock(T0)
    seen: list[tuple[str, int]] = []

    def first() -> None:
        seen.append(("first", clock.now_ns()))
        clock.call_at(clock.now_ns() + 5 * MS, lambda: seen.append(("child", clock.now_ns())))
        clock.call_at(clock.now_ns() + 500 * MS, lambda: seen.append(("late", clock.now_ns())))

    clock.call_at(T0 + 10 * MS, first)
    clock.call_at(T0 + 12 * MS, lambda: seen.append(("other", clock.now_ns())))
    clock.advance(0.1)
    assert seen == [
        ("first", T0 + 10 * MS),
        ("other", T0 + 12 * MS),
        ("child", T0 + 15 * MS),
    ]
    clock.advance(0.5)
    assert seen[-1] == ("late", T0 + 510 * MS)


def test_a_repeating_timer_fires_every_interval_until_cancelled() -> None:
    clock = ManualClock(T0)
    beats: list[int] = []
    timer = clock.call_every(0.25, lambda: beats.append(clock.now_ns()))
    clock.advance(1.1)
    assert beats == [T0 + k * 250 * MS for k in (1, 2, 3, 4)]
    timer.cancel()
    clock.advance(5)
    assert len(beats) == 4


def test_a_repeating_timer_may_cancel_itself() -> None:
    clock = ManualClock(T0)
    beats: list[int] = []

    def beat() -> None:
        beats.append(clock.now_ns())
        if len(beats) == 2:
            timer.cancel()

    timer = clock.call_every(1, beat)
    clock.advance(10)
    assert beats == [T0 + 1_000 * MS, T0 + 2_000 * MS]


def test_a_failing_callback_is_logged_and_the_rest_still_fire(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(T0)
    seen: list[int] = []

    def boom() -> None:
        raise ValueError("boom")

    clock.call_at(T0 + MS, boom)
    clock.call_at(T0 + 2 * MS, lambda: seen.append(1))
    clock.advance(1)
    assert seen == [1]
    assert "boom" in caplog.text


def test_rewinding_fires_nothing_and_time_never_goes_back_on_set() -> None:
    clock = ManualClock(T0)
    seen: list[int] = []
    clock.call_at(T0 + 10 * MS, lambda: seen.append(clock.now_ns()))
    clock.rewind_ns(T0 + 20 * MS)
    assert seen == [] and clock.now_ns() == T0 + 20 * MS
    clock.set_ns(T0)  # earlier: the clock stays, the overdue timer fires at the current time
    assert clock.now_ns() == T0 + 20 * MS
    assert seen == [T0 + 20 * MS]


def test_move_if_quiet_moves_only_when_no_timer_would_fire() -> None:
    clock = ManualClock(T0)
    seen: list[int] = []
    cancelled = clock.call_at(T0 + 5 * MS, lambda: seen.append(-1))
    cancelled.cancel()
    clock.call_at(T0 + 10 * MS, lambda: seen.append(clock.now_ns()))
    assert clock.move_if_quiet(T0 + 9 * MS)  # (past a cancelled timer: nothing to fire)
    assert clock.now_ns() == T0 + 9 * MS
    assert not clock.move_if_quiet(T0 + 10 * MS)  # due by then: the caller fires it
    assert clock.now_ns() == T0 + 9 * MS and seen == []
    clock.set_ns(T0 + 10 * MS)
    assert seen == [T0 + 10 * MS]
    assert clock.move_if_quiet(T0 + 3 * MS)  # earlier: time never goes back
    assert clock.now_ns() == T0 + 10 * MS


def test_move_if_quiet_leaves_a_timer_overdue_on_a_rewound_clock_to_set_ns() -> None:
    clock = ManualClock(T0)
    seen: list[int] = []
    clock.call_at(T0 + 10 * MS, lambda: seen.append(clock.now_ns()))
    clock.rewind_ns(T0 + 20 * MS)
    assert not clock.move_if_quiet(T0)  # set_ns(T0) would fire it: so nothing moves
    assert seen == [] and clock.now_ns() == T0 + 20 * MS


def test_a_repeating_timer_jumped_over_fires_once_then_keeps_its_beat() -> None:
    """A replay starting in 2021 on a clock made at 0 jumps there: a one-second watch set at 0
    must not fire for every second since 1970."""
    clock = ManualClock(0)
    beats: list[int] = []
    clock.call_every(1, lambda: beats.append(clock.now_ns()))
    start = 1_634_000_000_123_000_000
    clock.rewind_ns(start)  # the jump
    clock.advance(2.5)
    assert beats == [start, start + 877 * MS, start + 1_877 * MS]


@pytest.mark.parametrize("interval", [0, -1, 1e-12])
def test_a_repeating_timer_needs_a_positive_interval(interval: float) -> None:
    with pytest.raises(TradetermError, match="above 0"):
        ManualClock().call_every(interval, lambda: None)


async def test_the_live_clock_fires_timers_on_the_loop_in_time_order() -> None:
    clock = SystemClock()
    seen: list[str] = []
    done = asyncio.Event()
    start = clock.now_ns()
    clock.call_at(start + 40 * MS, lambda: (seen.append("late"), done.set()))
    clock.call_at(start + 10 * MS, lambda: seen.append("early"))
    clock.call_at(start + 20 * MS, lambda: seen.append("cancelled")).cancel()
    clock.call_at(start - 1_000 * MS, lambda: seen.append("overdue"))  # already due: soon
    await asyncio.wait_for(done.wait(), 2)
    assert seen == ["overdue", "early", "late"]
    assert clock.now_ns() >= start + 40 * MS


async def test_the_live_clock_repeats_until_cancelled() -> None:
    clock = SystemClock()
    beats: list[float] = []
    timer = clock.call_every(0.01, lambda: beats.append(time.monotonic()))
    for _ in range(200):
        await asyncio.sleep(0.005)
        if len(beats) >= 3:
            break
    timer.cancel()
    count = len(beats)
    assert count >= 3
    await asyncio.sleep(0.05)
    assert len(beats) == count
    assert all(b - a > 0.005 for a, b in itertools.pairwise(beats))


def test_live_timers_need_a_running_loop() -> None:
    with pytest.raises(TradetermError, match="running asyncio event loop"):
        SystemClock().call_at(time.time_ns(), lambda: None)
