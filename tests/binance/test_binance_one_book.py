"""The native Binance feed writes each depth update to one book: the engine's, lent by its sink."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import pytest
from test_binance_sync_capture import capture, expected

from tradeterm.domain.book import BookSide, Level
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.binance.feed import BinanceFeed
from tradeterm.venues.binance.sync import Diff


def test_the_capture_lands_in_the_engine_book_written_once(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot, before, after = capture()
    answer = expected()
    feed = BinanceFeed(["BTC/USDT"])
    feed.native, feed.unified = {"BTC/USDT": "BTCUSDT"}, {"BTCUSDT": "BTC/USDT"}
    engine = Engine(ManualClock(), feed, [AccountSpec("main")])
    feed.attach(engine.sink(feed.venue))
    writes = [0]
    original = BookSide.set_many

    def counting(self: BookSide, levels: Iterable[Level]) -> None:
        writes[0] += 1
        original(self, levels)

    monkeypatch.setattr(BookSide, "set_many", counting)
    sync = feed.books["BTCUSDT"]
    for data in before:
        sync.on_diff(Diff.parse(data))
    sync.on_snapshot(snapshot)
    for data in after:
        sync.on_diff(Diff.parse(data))

    assert sync.synced and sync.applied == answer["applied"]
    assert writes[0] == 2 * sync.applied  # one book, both sides, once per update
    book = engine.state.books_on(feed.venue)["BTC/USDT"]
    assert book is sync.book and book.seq == answer["final_u"]
    want = {
        side: [(Decimal(p), Decimal(q)) for p, q in levels]
        for side, levels in answer["final_top10"].items()
    }
    assert {"bids": book.bids.top(10), "asks": book.asks.top(10)} == want
