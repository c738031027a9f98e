"""The C book side searching its ``PriceIndex`` (int64 keys) reads the same as the Python
twin and as a plain dict sorted on every read, through any mix of updates, loads,
truncates and clears, for prices that have a key and prices that do not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeterm.domain import book, book_kernel
from tradeterm.domain.book import BookSide

C = book_kernel.C_MODULE
needs_c = pytest.mark.skipif(
    C is None or not book_kernel.ON, reason="C book not built or switched off"
)

NEAR = st.integers(min_value=617_990, max_value=618_030).map(lambda n: Decimal(n).scaleb(-1))
"""A deep, busy band of ticks: new prices, removals, re-adds."""
SPELLINGS = st.sampled_from(
    ["61800.3", "61800.30", "61800.30000000", "61800.300000000000000", "6.18003E+4"]
).map(Decimal)
"""One value spelled five ways, the last two beyond the keys' 19 digits or in E notation."""
EDGES = st.sampled_from(
    [
        "9223372036854775807",  # the largest int64 key
        "9223372036854775808",  # one past it: no key
        "-9223372036854775807",
        "922337203685477580.7",
        "99999999999999999999",  # 20 digits
        "1234567890.1234567891",  # 20 digits after the point too
        "1E+18",
        "1E+19",
        "1E-18",
        "1E-30",  # a rescale of 1E+18 by 10**48: no room
        "0.000000001",
        "0",
        "-0",
        "-61800.3",
        "Infinity",
        "-Infinity",
        "1E+999999",
    ]
).map(Decimal)
FINITE = st.decimals(allow_nan=False, allow_infinity=False)
PRICES = st.one_of(NEAR, NEAR, NEAR, SPELLINGS, EDGES, FINITE)
SIZES = st.one_of(
    st.sampled_from(["0", "0.00000000", "-0"]).map(Decimal),
    st.integers(min_value=1, max_value=500).map(lambda n: Decimal(n).scaleb(-4)),
)
LEVELS = st.lists(st.tuples(PRICES, SIZES), max_size=30)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("many"), LEVELS),
        st.tuples(st.just("many"), LEVELS),
        st.tuples(st.just("set"), st.tuples(PRICES, SIZES)),
        st.tuples(st.just("load"), st.lists(st.tuples(PRICES, SIZES), max_size=40)),
        st.tuples(st.just("truncate"), st.integers(min_value=0, max_value=25)),
        st.tuples(st.just("clear"), st.none()),
    ),
    min_size=1,
    max_size=25,
)
PROBES = [Decimal("61800.3"), Decimal("61799.95"), Decimal("0"), Decimal("1E+19")]


@contextmanager
def python_path() -> Iterator[None]:
    """BookSides made and used inside run the Python twins (as TRADETERM_KERNELS=numpy)."""
    with (
        patch.object(book, "_set_many", book_kernel.set_many_python),
        patch.object(book, "_set_level", book_kernel.set_level_python),
        patch.object(book, "new_index", lambda is_bid: None),
    ):
        yield


def apply(side: BookSide, op: str, arg: Any) -> object:
    if op == "many":
        side.set_many(arg)
    elif op == "set":
        return repr(side.set(*arg))
    elif op == "load":
        side.load(arg)
    elif op == "truncate":
        side.truncate(arg)
    else:
        side.clear()
    return None


def reading(side: BookSide, answer: object) -> tuple[object, ...]:
    """Every reader of a side, with each object's spelling and identity."""
    levels = list(side.levels_best_first())
    best = side.best_level()
    return (
        answer,
        [(repr(p), repr(q), id(p), id(q)) for p, q in levels],
        [repr(p) for p in side.prices_best_first()],
        [(repr(p), repr(q)) for p, q in side.top(3)],
        len(side),
        repr(side.best()),
        None if best is None else (repr(best[0]), repr(best[1])),
        [(p in side, repr(side.qty_at(p)), repr(side.qty_ahead(p))) for p in PROBES],
        grouped(side),
    )


def grouped(side: BookSide) -> object:
    try:
        return [(repr(p), repr(q)) for p, q in side.grouped(3, Decimal("0.5"))]
    except ValueError as error:  # (an infinite or huge price cannot be rounded to a step)
        return str(error)


def run(is_bid: bool, ops: list[tuple[str, Any]]) -> list[tuple[object, ...]]:
    side = BookSide(is_bid)
    return [reading(side, apply(side, op, arg)) for op, arg in ops]


def reference(is_bid: bool, ops: list[tuple[str, Any]]) -> list[list[tuple[str, str]]]:
    """The side's levels best first after each step, from a dict sorted on every read."""
    levels: dict[Decimal, Decimal] = {}
    out = []
    for op, arg in ops:
        if op in ("many", "set"):
            for price, qty in arg if op == "many" else [arg]:
                if qty:
                    levels[price] = qty
                else:
                    levels.pop(price, None)
        elif op == "load":
            levels = {p: q for p, q in arg if q}
        elif op == "truncate":
            kept = sorted(levels, reverse=is_bid)[:arg]
            levels = {p: levels[p] for p in levels if p in kept}
        else:
            levels.clear()
        out.append([(repr(p), repr(levels[p])) for p in sorted(levels, reverse=is_bid)])
    return out


@needs_c
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, is_bid=st.booleans())
def test_the_indexed_side_reads_as_the_python_twin_and_a_sorted_dict(
    ops: list[tuple[str, Any]], is_bid: bool
) -> None:
    indexed = run(is_bid, ops)
    with python_path():
        twin = run(is_bid, ops)
    assert indexed == twin
    assert [[(p, q) for p, q, _, _ in r[1]] for r in indexed] == reference(is_bid, ops)


@needs_c
@settings(max_examples=200, deadline=None)
@given(batches=st.lists(LEVELS, min_size=1, max_size=6), is_bid=st.booleans())
def test_c_set_many_with_an_index_keeps_a_given_key_list_as_python_does(
    batches: list[list[tuple[Decimal, Decimal]]], is_bid: bool
) -> None:
    assert C is not None
    sides = []
    for set_many, index in (
        (C.set_many, C.PriceIndex(is_bid)),
        (book_kernel.set_many_python, None),
    ):
        prices: list[Decimal] = []
        side = ({}, prices, prices if is_bid else [])
        for batch in batches:
            set_many(*side, is_bid, batch, index)
        sides.append([[repr(x) for x in part] for part in side])
    assert sides[0] == sides[1]


def plain(*texts: str) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(t), Decimal("1")) for t in texts]


@needs_c
def test_the_index_gives_way_to_the_decimal_search_for_a_price_without_a_key() -> None:
    assert C is not None
    index = C.PriceIndex(True)
    levels: dict[Decimal, Decimal] = {}
    prices: list[Decimal] = []
    C.set_many(levels, prices, prices, True, plain("2.5", "1", "3.25"), index)
    assert index.valid
    C.set_many(levels, prices, prices, True, plain("2.50000000000000000000"), index)
    assert index.valid  # an update of a level already there leaves the list as it was
    C.set_many(levels, prices, prices, True, plain("12345678901234567890"), index)
    assert not index.valid
    C.set_many(levels, prices, prices, True, plain("2"), index)
    assert prices == [Decimal(t) for t in ("1", "2", "2.5", "3.25", "12345678901234567890")]
    index.reset(prices[:-1])
    del levels[prices.pop()]
    assert index.valid
    index.reset([Decimal("Infinity")])
    assert not index.valid


@needs_c
def test_a_finer_price_rescales_the_keys_and_an_overflow_falls_back() -> None:
    assert C is not None
    index = C.PriceIndex(False)
    levels: dict[Decimal, Decimal] = {}
    prices: list[Decimal] = []
    C.set_many(levels, prices, None, False, plain("61800", "61900"), index)
    C.set_many(levels, prices, None, False, plain("61800.05", "61799.9"), index)
    assert index.valid
    assert prices == [Decimal(t) for t in ("61900", "61800.05", "61800", "61799.9")]
    C.set_many(levels, prices, None, False, plain("1E-16"), index)  # 6.19E+4 * 10**16 is no int64
    assert not index.valid
    assert prices[-1] == Decimal("1E-16")
    C.set_many(levels, prices, None, False, [(p, Decimal(0)) for p in list(prices)], index)
    C.set_many(levels, prices, None, False, plain("1E-16"), index)
    assert index.valid  # an empty side starts over at the new price's exponent


@needs_c
def test_the_index_refuses_the_other_side_and_a_wrong_type() -> None:
    assert C is not None
    prices: list[Decimal] = []
    with pytest.raises(ValueError, match="other side"):
        C.set_many({}, prices, prices, True, [], C.PriceIndex(False))
    with pytest.raises(TypeError, match="PriceIndex or None"):
        C.set_level({}, prices, prices, True, Decimal(1), Decimal(1), [])  # type: ignore[arg-type]


@needs_c
@pytest.mark.parametrize("is_bid", [True, False])
def test_every_change_to_a_side_keeps_its_index_in_use(is_bid: bool) -> None:
    """(The index gives way, still exact, when the price list changed behind its back: only
    this reading of it shows a change that forgot to tell it.)"""
    side = BookSide(is_bid)
    index = side._index  # (the side's own search structure)
    assert index is not None
    side.load(plain(*(f"618{n:02d}.5" for n in range(40))))
    side.set_many([*plain("61700.25", "61890.125"), (Decimal("61810.5"), Decimal(0))])
    side.set(Decimal("61799.75"), Decimal(2))
    side.truncate(30)
    side.set_many(plain("61805.05"))
    assert index.valid
    side.clear()
    side.set_many(plain("3", "1", "2"))
    assert index.valid
    assert [p for p, _ in side.levels_best_first()] == sorted(
        (Decimal(t) for t in "123"), reverse=is_bid
    )
