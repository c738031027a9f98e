"""OrderBook and BookSide against a naive reference: a plain dict, sorted on every read."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tradeterm.domain.book import BookSide, OrderBook
from tradeterm.domain.enums import Side

# Several spellings of the same value ("1.5" / "1.50", "3" / "3.0") on purpose:
# the book must treat prices that are equal by value as one level.
PRICE_TEXTS = (
    "0.5",
    "1",
    "1.5",
    "1.50",
    "2",
    "2.25",
    "3",
    "3.0",
    "4.75",
    "5",
    "7.3",
    "10",
    "10.00",
    "11.9",
)
PRICES = [Decimal(p) for p in PRICE_TEXTS]
PROBES = [*PRICES, Decimal("0.1"), Decimal("2.6"), Decimal("12")]  # also prices never quoted
STEPS = [Decimal("0.5"), Decimal("1"), Decimal("2.5")]

prices = st.sampled_from(PRICES)
sizes = st.sampled_from(["0", "0.0", "1", "2.5", "0.001", "7", "13.25"]).map(Decimal)
nonzero_sizes = st.sampled_from(["1", "2.5", "0.001", "7", "13.25"]).map(Decimal)
level_lists = st.lists(st.tuples(prices, sizes), max_size=8)
snapshots = st.dictionaries(prices, sizes, max_size=10).map(lambda d: list(d.items()))


class RefSide:
    """The obvious implementation: a dict, sorted best-first whenever it is read."""

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[Fraction, Decimal] = {}

    def set(self, price: Decimal, qty: Decimal) -> Decimal:
        key = Fraction(price)
        old = self.levels.get(key, Decimal(0))
        if qty == 0:
            self.levels.pop(key, None)
        else:
            self.levels[key] = qty
        return old

    def load(self, levels: list[tuple[Decimal, Decimal]]) -> None:
        self.levels = {}
        for price, qty in levels:
            self.set(price, qty)

    def best_first(self) -> list[tuple[Fraction, Decimal]]:
        return sorted(self.levels.items(), reverse=self.is_bid)

    def best(self) -> Fraction | None:
        levels = self.best_first()
        return levels[0][0] if levels else None

    def truncate(self, depth: int) -> None:
        self.levels = dict(self.best_first()[:depth])

    def qty_ahead(self, price: Decimal) -> Decimal:
        p = Fraction(price)
        better = (q for k, q in self.levels.items() if (k > p if self.is_bid else k < p))
        return sum(better, Decimal(0))

    def grouped(self, n: int, step: Decimal) -> list[tuple[Fraction, Decimal]]:
        s = Fraction(step)
        buckets: dict[Fraction, Decimal] = {}
        for k, q in self.levels.items():
            units = math.floor(k / s) if self.is_bid else math.ceil(k / s)
            bucket = units * s
            buckets[bucket] = buckets.get(bucket, Decimal(0)) + q
        return sorted(buckets.items(), reverse=self.is_bid)[:n]


def as_fractions(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[Fraction, Decimal]]:
    return [(Fraction(p), q) for p, q in levels]


def check_side(side: BookSide, ref: RefSide) -> None:
    expected = ref.best_first()
    assert len(side) == len(expected)
    assert as_fractions(list(side.levels_best_first())) == expected
    assert [Fraction(p) for p in side.prices_best_first()] == [k for k, _ in expected]
    for n in range(1, len(expected) + 2):
        assert as_fractions(side.top(n)) == expected[:n]
    best = side.best()
    assert (None if best is None else Fraction(best)) == ref.best()
    best_level = side.best_level()
    assert (None if best_level is None else (Fraction(best_level[0]), best_level[1])) == (
        expected[0] if expected else None
    )
    for price in PROBES:
        assert side.qty_at(price) == ref.levels.get(Fraction(price), 0)
        assert (price in side) == (Fraction(price) in ref.levels)
        assert side.qty_ahead(price) == ref.qty_ahead(price)
    for step in STEPS:
        groups = ref.grouped(len(expected) + 1, step)
        for n in {1, 2, len(groups), len(groups) + 1} - {0}:
            assert as_fractions(side.grouped(n, step)) == groups[:n], (n, step)


class BookMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book = OrderBook("TEST/USD")
        self.ref = {Side.BUY: RefSide(True), Side.SELL: RefSide(False)}
        self.version = 0

    @rule(side=st.sampled_from(Side), price=prices, qty=sizes)
    def set_level(self, side: Side, price: Decimal, qty: Decimal) -> None:
        previous = self.book.side(side).set(price, qty)
        assert previous == self.ref[side].set(price, qty)

    @rule(bids=level_lists, asks=level_lists)
    def apply_deltas(self, bids: list, asks: list) -> None:
        self.book.apply(bids, asks)
        self.version += 1
        for price, qty in bids:
            self.ref[Side.BUY].set(price, qty)
        for price, qty in asks:
            self.ref[Side.SELL].set(price, qty)

    @rule(bids=snapshots, asks=snapshots, seq=st.integers(0, 10**6))
    def load_snapshot(self, bids: list, asks: list, seq: int) -> None:
        self.book.load(bids, asks, seq)
        self.version += 1
        assert self.book.seq == seq
        self.ref[Side.BUY].load(bids)
        self.ref[Side.SELL].load(asks)

    @precondition(lambda self: len(self.book.bids) + len(self.book.asks) > 0)
    @rule(side=st.sampled_from(Side), depth=st.integers(0, 12))
    def truncate(self, side: Side, depth: int) -> None:
        self.book.side(side).truncate(depth)
        self.ref[side].truncate(depth)

    @rule(side=st.sampled_from(Side))
    def clear(self, side: Side) -> None:
        self.book.side(side).clear()
        self.ref[side].levels.clear()

    @invariant()
    def sides_match_reference(self) -> None:
        check_side(self.book.bids, self.ref[Side.BUY])
        check_side(self.book.asks, self.ref[Side.SELL])

    @invariant()
    def touch_figures_match(self) -> None:
        bid, ask = self.ref[Side.BUY].best(), self.ref[Side.SELL].best()
        book = self.book
        assert (None if book.best_bid() is None else Fraction(book.best_bid())) == bid
        assert (None if book.best_ask() is None else Fraction(book.best_ask())) == ask
        if bid is None or ask is None:
            assert book.mid() is None
            assert book.spread() is None
            assert book.spread_bps() is None
            assert not book.is_crossed()
        else:
            assert Fraction(book.mid()) == (bid + ask) / 2
            assert Fraction(book.spread()) == ask - bid
            expected_bps = float((ask - bid) / ((ask + bid) / 2)) * 10_000
            assert book.spread_bps() == pytest.approx(expected_bps, rel=1e-9, abs=1e-9)
            assert book.is_crossed() == (bid >= ask)

    @invariant()
    def version_counts_snapshots_and_deltas(self) -> None:
        assert self.book.version == self.version


TestBookMachine = BookMachine.TestCase
TestBookMachine.settings = settings(
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def D(value: str | int) -> Decimal:
    return Decimal(value)


def test_prices_equal_by_value_are_one_level() -> None:
    side = BookSide(is_bid=True)
    side.set(D("1.50"), D("2"))
    assert side.set(D("1.5"), D("3")) == D("2")
    assert len(side) == 1
    assert side.qty_at(D("1.500")) == D("3")
    assert side.top(5) == [(D("1.5"), D("3"))]
    assert side.set(D("1.5000"), D("0")) == D("3")
    assert len(side) == 0
    assert side.best() is None


def test_deleting_an_absent_level_is_a_no_op() -> None:
    side = BookSide(is_bid=False)
    side.set(D("10"), D("1"))
    assert side.set(D("11"), D("0")) == 0
    assert side.top(5) == [(D("10"), D("1"))]
    empty = BookSide(is_bid=True)
    assert empty.set(D("1"), D("0")) == 0
    assert len(empty) == 0


def test_snapshot_replaces_the_book_and_skips_zero_sizes() -> None:
    book = OrderBook("X/Y")
    book.apply([(D("9"), D("1")), (D("8"), D("2"))], [(D("11"), D("1"))])
    book.load([(D("7"), D("5")), (D("6"), D("0"))], [(D("12"), D("4"))], seq=42)
    assert book.bids.top(10) == [(D("7"), D("5"))]
    assert book.asks.top(10) == [(D("12"), D("4"))]
    assert book.seq == 42
    assert book.spread() == D("5")
    assert book.mid() == D("9.5")


def test_side_accessor_maps_buy_to_bids_and_sell_to_asks() -> None:
    book = OrderBook("X/Y")
    assert book.side(Side.BUY) is book.bids
    assert book.side(Side.SELL) is book.asks


def test_grouping_never_makes_a_group_look_better_than_its_prices() -> None:
    bids = BookSide(is_bid=True)
    asks = BookSide(is_bid=False)
    for price, qty in (("100.4", "1"), ("100.9", "2"), ("101.2", "3"), ("99.0", "4")):
        bids.set(D(price), D(qty))
        asks.set(D(price), D(qty))
    # bids floor to the step: 101.2 -> 101; 100.9 and 100.4 -> 100; 99.0 -> 99
    assert bids.grouped(10, D("1")) == [(D("101"), D("3")), (D("100"), D("3")), (D("99"), D("4"))]
    # asks ceil to the step: 99.0 -> 99; 100.4 and 100.9 -> 101; 101.2 -> 102
    assert asks.grouped(10, D("1")) == [(D("99"), D("4")), (D("101"), D("3")), (D("102"), D("3"))]
    assert bids.grouped(2, D("1")) == [(D("101"), D("3")), (D("100"), D("3"))]


def test_truncate_keeps_the_best_levels_of_each_side() -> None:
    bids = BookSide(is_bid=True)
    asks = BookSide(is_bid=False)
    for i in range(1, 11):
        bids.set(D(i), D(i))
        asks.set(D(i), D(i))
    bids.truncate(3)
    asks.truncate(3)
    assert [p for p, _ in bids.levels_best_first()] == [D(10), D(9), D(8)]
    assert [p for p, _ in asks.levels_best_first()] == [D(1), D(2), D(3)]
    assert bids.qty_at(D(7)) == 0
    assert asks.qty_at(D(4)) == 0
    # the dropped levels are really gone: setting them again makes a new level
    assert bids.set(D(5), D(1)) == 0
    assert len(bids) == 4


def test_qty_ahead_counts_strictly_better_prices_only() -> None:
    bids = BookSide(is_bid=True)
    for price, qty in (("10", "1"), ("9", "2"), ("8", "4")):
        bids.set(D(price), D(qty))
    assert bids.qty_ahead(D("9")) == D("1")
    assert bids.qty_ahead(D("8.5")) == D("3")
    assert bids.qty_ahead(D("11")) == 0
    assert bids.qty_ahead(D("1")) == D("7")


def test_top_of_zero_levels_is_empty_on_both_sides() -> None:
    for is_bid in (True, False):
        side = BookSide(is_bid=is_bid)
        for p in ("1", "2", "3"):
            side.set(D(p), D("1"))
        assert side.top(0) == [], "bids" if is_bid else "asks"


def test_grouped_zero_levels_is_empty() -> None:
    for is_bid in (True, False):
        side = BookSide(is_bid=is_bid)
        for p in ("1", "2", "3"):
            side.set(D(p), D("1"))
        assert side.grouped(0, D("1")) == [], "bids" if is_bid else "asks"
