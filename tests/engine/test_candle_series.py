"""The packed candle series: exact round trips, deque behaviour, cheap copies and floats."""

from __future__ import annotations

import random
from collections import deque
from decimal import Decimal

import pytest

from tradeterm.domain.market_data import Candle
from tradeterm.engine.candle_series import HOT, CandleSeries

FIELDS = ("open", "high", "low", "close", "volume")

AWKWARD = [
    Decimal("67242.5"),
    Decimal("67242.50"),  # equal to the one above, another exponent: kept as written
    Decimal("0.00000123"),
    Decimal("-3.5"),
    Decimal("0E-1"),
    Decimal("-0.0"),  # negative zero: put aside, read back as it was
    Decimal("1E+5"),
    Decimal("12345678901234567890123.4"),  # more digits than an int64 holds
    Decimal("9007199254740993"),  # more than a float holds exactly
    Decimal("2147483648"),  # past int32: the column widens
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("1E-130"),  # an exponent outside a byte
]


def _candles(count: int, seed: int, awkward: bool = False) -> list[Candle]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        values = [Decimal(rng.randrange(1, 10**6)) * Decimal("0.01") for _ in range(4)]
        volume = Decimal(rng.randrange(0, 10**9)) * Decimal("0.00001")
        if awkward and rng.random() < 0.3:
            values[rng.randrange(4)] = rng.choice(AWKWARD)
            volume = rng.choice((volume, rng.choice(AWKWARD)))
        stamp = 60_000 * i
        if awkward and i > count // 2 and i % 7 == 3:
            stamp += 17  # not a whole minute: the open times widen to milliseconds
        out.append(Candle(stamp, *values, volume))
    return out


def _exactly(a: list[Candle], b: list[Candle]) -> None:
    """Equal, and every Decimal written alike (the same exponent, sign and digits)."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.ts_ms == y.ts_ms
        for name in FIELDS:
            assert repr(getattr(x, name)) == repr(getattr(y, name))


@pytest.mark.parametrize("awkward", [False, True])
def test_packed_candles_read_back_exactly(awkward: bool) -> None:
    candles = _candles(700, seed=1, awkward=awkward)
    series = CandleSeries(candles)
    assert series.packed >= len(candles) - 2 * HOT  # most are packed
    _exactly(list(series), candles)
    _exactly(list(reversed(series)), candles[::-1])
    _exactly([series[i] for i in range(-len(candles), len(candles))], candles + candles)
    _exactly(series[10:20], candles[10:20])
    for i in range(0, len(candles), 7):
        for name in FIELDS:
            expected = float(getattr(candles[i], name))
            got = series.float_at(i, name)
            assert got == expected or (got != got and expected != expected)  # NaN


@pytest.mark.parametrize("awkward", [False, True])
def test_floats_back_are_every_nth_newest_value(awkward: bool) -> None:
    candles = _candles(500, seed=8, awkward=awkward)
    series = CandleSeries(candles)
    for step, count in ((1, 10), (5, 24), (7, 100), (60, 3)):
        for name in FIELDS:
            got = series.floats_back(name, step, count)
            picked = candles[::-1][::step][:count]
            expected = [float(getattr(c, name)) for c in picked]
            assert len(got) == len(expected)
            assert all(a == b or (a != a and b != b) for a, b in zip(got, expected, strict=True))


def test_it_behaves_as_the_bounded_deque_it_replaces() -> None:
    """Random appends, extends, replacements of the newest and clears, side by side."""
    rng = random.Random(5)
    pool = _candles(3000, seed=2, awkward=True)
    series = CandleSeries(maxlen=300)
    model: deque[Candle] = deque(maxlen=300)
    for step in range(2000):
        roll = rng.random()
        if roll < 0.6:
            candle = rng.choice(pool)
            series.append(candle)
            model.append(candle)
        elif roll < 0.8 and model:
            candle = rng.choice(pool)
            series[-1] = candle
            model[-1] = candle
        elif roll < 0.99:
            batch = rng.sample(pool, rng.randrange(0, 200))
            series.extend(batch)
            model.extend(batch)
        else:
            series.clear()
            model.clear()
        assert len(series) == len(model)
        assert bool(series) == bool(model)
        if step % 50 == 0:
            _exactly(list(series), list(model))
            if model:
                assert series[-1] is model[-1]  # the newest is the very object
                assert series[0] == model[0]
    _exactly(list(series), list(model))


def test_a_packed_candle_can_be_replaced() -> None:
    candles = _candles(400, seed=3)
    series = CandleSeries(candles)
    assert series.packed > 10
    other = _candles(1, seed=4)[0]
    series[10] = other
    candles[10] = other
    _exactly(list(series), candles)
    with pytest.raises(IndexError):
        series[400] = other
    with pytest.raises(IndexError):
        series[-401]


def test_tails_and_copies_are_the_newest_candles_and_independent() -> None:
    candles = _candles(1000, seed=6, awkward=True)
    series = CandleSeries(candles, maxlen=900)
    kept = candles[-900:]
    _exactly(list(series), kept)
    for count in (0, 1, HOT - 1, HOT, 300, 900, 2000):
        expected = kept[-count:] if count else []
        _exactly(series.tail(count), expected)
        _exactly(list(series.packed_tail(count)), expected)
    copied = series.copy()
    assert copied == series and copied.maxlen == 900
    series.append(candles[0])
    series.clear()
    _exactly(list(copied), kept)  # the copy did not follow
    assert copied != series
    empty = CandleSeries()
    empty.extend(copied)  # from a series: the columns are copied
    _exactly(list(empty), kept)


def test_integers_pack_straight_and_read_as_their_decimals() -> None:
    series = CandleSeries(maxlen=5)
    series.pack_ints(
        [0, 60_000, 120_000],
        [[11, 12, 13], [15, 16, 17], [10, 11, 12], [14, 15, 16], [5, 2**40, 7]],
        [-1, -1, -1, -1, -3],
    )
    tick, lot = Decimal("0.1"), Decimal("0.001")
    _exactly(
        list(series),
        [
            Candle(0, Decimal(11) * tick, Decimal(15) * tick, Decimal(10) * tick,
                   Decimal(14) * tick, Decimal(5) * lot),
            Candle(60_000, Decimal(12) * tick, Decimal(16) * tick, Decimal(11) * tick,
                   Decimal(15) * tick, Decimal(2**40) * lot),
            Candle(120_000, Decimal(13) * tick, Decimal(17) * tick, Decimal(12) * tick,
                   Decimal(16) * tick, Decimal(7) * lot),
        ],
    )  # fmt: skip
    series.append(_candles(1, seed=1)[0])
    with pytest.raises(ValueError, match="packed"):
        series.pack_ints([1], [[1], [1], [1], [1], [1]], [0, 0, 0, 0, 0])


@pytest.mark.parametrize("packed_only", [False, True])
def test_put_replaces_the_live_bar_appends_a_newer_one_and_drops_a_late_one(
    packed_only: bool,
) -> None:
    """``put`` (the engine's per-trade update) against what the deque-style writes give."""
    history = _candles(3 * HOT, seed=7)
    series = CandleSeries(maxlen=4 * HOT)
    if packed_only:  # every candle packed, none held as an object
        series.pack_ints(
            [c.ts_ms for c in history],
            [[int(getattr(c, f).scaleb(2)) for c in history] for f in FIELDS[:4]]
            + [[int(c.volume.scaleb(5)) for c in history]],
            [-2, -2, -2, -2, -5],
        )
    else:
        series.extend(history)
    expected = deque(history, maxlen=4 * HOT)
    last = history[-1]
    same_minute = Candle(last.ts_ms, last.open, last.high, last.low, Decimal("1.23"), last.volume)
    assert series.put(same_minute) is same_minute
    expected[-1] = same_minute
    late = Candle(last.ts_ms - 60_000, *(Decimal(1),) * 5)
    assert series.put(late) is same_minute  # a print for a closed bar changes nothing
    newer = Candle(last.ts_ms + 60_000, *(Decimal(2),) * 5)
    assert series.put(newer) is newer
    expected.append(newer)
    assert series.put(newer) is newer  # the same object again: nothing to do
    assert list(series) == list(expected)
    assert CandleSeries().put(newer) is newer
