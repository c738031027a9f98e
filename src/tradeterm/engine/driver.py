"""The deterministic driver: an engine over recorded feeds on a simulated clock, at CPU speed.

Each market message is processed to completion before the next: the engine
applies it, the paper venue matches, the emulator and risk run, subscribers
run, and every task they start (an order placed in reaction, with its journal
records) runs until it is done or waits on the simulated clock. Before each
message the clock is set to its receive time; timers that fall due before it
(paper latency, emulated orders, strategies' timers) fire first, one due time
at a time, each followed by the tasks it started. The journal writer commits
synchronously meanwhile, so no thread finishing early or late can reorder
anything: the same input and seed give the same journal records, on any
machine, at any speed.

Rules for code that runs under the driver: wait on the engine (its commands,
its journal) and on the clock's timers (``call_at``, ``call_every``), never on
wall time (``asyncio.sleep``) or I/O; a task that does is left waiting, and is
cancelled and listed in the report at the end of the run.

A feed is driven through its ``timeline`` (see ``SteppedFeed``): the replay
feed has one; ``play`` runs bare timelines without an engine (``--verify``).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Coroutine, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from tradeterm.domain.errors import TradetermError
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.ports import MarketSink

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.driver")

IDLE_ROUNDS = 8
"""Loop rounds in which no started task finished and none was started before the tasks
still pending are taken to be waiting on the simulated clock (or an event)."""


class SteppedFeed(Protocol):
    """A feed the driver can play one message at a time (a replay)."""

    venue: str

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        """Yield the receive time (ns) of the next message before playing it; the message
        is played into ``sink`` when the iterator is advanced again. Ends after the last."""
        ...


@dataclass(slots=True)
class DriveReport:
    """What a run did. Times are ns on the simulated clock."""

    messages: int = 0
    timer_steps: int = 0
    tasks: int = 0
    failed: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    first_ns: int | None = None
    last_ns: int | None = None
    elapsed_s: float = 0.0

    @property
    def events_per_s(self) -> float:
        return self.messages / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _stream(timelines: Sequence[Iterator[int]]) -> Iterator[int]:
    """The timelines merged by receive time (ties: the earlier timeline first). Pulling the
    next time from the merge advances the timeline whose message was last yielded, which
    plays that message: the merge keeps the timelines' play-on-advance contract."""
    return iter(timelines[0]) if len(timelines) == 1 else heapq.merge(*timelines)


def play(
    timelines: Sequence[Iterator[int]],
    clock: ManualClock,
    *,
    until_ns: int | None = None,
    tail_s: float = 0.0,
) -> DriveReport:
    """Run bare timelines on ``clock`` with no engine and no event loop (``--verify``).

    The clock is set to each message's time before it plays, so timers due before
    it fire first; with no engine no task can start, so nothing needs settling.

    Args:
        timelines: iterators as ``SteppedFeed.timeline`` returns them.
        clock: the simulated clock.
        until_ns: stop before the first message after this time.
        tail_s: after the last message, move the clock on this long (timers fire).
    """
    started = time.perf_counter()
    report = DriveReport()
    set_ns = clock.set_ns
    played, first, last = 0, None, None
    end = until_ns
    for ts in _stream(timelines):  # (pulling the next time plays the message before it)
        if until_ns is not None and ts > until_ns:
            break
        set_ns(ts)
        if first is None:
            first = ts
        last = ts
        played += 1
    else:
        end = clock.now_ns() + int(tail_s * 1e9)
    if end is not None:
        set_ns(end)
    report.messages, report.first_ns, report.last_ns = played, first, last
    report.elapsed_s = time.perf_counter() - started
    return report


async def drive(
    engine: Engine,
    feeds: Sequence[SteppedFeed],
    *,
    until_ns: int | None = None,
    tail_s: float = 1.0,
    watch_feed_s: float | None = None,
) -> DriveReport:
    """Run ``engine`` over ``feeds`` deterministically (see the module docstring).

    The engine is started first if it was not. Run it on an asyncio loop that
    nothing else uses meanwhile (``run`` makes one).

    Args:
        engine: on a ``ManualClock``; each feed's events go to ``engine.sink(feed.venue)``.
        feeds: the feeds to play, merged by receive time (ties: the earlier feed first).
        until_ns: stop before the first message after this time.
        tail_s: after the last message, run this long more (orders still travelling land).
        watch_feed_s: check for a stale feed this often (simulated seconds); off by default.

    Raises:
        TradetermError: the engine is not on a simulated clock.
    """
    clock = engine.clock
    if not isinstance(clock, ManualClock):
        raise TradetermError(
            "the deterministic driver needs the engine on a simulated clock (ManualClock), "
            f"not {type(clock).__name__}"
        )
    started = time.perf_counter()
    if not engine.started:
        await engine.start()
    writer = engine.trading.writer
    await writer.drain()
    loop = asyncio.get_running_loop()
    spawned: list[asyncio.Task[Any]] = []
    previous = loop.get_task_factory()

    def factory(
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any] | Generator[Any, None, Any],
        **kwargs: Any,
    ) -> asyncio.Future[Any]:
        if previous is not None:
            task = previous(loop, coro, **kwargs)
        else:
            task = asyncio.Task(coro, loop=loop, **kwargs)
        if isinstance(task, asyncio.Task):
            spawned.append(task)
        return task

    report = DriveReport()
    stream = _stream([feed.timeline(engine.sink(feed.venue)) for feed in feeds])
    watch = clock.call_every(watch_feed_s, engine.check_stale) if watch_feed_s else None
    loop.set_task_factory(factory)
    writer.synchronous = True
    try:
        await _steps(stream, clock, spawned, report, until_ns, int(tail_s * 1e9))
    finally:
        loop.set_task_factory(previous)
        writer.synchronous = False
        if watch is not None:
            watch.cancel()
    for task in spawned:
        if not task.done():
            report.unfinished.append(_describe(task))
            task.cancel()
    if report.unfinished:
        log.warning("driver: tasks never finished: %s", ", ".join(report.unfinished))
    report.elapsed_s = time.perf_counter() - started
    return report


def run(
    engine: Engine,
    feeds: Sequence[SteppedFeed],
    *,
    until_ns: int | None = None,
    tail_s: float = 1.0,
    watch_feed_s: float | None = None,
) -> DriveReport:
    """``drive`` on a fresh event loop, for synchronous callers (the command line, backtests)."""
    return asyncio.run(
        drive(engine, feeds, until_ns=until_ns, tail_s=tail_s, watch_feed_s=watch_feed_s)
    )


async def _steps(
    stream: Iterator[int],
    clock: ManualClock,
    spawned: list[asyncio.Task[Any]],
    report: DriveReport,
    until_ns: int | None,
    tail_ns: int,
) -> None:
    """Every message, and every due time of the clock's timers, each followed by the tasks
    it started; then the timers of the tail."""
    end = until_ns
    quiet, set_ns = clock.move_if_quiet, clock.set_ns
    messages, last = 0, None
    try:
        for ts in stream:  # pulling the next time plays the message before it
            if spawned:
                await _settle(spawned, report)
            if until_ns is not None and ts > until_ns:
                break
            # (``clock.move_if_quiet(ts)`` inlined for its common case: no timer falls due
            # before the message, so the clock just moves; else the call decides)
            if clock._now <= ts < clock._head:
                clock._now = ts
            elif not quiet(ts):
                await _timers_until(ts, clock, spawned, report)
                set_ns(ts)
            if last is None:
                report.first_ns = ts
            last = ts
            messages += 1
        else:
            if spawned:
                await _settle(spawned, report)
            end = clock.now_ns() + tail_ns
    finally:
        report.messages += messages
        if last is not None:
            report.last_ns = last
    if end is not None:
        await _timers_until(end, clock, spawned, report)
        clock.set_ns(end)


async def _timers_until(
    ns: int, clock: ManualClock, spawned: list[asyncio.Task[Any]], report: DriveReport
) -> None:
    """Fire the timers due by ``ns``, one due time at a time, each followed by its tasks."""
    due = clock.next_due_ns()
    while due is not None and due <= ns:
        clock.set_ns(due)
        report.timer_steps += 1
        if spawned:
            await _settle(spawned, report)
        due = clock.next_due_ns()


async def _settle(spawned: list[asyncio.Task[Any]], report: DriveReport) -> None:
    """Let the started tasks run until each is done or all that are left wait."""
    idle = 0
    while True:
        known = len(spawned)
        pending = []
        for task in spawned:
            if not task.done():
                pending.append(task)
                continue
            report.tasks += 1
            if not task.cancelled() and (error := task.exception()) is not None:
                report.failed.append(f"{_describe(task)}: {error}")
                log.warning("driver: %s failed: %s", _describe(task), error)
        finished = known - len(pending)
        spawned[:] = pending
        if not pending:
            return
        idle = 0 if finished else idle + 1
        if idle > IDLE_ROUNDS:
            return  # they wait on the clock (or an event): looked at again after the next step
        await asyncio.sleep(0)
        if len(spawned) > known - finished:
            idle = 0  # new tasks were started


def _describe(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    name = getattr(coro, "__qualname__", None) or type(coro).__name__
    return f"{task.get_name()} ({name})"
