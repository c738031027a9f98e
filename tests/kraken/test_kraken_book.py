"""The Kraken v2 book: its checksum against Kraken's worked example, and what it keeps from
the engine (a book failing its checksum, a crossed book)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from kraken_data import DOC_EXAMPLES, need

from tradeterm.domain.events import BookChanged
from tradeterm.venues.kraken.book import KrakenBook, checksum


def test_the_v2_checksum_matches_krakens_worked_example() -> None:
    need()
    doc = json.loads(DOC_EXAMPLES.read_text())["v2"]
    asks = [(Decimal(p), Decimal(q)) for p, q in doc["book_top10_asks_low_to_high"]]
    bids = [(Decimal(p), Decimal(q)) for p, q in doc["book_top10_bids_high_to_low"]]
    assert checksum(asks, bids, 1, 8) == doc["expected_checksum"]


def test_a_book_failing_its_checksum_never_reaches_the_engine() -> None:
    need()
    doc = json.loads(DOC_EXAMPLES.read_text())["v2"]
    side = {
        name: [{"price": float(p), "qty": float(q)} for p, q in doc[key]]
        for name, key in (
            ("asks", "book_top10_asks_low_to_high"),
            ("bids", "book_top10_bids_high_to_low"),
        )
    }
    emitted: list[BookChanged] = []
    reasons: list[str] = []
    book = KrakenBook("BTC/USD", 1, 8, 10, emitted.append, reasons.append)
    book.on_snapshot({**side, "checksum": doc["expected_checksum"]})
    assert book.synced and len(emitted) == 1 and emitted[0].snapshot
    update: dict[str, Any] = {"bids": [{"price": 45283.5, "qty": 0.2}], "asks": []}
    book.on_update({**update, "checksum": doc["expected_checksum"]})  # stale: wrong now
    assert len(emitted) == 1 and not book.synced
    assert reasons == [
        f"checksum mismatch at update 1: Kraken says {doc['expected_checksum']}, "
        f"the book gives {book.computed()}"
    ]
    book.on_update({**update, "checksum": book.computed()})  # ignored until a snapshot
    assert len(emitted) == 1


def test_a_crossed_book_resyncs_and_never_reaches_the_engine() -> None:
    emitted: list[BookChanged] = []
    reasons: list[str] = []
    book = KrakenBook("BTC/USD", 1, 8, 10, emitted.append, reasons.append)
    bids = [{"price": 100.0, "qty": 1.0}]
    asks = [{"price": 101.0, "qty": 1.0}]
    book.on_snapshot({"bids": bids, "asks": asks})
    crossing: dict[str, Any] = {"bids": [{"price": 102.0, "qty": 1.0}], "asks": []}
    # the checksum Kraken would send for the crossed book: it matches, the book is still wrong
    crossed = checksum(
        [(Decimal("101.0"), Decimal("1"))],
        [(Decimal("102.0"), Decimal("1")), (Decimal("100.0"), Decimal("1"))],
        1,
        8,
    )
    book.on_update({**crossing, "checksum": crossed})
    assert len(emitted) == 1 and not book.synced
    assert reasons == ["crossed book: bid 102.0 >= ask 101.0 after update 1"]
