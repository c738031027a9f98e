"""The native Kraken feed writes each book update to one book: the engine's, lent by its sink;
a book that fails its checksum (or crosses) is taken back out of it before anyone reads it."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import pytest
from kraken_data import ASSET_PAIRS, DEPTH, PAIRS, expected, need, precisions, timeline
from kraken_standin import KrakenStandIn
from test_kraken_feed import assert_known_books

from tradeterm.domain.book import BookSide, Level, OrderBook
from tradeterm.domain.events import BookChanged, MarketEvent
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.kraken import KrakenFeed
from tradeterm.venues.kraken.book import KrakenBook, checksum
from tradeterm.venues.kraken.check_book import CheckBook
from tradeterm.venues.kraken.markets import parse_asset_pairs

SYMBOLS = list(PAIRS.values())


SHALLOW = 25
"""A depth the recorded books outgrow: levels fall out of it and are dropped (truncation)."""


def server(depth: int = DEPTH) -> KrakenStandIn:
    need()
    return KrakenStandIn(timeline(), precisions(), ASSET_PAIRS.read_bytes(), depth=depth)


def feed_on_markets(depth: int = DEPTH) -> KrakenFeed:
    feed = KrakenFeed(list(PAIRS), depth=depth)
    feed.markets, feed.pairs = parse_asset_pairs(feed.venue, ASSET_PAIRS.read_bytes(), PAIRS)
    return feed


def engine_with(feed: KrakenFeed) -> Engine:
    engine = Engine(ManualClock(), feed, [AccountSpec("main", venue=feed.venue)])
    engine.load_markets(feed.markets, feed.venue)
    feed.attach(engine.sink(feed.venue))
    return engine


class Writes:
    """Counts the calls that write a book side (the engine's books are ``BookSide``s)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.set = self.set_many = self.load = 0
        original_set, original_many, original_load = BookSide.set, BookSide.set_many, BookSide.load

        def set_(side: BookSide, price: Decimal, qty: Decimal) -> Decimal:
            self.set += 1
            return original_set(side, price, qty)

        def set_many(side: BookSide, levels: Iterable[Level]) -> None:
            self.set_many += 1
            original_many(side, levels)

        def load(side: BookSide, levels: Iterable[Level]) -> None:
            self.load += 1
            original_load(side, levels)

        monkeypatch.setattr(BookSide, "set", set_)
        monkeypatch.setattr(BookSide, "set_many", set_many)
        monkeypatch.setattr(BookSide, "load", load)


def shape(book: OrderBook | CheckBook) -> tuple[list[Level], list[Level]]:
    return (book.bids.top(DEPTH), book.asks.top(DEPTH))


def test_the_capture_lands_in_the_engine_book_written_once(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in = server()
    feed = feed_on_markets()
    engine = engine_with(feed)
    events: list[BookChanged] = []
    engine.bus.subscribe(BookChanged, events.append)
    writes = Writes(monkeypatch)
    for _, frame in stand_in.frames():
        feed.on_message(frame)

    updates = [e for e in timeline() if e.kind == "update"]
    snapshots = [e for e in timeline() if e.kind == "snapshot"]
    assert feed.malformed == 0
    assert sum(feed.books[s].updates for s in SYMBOLS) == len(updates)
    # each level of each update written once, into one book; each snapshot loaded once
    assert writes.set == sum(len(e.bids) + len(e.asks) for e in updates)
    assert writes.set_many == 0  # the engine applied nothing again
    assert writes.load == 2 * len(snapshots)
    assert len(events) == len(updates) + len(snapshots)  # every update checked and passed on
    for symbol in SYMBOLS:
        kraken = feed.books[symbol]
        assert kraken.synced and kraken.resyncs == 0
        assert kraken.checksum == stand_in.checksums[symbol]
        assert kraken.book is engine.state.books_on(feed.venue)[symbol]
    assert_known_books(engine)


def test_a_checksum_mismatch_takes_the_update_back_out_of_the_engine_book() -> None:
    stand_in = server()
    recorded = timeline()
    xmr = [i for i, e in enumerate(recorded) if e.kind == "update" and e.symbol == "XMR/USD"]
    bad = xmr[50]
    feed = feed_on_markets()
    engine = engine_with(feed)
    reasons: list[str] = []
    feed.books["XMR/USD"].resync = reasons.append
    told: list[BookChanged] = []
    engine.bus.subscribe(BookChanged, lambda e: told.append(e) if e.symbol == "XMR/USD" else None)
    book, count = OrderBook("none"), 0
    before: tuple[list[Level], list[Level]] | None = None
    for index, frame in stand_in.frames(corrupt={bad}):
        if index == bad:
            book = engine.state.books_on(feed.venue)["XMR/USD"]
            before, count = shape(book), len(told)
        feed.on_message(frame)
        if index >= bad:  # the refused update, and the ones after it, stay out of the engine's book
            assert shape(book) == before
    assert before is not None and xmr[-1] > bad and len(told) == count
    assert not feed.books["XMR/USD"].synced
    assert len(reasons) == 1 and reasons[0].startswith("checksum mismatch at update 51")
    feed.on_message(stand_in.snapshot("XMR/USD"))  # the resync's answer
    assert feed.books["XMR/USD"].synced
    assert feed.books["XMR/USD"].checksum == stand_in.checksums["XMR/USD"]
    assert_known_books(engine)


def test_a_crossed_update_is_taken_back_out_of_the_engine_book() -> None:
    feed = KrakenFeed(["BTC/USD"], depth=10)
    engine = Engine(ManualClock(), feed, [AccountSpec("main", venue=feed.venue)])
    reasons: list[str] = []
    sink = engine.sink(feed.venue)
    kraken = KrakenBook("BTC/USD", 1, 8, 10, sink.on_market, reasons.append, sink.keep_book)
    bids, asks = [{"price": 100.0, "qty": 1.0}], [{"price": 101.0, "qty": 1.0}]
    kraken.on_snapshot({"bids": bids, "asks": asks})
    book = engine.state.books_on(feed.venue)["BTC/USD"]
    assert kraken.book is book
    crossed = checksum(
        [(Decimal("101.0"), Decimal("1"))],
        [(Decimal("102.0"), Decimal("1")), (Decimal("100.0"), Decimal("1"))],
        1,
        8,
    )
    kraken.on_update({"bids": [{"price": 102.0, "qty": 1.0}], "asks": [], "checksum": crossed})
    assert reasons == ["crossed book: bid 102.0 >= ask 101.0 after update 1"]
    assert book.bids.top(10) == [(Decimal("100.0"), Decimal("1.0"))]
    assert book.asks.top(10) == [(Decimal("101.0"), Decimal("1.0"))]


def true_book(stand_in: KrakenStandIn, symbol: str) -> tuple[list[Level], list[Level]]:
    """The stand-in's own book of ``symbol`` (its recorded strings), best first."""
    book = stand_in.books[symbol]
    bids, asks = ([(Decimal(p), Decimal(q)) for p, q in book.ordered(s)] for s in ("bids", "asks"))
    return bids, asks


def test_a_shallow_book_drops_what_falls_out_of_its_depth_in_the_engine_book() -> None:
    stand_in = server(SHALLOW)
    feed = feed_on_markets(SHALLOW)
    engine = engine_with(feed)
    events: list[BookChanged] = []
    engine.bus.subscribe(BookChanged, events.append)
    for _, frame in stand_in.frames():
        feed.on_message(frame)
    # levels were dropped at the depth, and the events say so (sizes Kraken never sent as 0)
    updates = [e for e in timeline() if e.kind == "update"]
    sent_zeros = sum(1 for e in updates for _, q in e.bids + e.asks if not Decimal(q))
    told_zeros = sum(1 for e in events if not e.snapshot for _, q in e.bids + e.asks if not q)
    assert told_zeros > sent_zeros
    for symbol in SYMBOLS:
        kraken = feed.books[symbol]
        assert kraken.synced and kraken.resyncs == 0
        assert kraken.checksum == stand_in.checksums[symbol]
        book = engine.state.books_on(feed.venue)[symbol]
        assert shape(book) == true_book(stand_in, symbol), symbol
        assert len(book.bids) <= SHALLOW and len(book.asks) <= SHALLOW


@pytest.mark.parametrize("depth", [DEPTH, SHALLOW])
def test_a_feed_alone_checks_a_cheap_book_of_its_own(depth: int) -> None:
    stand_in = server(depth)
    feed = feed_on_markets(depth)
    sent: list[MarketEvent] = []

    class Sink:
        def on_market(self, event: MarketEvent) -> None:
            sent.append(event)

    feed.attach(Sink())
    for _, frame in stand_in.frames():
        feed.on_message(frame)
    for symbol, answer in expected().items():
        kraken = feed.books[symbol]
        assert isinstance(kraken.book, CheckBook)
        assert kraken.synced and kraken.checksum == stand_in.checksums[symbol]
        assert shape(kraken.book) == true_book(stand_in, symbol), symbol
        if depth < DEPTH:
            continue  # expected/ holds the full books
        for side in ("bids", "asks"):
            got = getattr(kraken.book, side).top(10)
            assert got == [(Decimal(p), Decimal(q)) for p, q in answer["final_top10"][side]]
            assert len(getattr(kraken.book, side)) == answer["final_levels"][side]
    # the events alone rebuild the same books (truncated levels are sent as deletions)
    rebuilt = {s: OrderBook(s) for s in SYMBOLS}
    for event in sent:
        if isinstance(event, BookChanged):
            target = rebuilt[event.symbol]
            if event.snapshot:
                target.load(event.bids, event.asks)
            else:
                target.apply(event.bids, event.asks)
    for symbol in SYMBOLS:
        own = feed.books[symbol].book
        assert isinstance(own, CheckBook)
        assert shape(rebuilt[symbol]) == shape(own), symbol
