"""Depth events handled a socket read at a time (``DepthSync.on_diffs``, ``on_messages``)
end exactly where handling them one by one ends: same book, same update-id verdicts, same
resyncs; one ``BookChanged`` per symbol per run, carrying every level in order."""

from __future__ import annotations

import logging
import random
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_binance_sync_capture import capture, expected, top10

from tradeterm.domain.book import OrderBook
from tradeterm.domain.events import BookChanged, MarketEvent, TradePrinted
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.binance.feed import RUN_MAX
from tradeterm.venues.binance.sync import CheckBook, DepthSync, Diff

SIZES = st.sampled_from(["0", "0", "1", "2.5", "3"])
BID = st.tuples(st.integers(90, 99).map(str), SIZES)
ASK = st.tuples(st.integers(101, 110).map(str), SIZES)
SIDES = st.lists(BID, max_size=6), st.lists(ASK, max_size=6)


def levels(raw: list[tuple[str, str]]) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(p), Decimal(q)) for p, q in raw]


@given(st.lists(st.tuples(*SIDES), max_size=12), st.sampled_from(["engine", "check"]))
def test_one_apply_of_all_the_levels_in_order_is_applying_them_one_by_one(
    updates: list[tuple[list[tuple[str, str]], list[tuple[str, str]]]], kind: str
) -> None:
    start = levels([("95", "1"), ("99", "2")]), levels([("101", "1"), ("104", "4")])
    one_by_one = OrderBook("X/Y") if kind == "engine" else CheckBook()
    together = OrderBook("X/Y") if kind == "engine" else CheckBook()
    one_by_one.load(*start)
    together.load(*start)
    all_bids: list[tuple[Decimal, Decimal]] = []
    all_asks: list[tuple[Decimal, Decimal]] = []
    for bids, asks in updates:
        one_by_one.apply(levels(bids), levels(asks))
        all_bids += levels(bids)
        all_asks += levels(asks)
    together.apply(all_bids, all_asks)
    for side in ("bids", "asks"):
        a, b = getattr(one_by_one, side), getattr(together, side)
        assert a.top(100) == b.top(100) and a.best() == b.best()


# An event's ids relative to the last one's u: continues, stale, overlaps, or leaves a gap.
STEPS = st.sampled_from(["next", "next", "next", "stale", "overlap", "gap"])
EVENTS = st.lists(st.tuples(STEPS, st.integers(0, 3), *SIDES), max_size=40)


def events(plan: list[Any]) -> list[Diff]:
    """Diffs from a plan; the ids go on from 10 (the snapshot's lastUpdateId)."""
    out: list[Diff] = []
    u = 10
    for n, (step, span, bids, asks) in enumerate(plan):
        first = {"next": u + 1, "stale": u - 3, "overlap": u - 1, "gap": u + 2}[step]
        last = max(first + span, u - 1) if step == "stale" else first + span
        u = max(u, last)
        out.append(Diff(first, last, n, levels(bids), levels(asks)))
    return out


class Run:
    """One ``DepthSync`` and everything it said; a snapshot is answered when asked for."""

    def __init__(self) -> None:
        self.emitted: list[BookChanged] = []
        self.reasons: list[str] = []
        self.sync = DepthSync("X/Y", self.emitted.append, self.reasons.append)
        self.sync.on_snapshot(self.snapshot(10))

    @staticmethod
    def snapshot(last: int) -> dict[str, Any]:
        return {"lastUpdateId": last, "bids": [["95", "1"]], "asks": [["105", "1"]]}

    def resync_if_asked(self, last: int) -> None:
        if not self.sync.synced:
            self.sync.on_snapshot(self.snapshot(last))

    def state(self) -> tuple[Any, ...]:
        s = self.sync
        assert s.book is not None
        replayed = OrderBook("X/Y")  # what a reader of the events builds (an engine's book)
        for e in self.emitted:
            (replayed.load if e.snapshot else replayed.apply)(e.bids, e.asks)
        return (
            s.synced,
            s.bridged,
            s.last_u,
            s.resyncs,
            s.applied,
            [(d.first, d.last) for d in s.buffer],
            s.book.bids.top(100),
            s.book.asks.top(100),
            replayed.bids.top(100),
            replayed.asks.top(100),
            self.reasons,
            self.emitted[-1].seq,
        )


@settings(max_examples=300)
@given(EVENTS, st.lists(st.integers(1, 6), min_size=1, max_size=40), st.data())
def test_a_read_at_a_time_follows_the_update_id_rules_of_each_event(
    plan: list[Any], cuts: list[int], data: st.DataObject
) -> None:
    diffs = events(plan)
    one, batched = Run(), Run()
    at = 0
    for size in cuts * 10:
        if at >= len(diffs):
            break
        read = diffs[at : at + size]
        at += size
        for diff in read:
            one.sync.on_diff(diff)
        batched.sync.on_diffs(read)
        assert one.state()[:-1] == batched.state()[:-1]
        if data.draw(st.booleans()):  # a fresh snapshot answers between reads
            last = read[-1].last - data.draw(st.integers(0, 2))
            one.resync_if_asked(last)
            batched.resync_if_asked(last)
    assert one.state() == batched.state()


def test_a_run_is_one_book_changed_with_every_level_and_the_last_events_id_and_time() -> None:
    run = Run()
    read = [
        Diff(11, 12, 5_000, levels([("96", "1")]), []),
        Diff(13, 13, 6_000, levels([("96", "0"), ("97", "2")]), levels([("106", "3")])),
        Diff(14, 15, 7_000, [], levels([("106", "0")])),
    ]
    run.sync.on_diffs(read)
    changed = run.emitted[1:]
    assert len(changed) == 1 and run.sync.applied == 3
    assert changed[0].seq == 15 and changed[0].ts_ns == 7_000  # the exchange's, not arrival
    assert changed[0].bids == levels([("96", "1"), ("96", "0"), ("97", "2")])
    assert changed[0].asks == levels([("106", "3"), ("106", "0")])


def test_a_gap_inside_a_read_applies_what_came_before_and_buffers_the_rest() -> None:
    run = Run()
    run.sync.on_diffs(
        [
            Diff(11, 11, 1, levels([("96", "1")]), []),
            Diff(12, 12, 2, levels([("97", "1")]), []),
            Diff(14, 14, 3, levels([("98", "1")]), []),  # 13 is missing
            Diff(15, 15, 4, levels([("99", "1")]), []),
        ]
    )
    assert [e.seq for e in run.emitted] == [10, 12]
    assert run.reasons == ["gap: U=14 but the previous u was 12"]
    assert [(d.first, d.last) for d in run.sync.buffer] == [(14, 14), (15, 15)]


# --- the feed: a read's frames ------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.events: list[MarketEvent] = []

    def on_market(self, event: MarketEvent) -> None:
        self.events.append(event)


def feed_for(sink: Sink, asked: list[str], monkeypatch: pytest.MonkeyPatch) -> BinanceFeed:
    feed = BinanceFeed(["BTC/USDT", "ETH/USDT"])
    # a resync's snapshot is noted, not fetched (the REST side has tests of its own)
    monkeypatch.setattr(feed, "_request_snapshot", lambda native, tried=None: asked.append(native))
    feed.native = {"BTC/USDT": "BTCUSDT", "ETH/USDT": "ETHUSDT"}
    feed.unified = {v: k for k, v in feed.native.items()}
    feed.attach(sink)
    for book in feed.books.values():
        book.on_snapshot({"lastUpdateId": 10, "bids": [["95", "1"]], "asks": [["105", "1"]]})
    return feed


def depth(symbol: str, first: int, last: int, bid: str, time_ms: int = 1) -> bytes:
    data = {"e": "depthUpdate", "E": time_ms, "s": symbol, "U": first, "u": last}
    data |= {"b": [[bid, "1"]], "a": []}
    return orjson.dumps({"stream": f"{symbol.lower()}@depth@100ms", "data": data})


def trade(symbol: str, price: str) -> bytes:
    data = {"e": "trade", "s": symbol, "p": price, "q": "1", "m": False, "T": 1, "t": 7}
    return orjson.dumps({"stream": f"{symbol.lower()}@trade", "data": data})


READ: list[str | bytes] = [
    depth("BTCUSDT", 11, 11, "96"),
    depth("ETHUSDT", 11, 11, "96"),
    depth("BTCUSDT", 12, 12, "97", time_ms=3),
    trade("BTCUSDT", "97"),
    depth("BTCUSDT", 13, 13, "98"),
    b'{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","s":"BTCUSDT","U":14,'
    b'"u":14,"b":[["-1","1"]],"a":[]}}',  # a malformed price: skipped, so 14 is missing
    depth("BTCUSDT", 15, 15, "99"),
]


def test_a_read_of_frames_ends_where_one_by_one_ends_and_trades_keep_their_place(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, batched = Sink(), Sink()
    asked_one: list[str] = []
    asked_read: list[str] = []
    by_one = feed_for(one, asked_one, monkeypatch)
    by_read = feed_for(batched, asked_read, monkeypatch)
    with caplog.at_level(logging.WARNING, "tradeterm.venues.binance"):
        for raw in READ:
            by_one.on_message(raw)
        by_read.on_messages(READ)
    for native in ("BTCUSDT", "ETHUSDT"):
        a, b = by_one.books[native], by_read.books[native]
        assert (a.synced, a.last_u, a.resyncs, a.applied) == (
            b.synced,
            b.last_u,
            b.resyncs,
            b.applied,
        )
        assert a.book is not None and b.book is not None
        assert a.book.bids.top(10) == b.book.bids.top(10)
    assert by_one.malformed == by_read.malformed == 1
    assert by_read.messages == len(READ)
    assert not by_read.books["BTCUSDT"].synced  # the skipped 14 is a gap, as one by one
    assert asked_one == asked_read == ["BTCUSDT"]
    kinds = [
        (type(e).__name__, getattr(e, "symbol", ""), getattr(e, "seq", 0))
        for e in batched.events[2:]  # after the two snapshots
    ]
    assert kinds == [
        ("BookChanged", "BTC/USDT", 12),  # 11 and 12 together, before the BTC trade
        ("TradePrinted", "", 0),
        ("BookChanged", "ETH/USDT", 11),  # (its run goes on past another symbol's trade)
        ("BookChanged", "BTC/USDT", 13),
    ]
    first = batched.events[2]
    assert isinstance(first, BookChanged) and first.ts_ns == 3_000_000
    assert isinstance(batched.events[3], TradePrinted)
    assert sum("malformed message #6" in r.getMessage() for r in caplog.records) == 2


def test_the_capture_read_in_reads_of_any_size_ends_in_the_known_book() -> None:
    snapshot, before, after = capture()
    answer = expected()
    rng = random.Random(13)
    emitted: list[BookChanged] = []
    reasons: list[str] = []
    sync = DepthSync("BTC/USDT", emitted.append, reasons.append)
    for data in before:
        sync.on_diff(Diff.parse(data))
    sync.on_snapshot(snapshot)
    diffs = [Diff.parse(data) for data in after]
    at = 0
    while at < len(diffs):
        size = rng.randint(1, 40)
        sync.on_diffs(diffs[at : at + size])
        at += size
    assert reasons == [] and sync.resyncs == 0 and sync.synced
    assert sync.applied == answer["applied"] and sync.last_u == answer["final_u"]
    assert len(emitted) < answer["applied"] / 5  # one event per read, not per message
    want = {
        side: [[Decimal(p), Decimal(q)] for p, q in levels]
        for side, levels in answer["final_top10"].items()
    }
    assert top10(sync) == want


def test_a_frame_about_no_symbol_ends_every_run_first(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = Sink()
    feed = feed_for(sink, [], monkeypatch)
    answer = orjson.dumps({"result": None, "id": 99})  # an answer nobody waits for
    feed.on_messages([depth("BTCUSDT", 11, 11, "96"), depth("ETHUSDT", 11, 11, "96"), answer])
    feed.on_messages([depth("ETHUSDT", 12, 12, "97"), trade("BTCUSDT", "97")])
    seen = [(type(e).__name__, getattr(e, "symbol", "")) for e in sink.events[2:]]
    assert seen == [
        ("BookChanged", "BTC/USDT"),
        ("BookChanged", "ETH/USDT"),
        ("TradePrinted", ""),  # another symbol's trade: ETH's run waits for the read's end
        ("BookChanged", "ETH/USDT"),
    ]


class Refusing(Sink):
    """A sink with a bug behind it: BTC's first update raises (once)."""

    def __init__(self) -> None:
        super().__init__()
        self.raised = False

    def on_market(self, event: MarketEvent) -> None:
        super().on_market(event)
        update = isinstance(event, BookChanged) and not (event.snapshot or self.raised)
        if update and getattr(event, "symbol", "") == "BTC/USDT":
            self.raised = True
            raise ValueError("a bug behind the sink")


def test_an_error_behind_the_sink_costs_a_read_no_more_than_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One by one, such an error is logged and the feed goes on (other books untouched): a
    read's runs do the same, rather than ending the stream or dropping the other books'."""
    one, batched = Refusing(), Refusing()
    by_one = feed_for(one, [], monkeypatch)
    by_read = feed_for(batched, [], monkeypatch)
    frames: list[str | bytes] = [
        depth("BTCUSDT", 11, 11, "96"),
        depth("ETHUSDT", 11, 11, "96"),
        depth("BTCUSDT", 12, 12, "97"),
        depth("ETHUSDT", 12, 12, "97"),
    ]
    for raw in frames:
        by_one.on_message(raw)
    by_read.on_messages(frames)
    by_read.on_messages([depth("ETHUSDT", 13, 13, "98"), depth("ETHUSDT", 14, 14, "98")])
    by_one.on_message(depth("ETHUSDT", 13, 13, "98"))
    by_one.on_message(depth("ETHUSDT", 14, 14, "98"))
    assert one.raised and batched.raised
    for native in ("BTCUSDT", "ETHUSDT"):
        a, b = by_one.books[native], by_read.books[native]
        assert (a.synced, a.last_u, a.resyncs) == (b.synced, b.last_u, b.resyncs)
        assert a.book is not None and b.book is not None
        assert a.book.bids.top(10) == b.book.bids.top(10)
    assert by_read.books["ETHUSDT"].synced and by_read.books["ETHUSDT"].resyncs == 0


def test_a_long_run_is_written_every_run_max_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read of many events of one symbol (a client catching up after a long frame) is not
    held whole: every ``RUN_MAX`` of them are written and announced together, so a read's
    decoded levels stay few (measured: a run of 256 cost 40 % more a message than runs of
    32), and the book and the levels announced are those of one by one."""
    one, batched = Sink(), Sink()
    by_one = feed_for(one, [], monkeypatch)
    by_read = feed_for(batched, [], monkeypatch)
    count = 2 * RUN_MAX + 5
    frames: list[str | bytes] = [
        depth("BTCUSDT", 11 + n, 11 + n, str(90 + n % 9), time_ms=n) for n in range(count)
    ]
    frames.insert(RUN_MAX // 2, depth("ETHUSDT", 11, 11, "96"))  # another book's: no matter
    for raw in frames:
        by_one.on_message(raw)
    by_read.on_messages(frames)
    updates = [e for e in batched.events[2:] if isinstance(e, BookChanged)]
    btc = [e for e in updates if e.symbol == "BTC/USDT"]
    assert [e.seq for e in btc] == [10 + RUN_MAX, 10 + 2 * RUN_MAX, 10 + count]
    assert [len(e.bids) for e in btc] == [RUN_MAX, RUN_MAX, 5]
    each = [e for e in one.events[2:] if isinstance(e, BookChanged) and e.symbol == "BTC/USDT"]
    assert [level for e in btc for level in e.bids] == [level for e in each for level in e.bids]
    a, b = by_one.books["BTCUSDT"], by_read.books["BTCUSDT"]
    assert a.book is not None and b.book is not None
    assert a.book.bids.top(20) == b.book.bids.top(20) and a.applied == b.applied == count
