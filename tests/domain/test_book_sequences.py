"""OrderBook after long random update sequences equals a plain dict book, on both sides.

The prices here are drawn widely (many scales, spellings with trailing zeros,
and prices longer than the default 28-digit ``Decimal`` context) so that the
sorted price lists are exercised where a rounding or ordering slip would show.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.domain.book import BookSide, OrderBook

Level = tuple[Decimal, Decimal]

# Prices longer than the default context precision (28 digits) that differ only
# in their last digit: any step that rounds them would merge or misorder them.
LONG = [Decimal("1." + "0" * 30 + str(d)) for d in range(1, 10)]

prices = st.one_of(
    st.integers(1, 2_000).map(lambda t: Decimal(t).scaleb(-2)),  # 0.01 .. 20.00
    st.integers(1, 2_000).map(lambda t: Decimal(f"{t / 100:.2f}0")),  # same, another spelling
    st.integers(1, 50).map(Decimal),
    st.sampled_from(LONG),
)
sizes = st.one_of(
    st.just(Decimal("0")),
    st.just(Decimal("0.000")),
    st.integers(1, 10_000).map(lambda t: Decimal(t).scaleb(-3)),
)
updates = st.lists(st.tuples(st.booleans(), prices, sizes), max_size=300)


class DictBook:
    """The reference: levels in a dict keyed by exact value, sorted whenever read."""

    def __init__(self) -> None:
        self.sides: dict[bool, dict[Fraction, Decimal]] = {True: {}, False: {}}

    def set(self, is_bid: bool, price: Decimal, qty: Decimal) -> Decimal:
        levels = self.sides[is_bid]
        old = levels.pop(Fraction(price), Decimal(0))
        if qty:
            levels[Fraction(price)] = qty
        return old

    def best_first(self, is_bid: bool) -> list[tuple[Fraction, Decimal]]:
        return sorted(self.sides[is_bid].items(), reverse=is_bid)


def exact(levels: list[Level]) -> list[tuple[Fraction, Decimal]]:
    return [(Fraction(p), q) for p, q in levels]


def assert_same(side: BookSide, expected: list[tuple[Fraction, Decimal]]) -> None:
    assert len(side) == len(expected)
    assert exact(list(side.levels_best_first())) == expected
    assert exact(side.top(20)) == expected[:20]
    assert exact(side.top(len(expected) + 5)) == expected
    best = side.best()
    assert (None if best is None else Fraction(best)) == (expected[0][0] if expected else None)


@settings(max_examples=150, deadline=None)
@given(updates)
def test_level_by_level_updates_match_a_dict_book(
    stream: list[tuple[bool, Decimal, Decimal]],
) -> None:
    book, ref = OrderBook("X/Y"), DictBook()
    for step, (is_bid, price, qty) in enumerate(stream):
        side = book.bids if is_bid else book.asks
        assert side.set(price, qty) == ref.set(is_bid, price, qty)
        if step % 25 == 0:
            assert_same(side, ref.best_first(is_bid))
    assert_same(book.bids, ref.best_first(True))
    assert_same(book.asks, ref.best_first(False))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(prices, sizes)), st.lists(st.tuples(prices, sizes)))))
def test_batched_messages_match_a_dict_book(
    messages: list[tuple[list[Level], list[Level]]],
) -> None:
    book, ref = OrderBook("X/Y"), DictBook()
    for bids, asks in messages:
        book.apply(bids, asks)
        for price, qty in bids:
            ref.set(True, price, qty)
        for price, qty in asks:
            ref.set(False, price, qty)
    assert_same(book.bids, ref.best_first(True))
    assert_same(book.asks, ref.best_first(False))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(prices, sizes), unique_by=lambda level: Fraction(level[0])),
    updates,
    st.integers(0, 30),
)
def test_snapshot_then_updates_then_truncate_match_a_dict_book(
    snapshot: list[Level], stream: list[tuple[bool, Decimal, Decimal]], depth: int
) -> None:
    book, ref = OrderBook("X/Y"), DictBook()
    book.load(snapshot, snapshot)
    for price, qty in snapshot:
        ref.set(True, price, qty)
        ref.set(False, price, qty)
    for is_bid, price, qty in stream:
        (book.bids if is_bid else book.asks).set(price, qty)
        ref.set(is_bid, price, qty)
    for is_bid in (True, False):
        side = book.bids if is_bid else book.asks
        side.truncate(depth)
        kept = ref.best_first(is_bid)[:depth]
        ref.sides[is_bid] = dict(kept)
        assert_same(side, kept)
        # the book still works after the cut: add back a level past the old depth
        side.set(Decimal("7.77"), Decimal("1"))
        assert Decimal("7.77") in side
        ref.set(is_bid, Decimal("7.77"), Decimal("1"))
        assert_same(side, ref.best_first(is_bid))


def test_prices_beyond_the_context_precision_stay_distinct_and_ordered() -> None:
    book = OrderBook("X/Y")
    for price in LONG:
        book.bids.set(price, Decimal("1"))
        book.asks.set(price, Decimal("1"))
    assert [p for p, _ in book.asks.top(9)] == LONG
    assert [p for p, _ in book.bids.top(9)] == LONG[::-1]
    # removing the middle one removes exactly it, on both sides
    middle = LONG[4]
    assert book.asks.set(middle, Decimal("0")) == Decimal("1")
    assert book.bids.set(middle, Decimal("0")) == Decimal("1")
    assert [p for p, _ in book.asks.top(9)] == LONG[:4] + LONG[5:]
    assert [p for p, _ in book.bids.top(9)] == (LONG[:4] + LONG[5:])[::-1]
    assert book.best_ask() == LONG[0]
    assert book.best_bid() == LONG[-1]
