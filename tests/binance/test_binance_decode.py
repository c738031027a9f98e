"""The typed depth decoder: the same events as the general reader on real captures, anything
else left to the general reader, levels equal to the constructor's, bounded caches."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from decimal import Decimal

import orjson
import pytest
from binance_data import DATA, frames, need

from tradeterm.domain.book import Level
from tradeterm.domain.book_kernel import parse_python
from tradeterm.venues import wire
from tradeterm.venues.binance import decode
from tradeterm.venues.binance.decode import PRICES, SIZES, depth_event, depth_frame, levels
from tradeterm.venues.binance.sync import Diff

SPOT = DATA / "orderbook" / "binance" / "hftbacktest_spot_btcusdt_20240808.gz"


def spot_frames() -> list[str]:
    if not SPOT.exists():
        pytest.skip(f"recorded data not found: {SPOT} (expected ../shared/data)")
    with gzip.open(SPOT, "rt") as lines:
        return [line.partition(" ")[2].strip() for line in lines]


def digits(diff: Diff) -> tuple[object, ...]:
    """A diff with its numbers as text: equal Decimals with other digits would differ."""
    return (
        diff.first,
        diff.last,
        diff.ts_ns,
        [(str(p), str(q)) for p, q in diff.bids],
        [(str(p), str(q)) for p, q in diff.asks],
    )


@pytest.mark.parametrize("source", ["hftbacktest", "cryptofeed"])
def test_every_depth_frame_decodes_as_the_general_reader_reads_it(source: str) -> None:
    if source == "cryptofeed":
        need()
    raw = spot_frames() if source == "hftbacktest" else frames()
    depth = 0
    for frame in raw:
        data = orjson.loads(frame).get("data")
        typed = depth_frame(frame)
        typed_bytes = depth_frame(frame.encode())
        if not isinstance(data, dict) or data.get("e") != "depthUpdate":
            assert typed is None and typed_bytes is None, frame[:80]
            continue
        depth += 1
        assert typed is not None and typed_bytes is not None, frame[:80]
        assert typed.s == data["s"] == typed_bytes.s
        want = digits(Diff.parse(data))
        assert digits(Diff.from_depth(typed)) == want
        assert digits(Diff.from_depth(typed_bytes)) == want
    assert depth > 100


@pytest.mark.parametrize("spaced", [False, True])
def test_the_feeds_depth_decode_gives_the_general_readers_diffs(spaced: bool) -> None:
    """``depth_event`` (the compiled decoder where built; msgspec for a frame it does not
    read, as a spaced one) gives every depth frame's diff as the general reader does."""
    depth = 0
    for compact in spot_frames():
        data = orjson.loads(compact).get("data")
        frame = compact.replace(",", ", ") if spaced else compact
        got, got_bytes = depth_event(frame), depth_event(frame.encode())
        if not isinstance(data, dict) or data.get("e") != "depthUpdate":
            assert got is None and got_bytes is None, frame[:80]
            continue
        depth += 1
        assert got is not None and got_bytes is not None, frame[:80]
        want = digits(Diff.parse(data))
        assert got[0] == got_bytes[0] == data["s"]
        assert digits(got[1]) == digits(got_bytes[1]) == want
    assert depth > 100


@pytest.mark.skipif(not wire.ON, reason="the C decoder is not built (or switched off)")
def test_the_compiled_decoder_reads_the_compact_frames_and_leaves_the_rest() -> None:
    frame = next(f for f in spot_frames() if '"depthUpdate"' in f)
    assert wire.depth(frame) is not None
    assert wire.depth(frame.replace(",", ", ")) is None


@pytest.mark.parametrize(
    "frame",
    [
        '{"stream":"x@depth","data":{"e":"depthUpdate","s":"X","U":"1","u":2,"b":[],"a":[]}}',
        '{"stream":"x@depth","data":{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[["1"]],"a":[]}}',
        '{"stream":"x@depth","data":{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[]}}',
        '{"stream":"x@depth","data":{"e":"somethingElse","s":"X","U":1,"u":2,"b":[],"a":[]}}',
        '{"stream":"x@depth","data":[]}',
        '{"stream":"x@depth", not json',
        '{"stream":"x@trade","data":{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[],"a":[]}}',
    ],
)
def test_frames_of_another_shape_are_left_to_the_general_reader(frame: str) -> None:
    assert depth_frame(frame) is None
    assert depth_event(frame) is None
    assert depth_event(frame.encode()) is None


@pytest.mark.parametrize(
    ("level", "error"),
    [
        (["-1", "1"], ValueError),
        (["1", "-0.5"], ValueError),
        (["NaN", "1"], ValueError),
        (["1", "Infinity"], ValueError),
        (["1.2.3", "1"], ArithmeticError),
        (["1", "1", "1"], ValueError),
    ],
)
def test_a_level_that_is_no_plain_number_is_refused(level: list[str], error: type) -> None:
    with pytest.raises(error):
        levels([level])


@pytest.mark.parametrize("parse", [levels, lambda raw: parse_python(raw, PRICES, SIZES)])
def test_levels_keep_the_digits(parse: Callable[[list[list[str]]], list[Level]]) -> None:
    texts = [["61737.63000000", "0.00000000"], ["61737.64000000", "1.5"]]
    got = parse(texts)
    want = [(Decimal(p), Decimal(q)) for p, q in texts]
    assert [(p.as_tuple(), q.as_tuple(), hash(p)) for p, q in got] == [
        (p.as_tuple(), q.as_tuple(), hash(p)) for p, q in want
    ]
    assert not got[0][1] and got[1][1] == Decimal("1.5")


def test_the_python_paths_caches_stay_bounded() -> None:
    small = decode._Numbers("price", limit=50)
    for i in range(1, 500):
        (price, _), *_ = parse_python([[f"{i}.5", "1"]], small, SIZES)
        assert price == Decimal(f"{i}.5")
        assert 0 < len(small) <= 50
