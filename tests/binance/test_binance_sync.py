"""The update-id rules of one Binance book, message by message, and the feed's decoding of
trades and tickers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from tradeterm.domain.enums import Side
from tradeterm.domain.events import BookChanged, TickerUpdated, TradePrinted
from tradeterm.venues.binance import BinanceFeed
from tradeterm.venues.binance.sync import DepthSync, Diff


def diff(first: int, last: int, bids: Any = (), asks: Any = ()) -> Diff:
    data = {"U": first, "u": last, "E": 1, "b": list(bids), "a": list(asks)}
    return Diff.parse(data)


def snapshot(last: int) -> dict[str, Any]:
    return {"lastUpdateId": last, "bids": [["99", "1"], ["98", "2"]], "asks": [["101", "1"]]}


class Recorder:
    def __init__(self) -> None:
        self.books: list[BookChanged] = []
        self.reasons: list[str] = []

    def sync(self) -> DepthSync:
        return DepthSync("X/Y", self.books.append, self.reasons.append)


def test_buffered_events_bridge_the_snapshot_by_the_documented_rules() -> None:
    rec = Recorder()
    book = rec.sync()
    book.on_diff(diff(5, 9, [["97", "1"]]))  # u <= lastUpdateId: dropped
    book.on_diff(diff(10, 12, [["99", "3"]]))  # U <= 11 <= u: the first applied
    book.on_diff(diff(13, 13, [], [["101", "0"], ["102", "4"]]))
    assert rec.books == []
    assert book.on_snapshot(snapshot(10))
    assert [e.seq for e in rec.books] == [10, 12, 13]
    assert rec.books[0].snapshot and not rec.books[1].snapshot
    assert rec.books[1].bids == [(Decimal(99), Decimal(3))]
    assert book.book is not None
    assert book.book.bids.top(10) == [(Decimal(99), Decimal(3)), (Decimal(98), Decimal(2))]
    assert book.book.asks.best() == Decimal(102)
    book.on_diff(diff(12, 13))  # old: ignored
    assert rec.reasons == [] and book.last_u == 13


def test_a_snapshot_older_than_the_stream_asks_for_another() -> None:
    rec = Recorder()
    book = rec.sync()
    book.on_diff(diff(20, 25))
    assert not book.on_snapshot(snapshot(10))  # 11 is not within [20, 25]
    assert not book.synced and len(rec.reasons) == 1 and "older than the stream" in rec.reasons[0]
    assert book.on_snapshot(snapshot(22))  # the kept event bridges a newer one
    assert book.last_u == 25


def test_a_gap_loses_sync_and_says_where() -> None:
    rec = Recorder()
    book = rec.sync()
    book.on_snapshot(snapshot(10))
    book.on_diff(diff(11, 12))
    book.on_diff(diff(14, 15))  # 13 is missing
    assert not book.synced
    assert rec.reasons == ["gap: U=14 but the previous u was 12"]
    applied = len(rec.books)
    book.on_diff(diff(16, 16))
    assert len(rec.books) == applied  # buffered until the next snapshot


def test_a_crossed_book_triggers_a_resync() -> None:
    rec = Recorder()
    book = rec.sync()
    book.on_snapshot(snapshot(10))
    book.on_diff(diff(11, 11, [["101.5", "1"]]))  # a bid above the best ask
    assert not book.synced
    assert rec.reasons == ["crossed book: bid 101.5 >= ask 101 after u=11"]


def test_removing_the_best_level_finds_the_next_one() -> None:
    rec = Recorder()
    book = rec.sync()
    book.on_snapshot(snapshot(10))
    book.on_diff(diff(11, 11, [["99", "0.00000000"], ["50", "0"]]))
    assert book.book is not None
    assert book.book.bids.best() == Decimal(98) and book.synced


def test_trades_and_tickers_become_engine_events() -> None:
    events: list[Any] = []

    class Sink:
        def on_market(self, event: Any) -> None:
            events.append(event)

    feed = BinanceFeed(["BTC/USDT"])
    feed.native, feed.unified = {"BTC/USDT": "BTCUSDT"}, {"BTCUSDT": "BTC/USDT"}
    feed.attach(Sink())
    trade = {
        "e": "trade",
        "E": 2,
        "s": "BTCUSDT",
        "t": 7,
        "p": "60000.10",
        "q": "0.5",
        "T": 1700000000123,
        "m": True,
    }
    ticker = {
        "e": "24hrTicker",
        "E": 1700000000999,
        "s": "BTCUSDT",
        "c": "60001",
        "o": "59000",
        "h": "61000",
        "l": "58000",
        "v": "1234.5",
        "q": "74000000",
        "b": "60000.5",
        "a": "60001.5",
    }
    mini = {
        "e": "24hrMiniTicker",
        "E": 1,
        "s": "BTCUSDT",
        "c": "2",
        "o": "1",
        "h": "3",
        "l": "1",
        "v": "9",
        "q": "18",
    }
    feed.on_message(orjson.dumps({"stream": "btcusdt@trade", "data": trade}))
    feed.on_message(orjson.dumps({"stream": "btcusdt@ticker", "data": ticker}))
    feed.on_message(orjson.dumps({"stream": "!miniTicker@arr", "data": [mini]}))
    assert feed.malformed == 0
    printed = events[0]
    assert isinstance(printed, TradePrinted)
    assert printed.trade.price == Decimal("60000.10") and printed.trade.qty == Decimal("0.5")
    assert printed.trade.side is Side.SELL  # the buyer was the maker: a seller hit the bid
    assert printed.trade.ts_ns == 1700000000123 * 1_000_000 and printed.trade.trade_id == "7"
    full, small = events[1], events[2]
    assert isinstance(full, TickerUpdated) and isinstance(small, TickerUpdated)
    assert full.ticker.bid == Decimal("60000.5") and full.ticker.ask == Decimal("60001.5")
    assert full.ticker.change_pct > 0 and full.ticker.quote_volume_24h == Decimal(74000000)
    assert small.ticker.bid is None and small.ticker.last == Decimal(2)
