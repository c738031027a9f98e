"""Playback helpers for ReplayFeed: speed limits, progress, publishing a session's state at once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import (
    BookChanged,
    CandlesLoaded,
    FeedStateChanged,
    MarketEvent,
    TickerUpdated,
    TradePrinted,
)
from tradeterm.engine.clock import ManualClock
from tradeterm.venues.replay.state import SymbolState

log = logging.getLogger("tradeterm.venues.replay")

MIN_SPEED, MAX_SPEED = 0.25, 100.0

Emit = Callable[[MarketEvent], None]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the replay is, for a progress bar. Times are ns since the epoch.

    ``end_ns`` and ``total_messages`` are None until ``load_markets`` has scanned
    the files; ``fraction`` then stays 0 until the replay finishes.
    """

    start_ns: int | None
    end_ns: int | None
    now_ns: int | None
    fraction: float
    messages: int
    total_messages: int | None


def progress_at(
    span: tuple[int | None, int | None, int | None], now: int | None, finished: bool, messages: int
) -> Progress:
    """Where a replay is: ``span`` is (start, end, total messages) as far as known."""
    start, end, total = span
    fraction = 0.0
    if finished:
        fraction = 1.0
    elif start is not None and end is not None and now is not None and end > start:
        fraction = min(1.0, max(0.0, (now - start) / (end - start)))
    return Progress(start, end, now, fraction, messages, total)


def check_speed(speed: float | None) -> float | None:
    """Raises TradetermError unless ``speed`` is None (as fast as possible) or 0.25..100."""
    if speed is None:
        return None
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise TradetermError(
            f"replay speed must be between {MIN_SPEED}x and {MAX_SPEED:g}x, or as fast as "
            f"possible; got {speed}"
        )
    return float(speed)


def jump_clock(clock: ManualClock, ns: int) -> None:
    """Move ``clock`` to ``ns`` as a jump (``rewind_ns``: no timer fires on the way) when it
    can; a clock without ``rewind_ns`` only moves forward, and a warning says when it cannot
    go back."""
    rewind = getattr(clock, "rewind_ns", None)
    if callable(rewind):
        rewind(ns)
    elif clock.now_ns() < ns:
        clock.set_ns(ns)
    elif clock.now_ns() > ns:
        log.warning(
            "the replay clock is ahead of the session (%d > %d ns) and cannot be moved "
            "back; panes show the clock's time until the replay catches up",
            clock.now_ns(),
            ns,
        )


def keeper(sink: object) -> Callable[[str], OrderBook] | None:
    """The sink's ``keep_book`` when it has one (an engine's ``FeedSink``), else None: a
    replay into an engine then writes the engine's books itself (``SymbolState.share``)."""
    keep = getattr(sink, "keep_book", None)
    return keep if callable(keep) else None


def empty_left_books(
    shown: set[str], states: Mapping[str, SymbolState], left: dict[str, OrderBook]
) -> list[str]:
    """After a seek back: the symbols whose books were ``shown`` before it and the new
    session has not rebuilt (sorted; ``shown`` is emptied). The engine's books that the
    old session kept (``left``) for them are emptied, as their cleared events say; the
    rest are the new session's again once it shares them."""
    cleared = [s for s in sorted(shown) if s not in states or not states[s].has_book]
    shown.clear()
    for symbol in cleared:
        book = left.get(symbol)
        if book is not None:
            book.load([], [])
    left.clear()
    return cleared


def publish_tickers(states: Iterable[SymbolState], emit: Emit, ts: int) -> None:
    """A ticker per symbol built from the replay (symbols with venue tickers are left out)."""
    for state in states:
        tape = state.tape
        if tape is not None and not tape.exchange_ticker:
            ticker = tape.ticker(state.book, ts)
            if ticker is not None:
                emit(TickerUpdated(ticker))


def publish_state(
    states: Iterable[SymbolState],
    cleared: Iterable[str],
    emit: Emit,
    ts: int,
    venue: str,
    resyncing: set[str],
    detail: str,
) -> None:
    """After a seek: every book as a snapshot, the candles, the recent trades, the tickers.

    ``cleared`` symbols (shown before a seek back, not yet rebuilt) get empty books.
    """
    states = list(states)
    for symbol in cleared:
        emit(BookChanged(symbol, [], [], True, 0, ts))
        emit(CandlesLoaded(symbol, []))
    for state in states:
        if state.has_book:
            state.share()  # (the engine's book takes the levels; the event below is news)
            book = state.book
            bids = list(book.bids.levels_best_first())
            asks = list(book.asks.levels_best_first())
            emit(BookChanged(state.symbol, bids, asks, True, book.seq, ts))
        tape = state.tape
        if tape is not None:
            emit(CandlesLoaded(state.symbol, tape.candles()))
            for trade in tape.recent:
                emit(TradePrinted(trade))
    publish_tickers(states, emit, ts)
    if resyncing:
        waiting = f"waiting for a snapshot: {', '.join(sorted(resyncing))}"
        emit(FeedStateChanged(venue, FeedState.RECONNECTING, waiting))
    else:
        emit(FeedStateChanged(venue, FeedState.CONNECTED, detail))
