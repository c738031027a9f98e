"""The C decoder of Binance text (``venues/_wire.c``) against orjson on generated messages.

Every answer the C functions give must be the one the Python twins (orjson) give: equal
Decimals with the same digits, exponent, str() and hash() as the constructor's; where the
C functions answer None the caller's orjson path decides (and reports) as before.
Malformed text (cut short, whitespace, escapes, exponents, huge numbers, unicode, unknown
or repeated keys, other key orders, trailing text) is generated from valid messages.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tradeterm.domain.book import OrderBook
from tradeterm.venues import wire
from tradeterm.venues.replay.lines import _hft_items

pytestmark = pytest.mark.skipif(wire.C_MODULE is None, reason="the C decoder is not built")
C: Any = wire.C_MODULE

digits = st.text("0123456789", min_size=1, max_size=25)
plain = st.builds(
    lambda a, b, dot: a + ("." + b if dot else ""),
    digits,
    st.text("0123456789", max_size=12),
    st.booleans(),
)
ids = st.integers(0, 10**18 - 1)
levels = st.lists(st.tuples(plain, plain), max_size=12)


@st.composite
def depth_messages(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A depthUpdate object (keys in a drawn order, ``pu`` and ``T`` or not), wrapped or not."""
    fields: dict[str, Any] = {
        "e": "depthUpdate",
        "E": draw(ids),
        "s": draw(st.sampled_from(["BTCUSDT", "ETHBTC", "X"])),
        "U": draw(ids),
        "u": draw(ids),
        "b": [list(level) for level in draw(levels)],
        "a": [list(level) for level in draw(levels)],
    }
    if draw(st.booleans()):
        fields["pu"] = draw(ids)
    if draw(st.booleans()):
        fields["T"] = draw(ids)
    order = draw(st.permutations(list(fields)))
    return {k: fields[k] for k in order}, draw(st.booleans())


def text_of(msg: dict[str, Any], wrapped: bool) -> str:
    body = {"stream": "btcusdt@depth@100ms", "data": msg} if wrapped else msg
    return json.dumps(body, separators=(",", ":"))


def expected(msg: dict[str, Any]) -> tuple[Any, ...]:
    def pairs(raw: list[list[str]]) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(p), Decimal(q)) for p, q in raw]

    return (msg["U"], msg["u"], msg.get("pu"), msg["E"], msg["s"], pairs(msg["b"]), pairs(msg["a"]))


def same_numbers(got: list[tuple[Decimal, Decimal]], want: list[tuple[Decimal, Decimal]]) -> bool:
    """Level for level: Decimals of equal value with the same sign, digits and exponent (so
    the same str()), and the same hash()."""

    def facts(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[Any, ...]]:
        return [(type(x), x.as_tuple(), str(x), hash(x), x) for level in levels for x in level]

    return facts(got) == facts(want)


@settings(max_examples=200, deadline=None)
@given(depth_messages(), st.booleans())
def test_depth_reads_every_plain_layout_as_orjson_does(
    drawn: tuple[dict[str, Any], bool], as_bytes: bool
) -> None:
    msg, wrapped = drawn
    text = text_of(msg, wrapped)
    got = C.depth(text.encode() if as_bytes else text)
    assert got is not None
    want = expected(msg)
    assert got[:5] == want[:5]
    for side, raw in ((got[5], msg["b"]), (got[6], msg["a"])):
        assert same_numbers(side, [(Decimal(p), Decimal(q)) for p, q in raw])
    twin = wire.depth_python(text)
    assert twin is not None
    assert twin[:5] == got[:5]
    assert same_numbers(twin[5], got[5]) and same_numbers(twin[6], got[6])


def mutations(text: str) -> st.SearchStrategy[str]:
    """Text near a valid message: cut, spaced, escaped, exponent, huge, unicode, extra."""
    at = st.integers(0, max(len(text) - 1, 0))
    return st.one_of(
        at.map(lambda i: text[:i]),
        at.map(lambda i: text[:i] + " " + text[i:]),
        at.map(lambda i: text[:i] + "\n" + text[i:]),
        st.just(text.replace('"s":"', '"s":"\\u0042', 1)),
        st.just(text.replace('"s":"', '"s":"é', 1)),
        st.just(text.replace('"u":', '"u":1e', 1)),
        st.just(text.replace('"u":', '"u":-', 1)),
        st.just(text.replace('"u":', '"u":0', 1)),
        st.just(text.replace('"U":', '"U":1' + "9" * 25 + ',"x":', 1)),
        st.just(text.replace('"E":', '"E":1.5,"E2":', 1)),
        st.just(text.replace('"e":', '"u":1,"e":', 1)),
        st.just(text.replace('"e":', '"zz":null,"e":', 1)),
        st.just(text.replace('"e":"depthUpdate"', '"e":"trade"', 1)),
        st.just(text.replace('[["', '[["+', 1)),
        st.just(text.replace('[["', '[["1e5","1"],["', 1)),
        st.just(text.replace('[["', '[["1","2","3"],["', 1)),
        st.just(text.replace('[["', '[[1.5,"2"],["', 1)),
        st.just(text + "x"),
        st.just(text + "}"),
        st.just(text.replace("{", "[", 1)),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), depth_messages(), st.booleans())
def test_depth_on_malformed_text_gives_none_or_the_orjson_answer(
    data: st.DataObject, drawn: tuple[dict[str, Any], bool], as_bytes: bool
) -> None:
    text = data.draw(mutations(text_of(*drawn)))
    got = C.depth(text.encode() if as_bytes else text)
    twin = wire.depth_python(text)
    if got is None:
        return
    assert twin is not None, text
    assert got[:5] == twin[:5]
    assert same_numbers(got[5], twin[5]) and same_numbers(got[6], twin[6])
    data_ = orjson.loads(text)
    data_ = data_.get("data", data_)
    assert got[:2] == (data_["U"], data_["u"])


def test_depth_refuses_what_is_not_a_plain_depth_update() -> None:
    ok = '{"e":"depthUpdate","E":1,"s":"X","U":2,"u":3,"b":[["1.5","2"]],"a":[]}'
    assert C.depth(ok) is not None
    for bad in (
        ok.replace('"b"', '"b" '),  # whitespace
        ok.replace('"X"', '"\\u0058"'),  # an escape
        ok.replace('"u":3', '"u":3e0'),  # an exponent
        ok.replace('"u":3', '"u":1234567890123456789'),  # 19 digits
        ok.replace('"u":3', '"u":3,"u":4'),  # a key twice
        ok.replace('"u":3', '"u":3,"x":4'),  # an unknown key
        ok.replace(',"U":2', ""),  # a key missing
        ok + " ",  # trailing text
        ok.replace('"1.5"', '"1.5.1"'),  # not a number
        ok.replace('"1.5"', '"-1.5"'),
        '{"stream":"x","data":' + ok + ',"more":1}',
        '{"data":' + ok + ',"stream":"x"}',
        ok.encode("utf-16"),
        ok[:-1],
        "",
    ):
        assert C.depth(bad) is None, bad


def test_depth_takes_only_its_text() -> None:
    with pytest.raises(TypeError):
        C.depth("{}", {}, {})
    assert C.depth(12) is None  # neither str nor bytes: the caller's own path


numbers = st.one_of(
    plain,
    st.sampled_from(["0", "0.000", "0.00000000", "000", "00.0100", "1.", "0."]),
    st.integers(0, 10**19 - 1).map(str),  # up to 19 digits: made from the digits
    st.integers(10**19, 10**21).map(str),  # 20+ digits: the constructor
    st.builds(lambda z, d: "0." + "0" * z + d, st.integers(0, 190), digits),  # tiny
    st.builds(lambda z, d: "0" * z + d, st.integers(0, 60), digits),  # leading zeros
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(numbers, numbers), min_size=1, max_size=6))
@example([("9999999999999999999", "99999999999999999999")])
@example([("0.0000000000000000001", "1234567890.123456789")])
def test_fresh_levels_are_the_constructors_values_with_its_hash(
    pairs: list[tuple[str, str]],
) -> None:
    body = ",".join(f'["{p}","{q}"]' for p, q in pairs)
    msg = f'{{"e":"depthUpdate","E":1,"s":"X","U":2,"u":3,"b":[{body}],"a":[{body}]}}'
    want = [(Decimal(p), Decimal(q)) for p, q in pairs]
    if any(len(t) > 200 for pair in pairs for t in pair):
        assert C.depth(msg) is None  # (longer than Binance writes: orjson's path)
        return
    got = C.depth(msg)
    assert got is not None
    assert same_numbers(got[5], want) and same_numbers(got[6], want)
    # a level made either way finds the other's in a dict and in a book
    for (price, _), (twin, _) in zip(got[5], want, strict=True):
        assert {twin: 1}[price] == 1 and {price: 1}[twin] == 1
    book = OrderBook("X/Y")
    book.apply(got[5], [])
    book.apply([(p, Decimal(0)) for p, _ in want], [])
    assert not book.bids  # each level removed by the constructor's Decimal of its price


@st.composite
def trade_messages(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "e": "trade",
        "E": draw(ids),
        "s": "BTCUSDT",
        "t": draw(ids),
        "p": draw(plain),
        "q": draw(plain),
        "T": draw(ids),
        "m": draw(st.booleans()),
    }
    for key, kind in (("M", st.booleans()), ("X", st.just("MARKET")), ("b", ids), ("a", ids)):
        if draw(st.booleans()):
            fields[key] = draw(kind)
    order = draw(st.permutations(list(fields)))
    return {k: fields[k] for k in order}


@settings(max_examples=300, deadline=None)
@given(trade_messages(), st.booleans(), st.booleans(), st.data())
def test_trade_is_what_orjson_reads(
    msg: dict[str, Any], wrapped: bool, mutate: bool, data: st.DataObject
) -> None:
    body = {"stream": "btcusdt@trade", "data": msg} if wrapped else msg
    text = json.dumps(body, separators=(",", ":"))
    if mutate:
        text = data.draw(mutations(text))
    got = C.trade(text)
    if got is None:
        assert mutate
        return
    assert got == wire.trade_python(text)
    assert got == wire.trade_python(text.encode())
    if not mutate:
        assert got == (msg["t"], msg["p"], msg["q"], msg["T"], msg["m"])


line_bodies = st.one_of(
    st.builds(text_of, depth_messages().map(lambda d: d[0]), st.just(True)),
    trade_messages().map(
        lambda m: json.dumps({"stream": "btcusdt@trade", "data": m}, separators=(",", ":"))
    ),
    st.builds(
        lambda u, rest: f'{{"stream":"btcusdt@bookTicker","data":{{"u":{u}{rest}}}}}',
        st.one_of(ids, st.just("12a"), st.just(""), st.just("-3"), st.just("0012")),
        st.sampled_from([',"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"', "", ","]),
    ),
    st.text(max_size=30).map(lambda t: t.replace("\n", "")),
)


def plain_line(line: str) -> bool:
    """``<ASCII digits, at most 19, a signed 64-bit value> <anything>``."""
    head, sep, _ = line.partition(" ")
    return (
        bool(sep)
        and head.isascii()
        and head.isdigit()
        and int(head[:19]) < 2**63
        and len(head) <= 19
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 2**63 - 1).map(str), st.text("0123456789-+ x", max_size=4)),
            line_bodies,
        ),
        min_size=1,
        max_size=8,
    ),
    st.integers(1, 10**6),
    st.booleans(),
)
@example([("1", '{"stream":"a@bookTicker","data":{"u":5,"b":"1"}}')], 1, True)
def test_hft_items_are_the_python_items_with_values_read(
    lines: list[tuple[str, str]], first: int, ending: bool
) -> None:
    text = [f"{ts} {body}" for ts, body in lines]
    want = _hft_items(text, 7, first)
    joined = "\n".join(text) + "\n" * ending
    got, stop = C.hft_items(joined, 0, len(joined), len(text), 7, first)
    assert stop == len(joined)  # every line read or passed over
    assert (got is None) == (not all(map(plain_line, text)))
    if got is None:
        return  # a line that is not "<digits> <text>": the batch is read in Python
    assert want is not None
    assert [(*item[:3], item[3][2] if type(item[3]) is tuple else item[3]) for item in got] == want
    for item in got:
        body = item[3]
        if type(body) is not tuple:
            assert (
                not (body.startswith('{"stream":"') and body.endswith("}}")) or not body.isascii()
            )
            continue
        stream, value, message = body
        assert stream == message[11 : message.find('"', 11)]
        if stream.endswith("@bookTicker") and value is not None:
            start = message.find('"u":') + 4  # the replay's own slicing
            assert value == int(message[start : message.find(",", start)])
        elif stream.endswith("@trade") and value is not None:
            assert value == wire.trade_python(message)
        elif not stream.endswith(("@bookTicker", "@trade")):
            assert value is None
