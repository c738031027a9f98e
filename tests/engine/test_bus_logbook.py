"""The event bus (delivery by exact type, isolated failures), the LogBook and the clocks."""

from __future__ import annotations

import logging
from decimal import Decimal

from engine_rig import Rig

from tradeterm.domain.enums import FeedState
from tradeterm.domain.events import BookChanged, FeedStateChanged, SymbolSelected
from tradeterm.domain.instrument import Instrument
from tradeterm.engine.bus import EventBus
from tradeterm.engine.clock import ManualClock, SystemClock
from tradeterm.engine.logbook import LogBook


class Base:
    pass


class Child(Base):
    pass


def test_handlers_get_events_of_their_exact_type_in_subscription_order() -> None:
    bus = EventBus()
    seen: list[tuple[str, object]] = []
    bus.subscribe(Base, lambda e: seen.append(("base", e)))
    bus.subscribe(Child, lambda e: seen.append(("child-1", e)))
    bus.subscribe(Child, lambda e: seen.append(("child-2", e)))
    bus.subscribe_all(lambda e: seen.append(("all", e)))
    b, c = Base(), Child()
    bus.publish(b)
    bus.publish(c)
    bus.publish(3)
    assert seen == [
        ("base", b),
        ("all", b),
        ("child-1", c),
        ("child-2", c),
        ("all", c),
        ("all", 3),
    ]


def test_unsubscribe_stops_delivery_and_is_idempotent() -> None:
    bus = EventBus()
    seen: list[object] = []
    unsubscribe = bus.subscribe(int, seen.append)
    unsubscribe_all = bus.subscribe_all(seen.append)
    bus.publish(1)
    unsubscribe()
    unsubscribe()
    bus.publish(2)
    unsubscribe_all()
    unsubscribe_all()
    bus.publish(3)
    assert seen == [1, 1, 2]


def test_a_failing_handler_does_not_stop_the_others_and_is_logged(engine_log: LogBook) -> None:
    bus = EventBus()
    seen: list[str] = []

    def broken(event: object) -> None:
        raise RuntimeError("handler exploded")

    def broken_all(event: object) -> None:
        raise KeyError("catch-all exploded")

    bus.subscribe(int, broken)
    bus.subscribe(int, lambda e: seen.append("typed"))
    bus.subscribe_all(broken_all)
    bus.subscribe_all(lambda e: seen.append("all"))
    bus.publish(7)
    assert seen == ["typed", "all"]
    errors = [e for e in engine_log.entries if e.level == logging.ERROR]
    assert len(errors) == 2
    assert "handler exploded" in errors[0].message
    assert "int" in errors[0].message
    assert "catch-all exploded" in errors[1].message
    assert errors[0].source == "engine"


def test_a_failing_subscriber_does_not_undo_or_block_engine_state(
    rig: Rig, engine_log: LogBook
) -> None:
    engine = rig.engine
    seen: list[BookChanged] = []

    def broken(event: BookChanged) -> None:
        raise ValueError("bad widget")

    engine.subscribe(BookChanged, broken)
    engine.subscribe(BookChanged, seen.append)
    event = BookChanged("X/Y", [(Decimal("1"), Decimal("2"))], [], snapshot=True)
    engine.on_market(event)  # must not raise
    assert seen == [event]
    book = engine.view(engine.feed.venue).book("X/Y")
    assert book is not None
    assert book.best_bid() == Decimal("1")
    assert any("bad widget" in e.message for e in engine_log.entries)


def test_a_handler_that_unsubscribes_itself_does_not_hide_the_event_from_the_next() -> None:
    bus = EventBus()
    seen: list[str] = []

    def once(event: object) -> None:
        seen.append("once")
        unsubscribe_once()

    unsubscribe_once = bus.subscribe(SymbolSelected, once)
    bus.subscribe(SymbolSelected, lambda e: seen.append("next"))
    bus.publish(SymbolSelected(Instrument("sim", "BTC/USDT")))
    assert seen == ["once", "next"]


def logger_with(book: LogBook, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(book)
    return logger


def test_logbook_keeps_the_newest_records_with_increasing_seq() -> None:
    clock = ManualClock()
    book = LogBook(clock.now_ns, capacity=3)
    log = logger_with(book, "tradeterm.test.logbook_ring")
    try:
        for i in range(5):
            clock.advance(1)
            log.info("message %d", i)
    finally:
        log.removeHandler(book)
    assert [e.message for e in book.entries] == ["message 2", "message 3", "message 4"]
    assert [e.seq for e in book.entries] == [3, 4, 5]
    assert book.seq == 5
    assert book.entries[-1].ts_ns == clock.now_ns()
    assert book.entries[0].ts_ns == clock.now_ns() - 2_000_000_000
    assert book.entries[0].source == "test.logbook_ring"
    assert book.entries[0].level == logging.INFO


def test_logbook_survives_bad_format_strings_and_shows_exceptions() -> None:
    book = LogBook()
    log = logger_with(book, "tradeterm.test.logbook_bad")
    try:
        log.warning("%d items", "not-a-number")
        try:
            raise ConnectionError("socket closed")
        except ConnectionError:
            log.exception("feed failed")
    finally:
        log.removeHandler(book)
    assert book.entries[0].message == "%d items"
    assert book.entries[1].message.startswith("feed failed: ")
    assert "socket closed" in book.entries[1].message
    assert book.entries[1].level == logging.ERROR
    # without a clock the record's own creation time is used
    assert book.entries[0].ts_ns > 0


def test_manual_clock_moves_only_when_told_and_never_backwards() -> None:
    clock = ManualClock(start_ns=1_000)
    assert clock.now_ns() == clock.now_ns() == 1_000
    clock.advance(0.5)
    assert clock.now_ns() == 1_000 + 500_000_000
    clock.set_ns(10)
    assert clock.now_ns() == 1_000 + 500_000_000
    clock.set_ns(2_000_000_000)
    assert clock.now_ns() == 2_000_000_000


def test_system_clock_is_the_wall_clock() -> None:
    import time

    before = time.time_ns()
    now = SystemClock().now_ns()
    assert before <= now <= time.time_ns()


def test_feed_state_changes_are_logged_at_warning_when_not_calm(
    rig: Rig, engine_log: LogBook
) -> None:
    rig.engine.on_market(FeedStateChanged("sim", FeedState.RECONNECTING, "socket closed"))
    rig.engine.on_market(FeedStateChanged("sim", FeedState.CONNECTED))
    warning, info = engine_log.entries[-2], engine_log.entries[-1]
    assert warning.level == logging.WARNING
    assert "reconnecting" in warning.message
    assert "socket closed" in warning.message
    assert info.level == logging.INFO
    assert "connected" in info.message
