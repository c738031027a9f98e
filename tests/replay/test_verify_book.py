"""The verification book (a lazy heap per side) answers exactly as the engine's sorted book."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.domain.book import BookSide, OrderBook
from tradeterm.venues.replay.binance import BinanceBook
from tradeterm.venues.replay.state import Context
from tradeterm.venues.replay.verify_book import HeapBook, HeapSide

# Spellings of one value ("1.5" / "1.50") and prices longer than a float or the default
# context holds, so an order or spelling slip would show.
PRICES = [Decimal(t) for t in ("0.5", "1", "1.0", "1.5", "1.50", "2.25", "3", "10", "10.00")]
PRICES += [Decimal("1." + "0" * 30 + str(d)) for d in range(1, 5)]
prices = st.sampled_from(PRICES)
sizes = st.sampled_from(["0", "0.000", "1", "2.5", "0.001", "7"]).map(Decimal)
batches = st.lists(st.lists(st.tuples(prices, sizes), max_size=6), max_size=60)
snapshot = st.lists(st.tuples(prices, sizes), max_size=8)


def spelled(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[str, str]]:
    return [(str(p), str(q)) for p, q in levels]


@settings(max_examples=300, deadline=None)
@given(is_bid=st.booleans(), start=snapshot, updates=batches)
def test_every_read_matches_the_sorted_side(
    is_bid: bool, start: list[tuple[Decimal, Decimal]], updates: list[list[tuple[Decimal, Decimal]]]
) -> None:
    want, got = BookSide(is_bid), HeapSide(is_bid)
    want.load(start)
    got.load(start)
    for batch in updates:
        want.set_many(batch)
        got.set_many(batch)
        assert len(got) == len(want)
        best, have = want.best_level(), got.best_level()
        assert (best is None) == (have is None)
        if best is not None and have is not None:
            assert spelled([have]) == spelled([best])  # the same objects, as first inserted
    assert spelled(got.top(5)) == spelled(want.top(5))
    assert spelled(list(got.levels_best_first())) == spelled(list(want.levels_best_first()))
    assert list(got.prices_best_first()) == list(want.prices_best_first())
    for probe in PRICES:
        assert got.qty_ahead(probe) == want.qty_ahead(probe)
        assert got.qty_at(probe) == want.qty_at(probe)
    want.truncate(3)
    got.truncate(3)
    assert spelled(got.top(10)) == spelled(want.top(10))


@settings(max_examples=100, deadline=None)
@given(
    ops=st.lists(st.tuples(st.booleans(), prices, sizes), max_size=200),
)
def test_single_sets_return_the_old_size_and_the_heap_stays_bounded(
    ops: list[tuple[bool, Decimal, Decimal]],
) -> None:
    want, got = OrderBook("X"), HeapBook("X")
    for is_bid, price, qty in ops:
        w, g = (want.bids, got.bids) if is_bid else (want.asks, got.asks)
        assert g.set(price, qty) == w.set(price, qty)
        assert got.best_bid() == want.best_bid() and got.best_ask() == want.best_ask()
    for side in (got.bids, got.asks):
        assert isinstance(side, HeapSide)
        assert len(side._heap) <= 2 * len(side) + 64  # rebuilt before stale entries pile up
    got.bids.clear()
    assert got.bids.best() is None and len(got.bids) == 0


def test_a_verify_session_uses_it_and_a_feed_session_does_not() -> None:
    verify = BinanceBook(Context(["f"], "replay", market_data=False, scan=False), "binance", "X")
    feed = BinanceBook(Context(["f"], "replay", market_data=True, scan=False), "binance", "X")
    assert isinstance(verify.book, HeapBook)
    assert type(feed.book) is OrderBook  # an engine's book must keep its sorted order
