"""ReplayFeed: recorded sessions played through the MarketFeed port: pause, speed, step, seek.

Replay time drives the clock: before each message is applied the ManualClock is
set to its receive time, so every pane shows the session's time. Messages are
paced against the wall clock at ``speed`` (0.25x to 100x) or played as fast as
possible (``speed = None``), and the event loop is never held for more than
about 20 ms.

``ManualClock.set_ns`` only moves forward, and timers fire as it passes them.
The start of a session and a seek are jumps, not time passing: the clock is
moved with ``rewind_ns(ns)`` when it has one (no timer fires on the way; what
was due fires once where the jump lands). A clock without it only moves
forward; when the replay has to go back in time it keeps its time until the
replay catches up, and a warning says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from pathlib import Path

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import DataError, TradetermError
from tradeterm.domain.events import FeedStateChanged, MarketEvent
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.ports import MarketSink
from tradeterm.venues.replay.files import Item
from tradeterm.venues.replay.playback import (
    Progress,
    check_speed,
    empty_left_books,
    jump_clock,
    keeper,
    progress_at,
    publish_state,
    publish_tickers,
)
from tradeterm.venues.replay.scan import Span, scan_files
from tradeterm.venues.replay.session import Session

SLICE_S = 0.02
"""The longest the feed holds the event loop, and the longest it sleeps between checks."""


class ReplayFeed:
    """A MarketFeed that plays capture files or tradeterm recordings as one session.

    Args:
        paths: the files (see ``files.py`` for the formats); several files play as one
            session, ordered by receive time.
        clock: the engine's ManualClock; the replay sets it to each message's time.
            Create it as ``ManualClock(0)``: ``set_ns`` never moves a clock back, and
            the default start (2026) is later than most captures.
        speed: 0.25..100 (x real time), or None for as fast as possible.
        venue: the venue name on markets and feed-state events.
        paused: start paused (``step`` and ``resume`` then drive it).
        on_execution: receives order events found in a recording (OrderFilled...).

    Raises:
        DataError: a file is missing, unreadable or not a capture (at construction).
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        clock: ManualClock,
        *,
        speed: float | None = 1.0,
        venue: str = "replay",
        paused: bool = False,
        on_execution: Callable[[object], None] | None = None,
    ) -> None:
        self.paths = list(paths)
        self.clock = clock
        self.venue = venue
        self.on_execution = on_execution
        self.paused = paused
        self.finished = False
        self._speed = check_speed(speed)
        self._session = self._new_session()
        self._items = self._session.items()
        self._peeked: Item | None = None
        self._sink: MarketSink | None = None
        self._wake = asyncio.Event()
        self._seek_target: int | None = None
        self._now_ns: int | None = None
        self._next_ticker_ns = 0
        self._anchor_wall = 0.0
        self._anchor_ns: int | None = None
        self._scanned: Span | None = None
        self._markets: list[Market] = []
        self._cleared: set[str] = set()  # books shown before a seek back, not rebuilt yet
        self._left: dict[str, OrderBook] = {}  # the engine's books a restarted session left

    def _new_session(self) -> Session:
        session = Session(self.paths, venue=self.venue, market_data=True)
        session.on_execution = self.on_execution
        return session

    # --- the MarketFeed port -------------------------------------------------

    async def load_markets(self) -> Sequence[Market]:
        """Scan the files once (symbols, first snapshots, start and end) and return markets."""
        if self._scanned is None:
            await asyncio.to_thread(self._scan)
        return list(self._markets)

    def _scan(self) -> None:
        self._markets, self._scanned = scan_files(self.paths, self.venue)

    def focus(self, symbol: str) -> None:
        """Every replayed symbol streams in full; nothing to change."""

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> Sequence[Candle]:
        """The closed 1m candles built from the trades replayed so far."""
        if timeframe != "1m":
            raise DataError(f"a replay builds only 1m candles, not {timeframe!r}")
        state = self._session.states.get(symbol)
        if state is None or state.tape is None:
            if any(m.symbol == symbol for m in self._markets):
                return []  # listed, but nothing replayed for it yet
            known = ", ".join(sorted(m.symbol for m in self._markets)) or "none"
            raise DataError(f"the replay has no symbol {symbol!r} (symbols: {known})")
        candles = [c for c in state.tape.closed if since_ms is None or c.ts_ms >= since_ms]
        return candles[-limit:] if limit > 0 else candles

    async def run(self, sink: MarketSink) -> None:
        """Play the session into ``sink`` until cancelled (it waits at the end for a seek)."""
        self._open(sink)
        self._reanchor()
        held = time.monotonic()  # when the loop last had a chance to run other tasks
        while True:
            if self._seek_target is not None:
                await self._seek()
            elif self.paused or self.finished:
                self._wake.clear()
                await self._wake.wait()
                self._reanchor()
            elif self._speed is None:
                self._play_slice()
            else:
                item = self._peek()
                if item is None:
                    self._finish()
                elif await self._pace(item[0]) and self._peeked is item:
                    self._peeked = None  # (``step`` may have played it meanwhile)
                    self._play(item)
                if time.monotonic() - held < SLICE_S:
                    continue  # behind schedule: messages are due back to back
            await asyncio.sleep(0)
            held = time.monotonic()

    def timeline(self, sink: MarketSink) -> Iterator[int]:
        """The session for the deterministic driver (``tradeterm.engine.driver``): no pacing.

        Yields each message's time; the caller sets the clock to it, then advancing the
        iterator plays the message into ``sink``. Ends with the "replay finished" state.
        """
        self._open(sink)
        first, self._peeked = self._peek(), None
        items = chain(() if first is None else (first,), self._items)
        yield from self._session.steps(items, self._publish_tickers, self._next_ticker_ns)
        self._finish()

    def _open(self, sink: MarketSink) -> None:
        self._sink = sink
        self._session.ctx.emit = sink.on_market
        self._session.ctx.keep_book = keeper(sink)
        sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTED, self._describe()))
        first = self._peek()
        if first is not None and self.clock.now_ns() != first[0]:
            self._rewind(first[0])  # a jump to the session's start: no timer fires on the way

    def _play_slice(self) -> None:
        """As fast as possible (``_play`` inlined) for at most SLICE_S or until a control moves."""
        deadline = time.monotonic() + SLICE_S
        items, process, set_ns = self._items, self._session.process, self.clock.set_ns
        played = self.messages
        while self._speed is None and not self.paused and self._seek_target is None:
            item, self._peeked = self._peeked or next(items, None), None
            if item is None:
                self._finish()
                return
            set_ns(ts := item[0])
            process(item)
            self._now_ns = ts
            if ts >= self._next_ticker_ns:
                self._publish_tickers(ts)
            played += 1
            if not played & 15 and time.monotonic() > deadline:  # a slow subscriber
                return

    # --- controls --------------------------------------------------------------

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self._wake.set()

    @property
    def speed(self) -> float | None:
        """0.25..100 times real time, or None for as fast as possible."""
        return self._speed

    @speed.setter
    def speed(self, value: float | None) -> None:
        self._speed = check_speed(value)
        self._reanchor()
        self._wake.set()

    @property
    def seeking(self) -> bool:
        return self._seek_target is not None

    def seek(self, ts_ns: int) -> None:
        """Jump to ``ts_ns``: forward by fast-playing silently; backward by restarting.

        The books, recent trades, candles and tickers at the target are then
        published at once. The seek runs inside ``run`` in slices (``seeking``
        is true meanwhile); paused stays paused.
        """
        self._seek_target = int(ts_ns)
        self._wake.set()

    def step(self) -> int:
        """Pause and play exactly one message that changes something; returns its event count.

        Messages that change nothing visible (heartbeats, stale updates) are
        passed over. Returns 0 at the end of the session.

        Raises:
            TradetermError: the replay is not running yet (``run`` has not started).
        """
        if self._sink is None:
            raise TradetermError("the replay is not running yet; start it before stepping")
        self.paused = True
        ctx = self._session.ctx
        emitted = 0
        sink = self._sink

        def counting(event: MarketEvent) -> None:
            nonlocal emitted
            emitted += 1
            sink.on_market(event)

        ctx.emit = counting
        try:
            while not emitted:
                item = self._peek()
                if item is None:
                    self._finish()
                    return 0
                self._peeked = None
                self._play(item)
        finally:
            ctx.emit = sink.on_market
        return emitted

    @property
    def messages(self) -> int:
        """Messages played so far (since the start, or since a seek back restarted it)."""
        return self._session.messages

    @property
    def progress(self) -> Progress:
        span = self._scanned or (self._session.first_ts, None, None)
        now, played = self._now_ns, self._session.last_ts  # (``timeline`` sets only the latter)
        if now is None or (played is not None and played > now):
            now = played
        return progress_at(span, now, self.finished, self.messages)

    # --- playing -----------------------------------------------------------------

    def _describe(self) -> str:
        names = ", ".join(s.name for s in self._session.sources)
        return f"replaying {names}"

    def _peek(self) -> Item | None:
        if self._peeked is None:
            self._peeked = next(self._items, None)
        return self._peeked

    def _play(self, item: Item, jump: bool = False) -> None:
        ts = item[0]
        if jump:  # a seek fast-plays silently: time jumps, no timer fires until it lands
            self._rewind(ts)
        else:
            self.clock.set_ns(ts)
        self._session.process(item)
        self._now_ns = ts
        if ts >= self._next_ticker_ns:
            self._publish_tickers(ts)

    def _publish_tickers(self, ts: int) -> int:
        """The tickers at ``ts``; returns when the next are due (a second boundary)."""
        self._next_ticker_ns = (ts // 1_000_000_000 + 1) * 1_000_000_000
        emit = self._session.ctx.emit
        if emit is not None:
            publish_tickers(self._session.states.values(), emit, ts)
        return self._next_ticker_ns

    def _finish(self) -> None:
        if not self.finished:
            self.finished = True
            if self._sink is not None:
                detail = f"replay finished after {self.messages:,} messages"
                self._sink.on_market(FeedStateChanged(self.venue, FeedState.CONNECTED, detail))

    def _reanchor(self) -> None:
        self._anchor_wall = time.monotonic()
        self._anchor_ns = self._now_ns

    async def _pace(self, ts: int) -> bool:
        """Wait until ``ts`` is due at the current speed; False when the controls changed."""
        speed = self._speed
        while speed is not None and not self.paused and self._seek_target is None:
            if self._anchor_ns is None:
                self._anchor_ns = ts
            replay_now = self._anchor_ns + int((time.monotonic() - self._anchor_wall) * speed * 1e9)
            if ts <= replay_now:
                return True
            if self._now_ns is not None and replay_now > self._now_ns:
                self.clock.set_ns(replay_now)
                if replay_now >= self._next_ticker_ns:
                    self._publish_tickers(replay_now)
            self._wake.clear()
            wait = min((ts - replay_now) / 1e9 / speed, SLICE_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            if speed != self._speed:
                return False
        return self._speed is None and not self.paused and self._seek_target is None

    async def _seek(self) -> None:
        """Fast-play silently to the seek target, then publish the state there."""
        target = self._seek_target
        assert target is not None
        if self._now_ns is not None and target < self._now_ns:
            self._cleared |= {k for k, v in self._session.states.items() if v.has_book}
            self._restart()
        ctx = self._session.ctx
        ctx.emit = None
        held = time.monotonic()
        try:
            while self._seek_target == target:
                item = self._peek()
                if item is None or item[0] >= target:
                    break
                self._peeked = None
                self._play(item, jump=True)
                if time.monotonic() - held > SLICE_S:
                    await asyncio.sleep(0)
                    held = time.monotonic()
        finally:
            ctx.emit = None if self._sink is None else self._sink.on_market
        if self._seek_target != target:
            return  # a newer seek came in meanwhile
        self._seek_target = None
        self._rewind(max(target, self.clock.now_ns()))
        self._now_ns = max(self._now_ns or target, target)
        emit = self._session.ctx.emit
        if emit is not None:
            self._next_ticker_ns = (target // 1_000_000_000 + 1) * 1_000_000_000
            states, resyncing = self._session.states, self._session.ctx.resyncing
            cleared = empty_left_books(self._cleared, states, self._left)  # (before their events)
            detail = self._describe()
            publish_state(states.values(), cleared, emit, target, self.venue, resyncing, detail)
        self.clock.set_ns(target)  # landed, state shown: timers jumped over fire once now
        self._reanchor()

    def _restart(self) -> None:
        """Back to the beginning (a seek backwards); the clock is rewound when it can be."""
        self._left.update((k, v.book) for k, v in self._session.states.items() if v.shared)
        self._session = self._new_session()
        if self._sink is not None:
            self._session.ctx.keep_book = keeper(self._sink)
        self._items = self._session.items()
        self._peeked = None
        self.finished = False
        self._now_ns = None
        self._next_ticker_ns = 0
        if self._scanned is not None and self._scanned[0] is not None:
            self._rewind(self._scanned[0])

    def _rewind(self, ns: int) -> None:
        """Jump the clock to ``ns``, back when the clock can (see the module docstring)."""
        jump_clock(self.clock, ns)
