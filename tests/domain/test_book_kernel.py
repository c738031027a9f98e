"""The C level path of the book (``_book.c``) and its Python twins give the same books,
values, errors and caches; ``TRADETERM_KERNELS=numpy`` switches the C path off."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeterm.domain import book_kernel
from tradeterm.domain.book import BookSide, OrderBook
from tradeterm.venues.binance.decode import _Numbers
from tradeterm.venues.replay.state import _Memo

C = book_kernel.C_MODULE
needs_c = pytest.mark.skipif(C is None, reason="C book not built: pip install -e . --no-deps")

TICKED = st.integers(min_value=1, max_value=60).map(lambda n: Decimal(n).scaleb(-1))
"""A small pool of prices, so levels are updated and deleted again."""
SPELLED = st.sampled_from(
    ["1.0", "1.00", "1", "0.1", "0.10", "2.5", "2.50", "-0", "0", "-1.5", "1E+1", "10"]
).map(Decimal)
"""Equal values with different spellings (the dict keeps the first object it was given)."""
ODD = st.sampled_from(
    [
        "1E+400",
        "-1E+400",
        "1E-400",
        "123456789012345678901234567890.123",
        "-123456789012345678901234567890.123",
        "99999999999999999999",
        "9999999999999999999",
        "0.0000000000000000001",
        "Infinity",
        "-Infinity",
        "1E+999999999999999999",
    ]
).map(Decimal)
FINITE = st.decimals(allow_nan=False, allow_infinity=False)
PRICES = st.one_of(TICKED, TICKED, SPELLED, ODD, FINITE)
SIZES = st.one_of(
    st.sampled_from(["0", "0.000", "-0", "0E+5"]).map(Decimal),
    st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-3)),
    FINITE,
)
LEVELS = st.lists(st.tuples(PRICES, SIZES), max_size=40)

Side = tuple[dict[Decimal, Decimal], list[Decimal], list[Decimal]]
SetMany = Callable[..., None]


def fresh(is_bid: bool) -> Side:
    prices: list[Decimal] = []
    return {}, prices, prices if is_bid else []


def run(set_many: SetMany, is_bid: bool, batches: list[list[Any]]) -> tuple[Side, list[str]]:
    """Apply each batch to one side; the side and what each batch raised."""
    side = fresh(is_bid)
    raised = []
    for batch in batches:
        try:
            set_many(side[0], side[1], side[2], is_bid, batch)
            raised.append("")
        except Exception as error:
            raised.append(type(error).__name__)
    return side, raised


def spelled(side: Side) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """A side as text, digit for digit, in its own orders (dict, prices, keys)."""
    levels, prices, keys = side
    return (
        [(repr(p), repr(q)) for p, q in levels.items()],
        [repr(p) for p in prices],
        [repr(k) for k in keys],
    )


@needs_c
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(LEVELS, min_size=1, max_size=6), is_bid=st.booleans())
def test_c_and_python_set_many_build_the_same_side(
    batches: list[list[tuple[Decimal, Decimal]]], is_bid: bool
) -> None:
    assert C is not None
    c_side, c_raised = run(C.set_many, is_bid, batches)
    py_side, py_raised = run(book_kernel.set_many_python, is_bid, batches)
    assert c_raised == py_raised
    assert spelled(c_side) == spelled(py_side)
    # the same objects, not just equal values: the dict keeps the first spelling it saw
    assert [id(p) for p in c_side[1]] == [id(p) for p in py_side[1]]
    assert all(a is b for a, b in zip(c_side[0].values(), py_side[0].values(), strict=True))


@needs_c
@settings(max_examples=200, deadline=None)
@given(
    batches=st.lists(
        st.lists(
            st.tuples(st.one_of(TICKED, st.sampled_from([Decimal("NaN"), Decimal("sNaN")])), SIZES),
            max_size=12,
        ),
        min_size=1,
        max_size=4,
    ),
    is_bid=st.booleans(),
)
def test_nan_prices_raise_at_the_same_step_on_both_paths(
    batches: list[list[tuple[Decimal, Decimal]]], is_bid: bool
) -> None:
    assert C is not None
    c_side, c_raised = run(C.set_many, is_bid, batches)
    py_side, py_raised = run(book_kernel.set_many_python, is_bid, batches)
    assert c_raised == py_raised
    assert spelled(c_side) == spelled(py_side)


@needs_c
@settings(max_examples=300, deadline=None)
@given(a=st.one_of(PRICES, SIZES), b=st.one_of(PRICES, SIZES))
def test_the_c_comparison_and_hash_are_decimals_own(a: Decimal, b: Decimal) -> None:
    assert C is not None
    assert C.compare(a, b) == (a > b) - (a < b)
    assert C.decimal_hash(a) == hash(Decimal(str(a)))


@needs_c
def test_the_fast_comparison_is_in_use_on_cpython() -> None:
    assert C is not None
    assert C.FAST_COMPARE is (sys.implementation.name == "cpython")


@needs_c
@pytest.mark.parametrize(
    ("level", "shape"),
    [
        ((1.5, Decimal(1)), False),
        ((Decimal(1), 2), False),
        (("1.5", "2"), False),
        ((Decimal(1),), True),
        ((Decimal(1), Decimal(2), Decimal(3)), True),
        (Decimal(1), True),
        (None, True),
        ("123", True),
    ],
)
@pytest.mark.parametrize("is_bid", [True, False])
def test_c_set_many_refuses_what_is_no_pair_of_decimals(
    level: object, shape: bool, is_bid: bool
) -> None:
    assert C is not None
    side = fresh(is_bid)
    good = (Decimal("2"), Decimal("1"))
    with pytest.raises(TypeError, match="book level"):
        C.set_many(side[0], side[1], side[2], is_bid, [good, level, good])
    assert side[0] == {Decimal("2"): Decimal("1")}  # the levels before it were applied
    assert side[1] == [Decimal("2")]
    if shape:  # (Python takes a float or int where a comparison with Decimal works)
        with pytest.raises((TypeError, ValueError)):
            py = fresh(is_bid)
            book_kernel.set_many_python(py[0], py[1], py[2], is_bid, [level])


@needs_c
def test_c_set_many_refuses_the_wrong_containers() -> None:
    assert C is not None
    with pytest.raises(TypeError, match="5 or 6 arguments"):
        C.set_many({}, [], [], True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="dict"):
        C.set_many([], [], [], True, [])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="keys are its prices"):
        C.set_many({}, [], [], True, [])
    with pytest.raises(TypeError):
        C.set_many({}, [], [], False, 5)  # type: ignore[arg-type]


def test_book_side_runs_the_selected_path() -> None:
    side = BookSide(is_bid=False)
    side.set_many([(Decimal("2"), Decimal("1")), (Decimal("1"), Decimal("3"))])
    assert side.top(2) == [(Decimal("1"), Decimal("3")), (Decimal("2"), Decimal("1"))]
    assert book_kernel.set_many is (
        C.set_many if book_kernel.ON and C is not None else book_kernel.set_many_python
    )


RAW_TEXT = st.one_of(
    st.from_regex(r"\A[0-9]{1,6}(\.[0-9]{0,8})?\Z"),
    st.from_regex(r"\A[0-9]{17,22}(\.[0-9]{0,30})?\Z"),  # 19 digits or more: the constructor
    st.sampled_from(["0.00000000", "1.", "00012.5000", "1e5", "-1", "NaN", "Infinity", " 1"]),
    st.sampled_from(["", ".", "1.2.3", "１２", "²", "+1", "1_000", "0x10", "sNaN"]),
    st.integers(min_value=0, max_value=99),
)
RAW_LEVELS = st.lists(
    st.one_of(
        st.lists(RAW_TEXT, min_size=2, max_size=2),
        st.tuples(RAW_TEXT, RAW_TEXT),
        st.lists(RAW_TEXT, min_size=0, max_size=3),
    ),
    max_size=20,
)


def outcome(parse: Callable[..., Any], raw: Any, prices: Any, sizes: Any) -> Any:
    try:
        return [(repr(p), repr(q), hash(p), hash(q)) for p, q in parse(raw, prices, sizes)]
    except Exception as error:
        return type(error).__name__, str(error)


def plain(text: object) -> bool:
    """What the C parse makes itself: ASCII digits, at most one '.', a digit first."""
    return (
        type(text) is str
        and 0 < len(text) <= 200
        and text.isascii()
        and text[0].isdigit()
        and text.replace(".", "", 1).isdigit()
    )


@needs_c
@settings(max_examples=200, deadline=None)
@given(batches=st.lists(RAW_LEVELS, min_size=1, max_size=5), limit=st.integers(1, 8))
@pytest.mark.parametrize("cache", [_Numbers, _Memo])
def test_c_and_python_parse_give_the_same_levels_and_errors(
    cache: type[dict[str, Decimal]], batches: list[Any], limit: int
) -> None:
    """Equal Decimals (digits, exponent, hash) and the same errors; C asks the caches only
    about text that is not a plain number."""
    assert C is not None

    def pair() -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        made = (cache("price"), cache("size")) if cache is _Numbers else (cache(), cache())
        for each in made:
            each.limit = limit  # type: ignore[attr-defined]
        return made

    c_caches, py_caches = pair(), pair()
    for raw in batches:
        expected = outcome(book_kernel.parse_python, raw, *py_caches)
        assert outcome(C.parse, raw, *c_caches) == expected
        for c_cache in c_caches:
            assert not any(plain(text) for text in c_cache)


@needs_c
def test_c_parse_asks_the_mappings_only_about_text_that_is_not_plain() -> None:
    assert C is not None
    asked: list[str] = []

    class Odd(dict[str, Decimal]):
        def __missing__(self, text: str) -> Decimal:
            asked.append(text)
            return Decimal(text) + 1

    got = C.parse([["1.50", "2E0"], ("0.000", " 3")], Odd(), Odd())
    assert got == [(Decimal("1.50"), Decimal(3)), (Decimal(0), Decimal(4))]
    assert asked == ["2E0", " 3"]
    assert str(got[1][0]) == "0.000" and hash(got[0][0]) == hash(Decimal("1.5"))
    with pytest.raises(KeyError):
        C.parse([["1", "-2"]], {}, {})
    with pytest.raises(TypeError, match="iterable"):
        C.parse(5, {}, {})  # type: ignore[arg-type]


def test_the_switch_turns_the_c_book_off() -> None:
    code = (
        "from tradeterm.domain import book_kernel as k;"
        "print(k.ON, k.set_many is k.set_many_python, k.parse is k.parse_python)"
    )
    env = dict(os.environ, TRADETERM_KERNELS="numpy")
    off = subprocess.run(
        [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True
    )
    assert off.stdout.split() == ["False", "True", "True"], off.stderr
    env.pop("TRADETERM_KERNELS")
    on = subprocess.run(
        [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True
    )
    built = C is not None
    assert on.stdout.split() == [str(built), str(not built), str(not built)], on.stderr


def test_an_order_book_reads_the_same_after_either_path() -> None:
    levels = [(Decimal(p), Decimal(q)) for p, q in [("10.5", "1"), ("10.4", "2"), ("10.6", "0")]]
    book = OrderBook("X")
    book.apply(levels, [(Decimal("11"), Decimal("1")), (Decimal("10.9"), Decimal("4"))])
    book.apply([(Decimal("10.4"), Decimal("0"))], [(Decimal("11.0"), Decimal("0"))])
    assert book.bids.top(5) == [(Decimal("10.5"), Decimal("1"))]
    assert book.asks.top(5) == [(Decimal("10.9"), Decimal("4"))]
    assert book.spread() == Decimal("0.4")


def run_one(set_level: Callable[..., Any], is_bid: bool, levels: list[Any]) -> Any:
    """Set each level on its own; the side and what each call returned or raised."""
    side = fresh(is_bid)
    answers = []
    for price, qty in levels:
        try:
            old = set_level(side[0], side[1], side[2], is_bid, price, qty)
            answers.append(None if old is None else repr(old))
        except Exception as error:
            answers.append(type(error).__name__)
    return spelled(side), answers


@needs_c
@settings(max_examples=300, deadline=None)
@given(
    levels=st.lists(
        st.tuples(st.one_of(PRICES, st.sampled_from([Decimal("NaN")])), SIZES), max_size=60
    ),
    is_bid=st.booleans(),
)
def test_c_and_python_set_level_give_the_same_side_and_answers(
    levels: list[tuple[Decimal, Decimal]], is_bid: bool
) -> None:
    assert C is not None
    assert run_one(C.set_level, is_bid, levels) == run_one(
        book_kernel.set_level_python, is_bid, levels
    )


@needs_c
def test_c_set_level_refuses_what_is_no_decimal() -> None:
    assert C is not None
    with pytest.raises(TypeError, match=r"must be Decimals, not float and decimal\.Decimal"):
        C.set_level({}, [], [], False, 1.5, Decimal(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="6 or 7 arguments"):
        C.set_level({}, [], [], False, Decimal(1))  # type: ignore[call-arg]
