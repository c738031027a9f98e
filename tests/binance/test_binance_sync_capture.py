"""The update-id rules on a real capture: hftbacktest's BTCUSDT spot session of 2024-08-08/09,
whose REST snapshot the stream had already passed when it was answered."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from binance_data import DATA

from tradeterm.domain.events import BookChanged
from tradeterm.venues.binance.sync import DepthSync, Diff

DAYS = [DATA / "orderbook" / "binance" / f"hftbacktest_spot_btcusdt_2024080{d}.gz" for d in (8, 9)]
EXPECTED = DATA / "expected" / "binance_spot_btcusdt_20240808-09.expected.json"


@cache
def capture() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The snapshot, the depth events recorded before it, and those recorded after it
    (read once; callers leave them unchanged)."""
    for path in (*DAYS, EXPECTED):
        if not path.exists():
            pytest.skip(f"recorded data not found: {path} (expected ../shared/data)")
    snapshot: dict[str, Any] | None = None
    before: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    for path in DAYS:
        with gzip.open(path, "rt") as lines:
            for line in lines:
                body = line.partition(" ")[2].strip()
                if snapshot is None and '"lastUpdateId"' in body[:20]:
                    snapshot = json.loads(body)
                elif "@depth" in body[:40]:
                    (after if snapshot is not None else before).append(json.loads(body)["data"])
    assert snapshot is not None
    return snapshot, before, after


def expected() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(EXPECTED.read_text())["result"]
    return result


def top10(sync: DepthSync) -> dict[str, list[list[Decimal]]]:
    book = sync.book
    assert book is not None
    return {
        "bids": [list(x) for x in book.bids.top(10)],
        "asks": [list(x) for x in book.asks.top(10)],
    }


def replay(snapshot_first: bool) -> tuple[DepthSync, list[str], int]:
    snapshot, before, after = capture()
    reasons: list[str] = []
    emitted: list[BookChanged] = []
    book = DepthSync("BTC/USDT", emitted.append, reasons.append)
    if snapshot_first:  # the REST answer came before the stream's first event
        book.on_snapshot(snapshot)
        for data in before + after:
            book.on_diff(Diff.parse(data))
    else:  # as recorded: the events before the snapshot were buffered
        for data in before:
            book.on_diff(Diff.parse(data))
        book.on_snapshot(snapshot)
        for data in after:
            book.on_diff(Diff.parse(data))
    return book, reasons, sum(not e.snapshot for e in emitted)


@pytest.mark.parametrize("snapshot_first", [True, False], ids=["snapshot-first", "buffered"])
def test_the_capture_syncs_once_and_ends_in_the_known_book(snapshot_first: bool) -> None:
    answer = expected()
    book, reasons, applied = replay(snapshot_first)
    assert reasons == [] and book.resyncs == 0 and book.synced
    assert applied == book.applied == answer["applied"]
    assert book.last_u == answer["final_u"]
    assert book.book is not None
    assert len(book.book.bids) == answer["final_levels"]["bids"]
    assert len(book.book.asks) == answer["final_levels"]["asks"]
    want = {
        side: [[Decimal(p), Decimal(q)] for p, q in levels]
        for side, levels in answer["final_top10"].items()
    }
    assert top10(book) == want


def test_the_first_event_after_a_snapshot_may_start_before_it() -> None:
    """Binance's first-event rule, ``U <= lastUpdateId + 1 <= u``, holds for an event that
    arrives after the snapshot too; a later event must still continue the last one."""
    snapshot, before, _ = capture()
    first = expected()["first_applied_event"]
    bridging = next(d for d in before if d["u"] > snapshot["lastUpdateId"])
    assert (bridging["U"], bridging["u"]) == (first["U"], first["u"])
    assert bridging["U"] < snapshot["lastUpdateId"] + 1 <= bridging["u"]
    reasons: list[str] = []
    book = DepthSync("BTC/USDT", lambda _: None, reasons.append)
    book.on_snapshot(snapshot)
    book.on_diff(Diff.parse(bridging))
    assert book.synced and reasons == [] and book.last_u == bridging["u"]
    book.on_diff(Diff.parse({**bridging, "U": bridging["U"], "u": bridging["u"] + 5}))
    assert not book.synced and reasons == [
        f"gap: U={bridging['U']} but the previous u was {bridging['u']}"
    ]
