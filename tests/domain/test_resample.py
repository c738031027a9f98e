"""Resampling one-minute candles: against the exchange's own 5m candles, pandas, and properties."""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.domain.market_data import Candle
from tradeterm.domain.resample import (
    MINUTE_MS,
    TIMEFRAMES,
    bucket_start,
    resample,
    resample_tail,
    timeframe_ms,
)

BINANCE = "candles/binance_spot_2019-10_freqtrade"
VOLUME_TOLERANCE = Decimal("1e-6")


def d(text: str) -> Decimal:
    return Decimal(text)


def candle(ts_ms: int, o: str, h: str, low: str, c: str, v: str = "1") -> Candle:
    return Candle(ts_ms, d(o), d(h), d(low), d(c), d(v))


def from_feather(path: Path) -> list[Candle]:
    """Candles from a freqtrade feather file; floats become Decimals through ``repr``."""
    frame = pd.read_feather(path)
    opens = (frame["date"].astype("int64") // 1_000_000).tolist()
    rows = frame[["open", "high", "low", "close", "volume"]].itertuples(index=False)
    return [
        Candle(ts, *(Decimal(repr(float(value))) for value in row))
        for ts, row in zip(opens, rows, strict=True)
    ]


def as_tuple(c: Candle) -> tuple[int, Decimal, Decimal, Decimal, Decimal]:
    return (c.ts_ms, c.open, c.high, c.low, c.close)


# --- real data -------------------------------------------------------------------------


def test_binance_1m_resampled_to_5m_equals_binance_5m(shared_data: Path) -> None:
    one = from_feather(shared_data / BINANCE / "XRP_ETH-1m.feather")
    five = from_feather(shared_data / BINANCE / "XRP_ETH-5m.feather")
    assert (len(one), len(five)) == (2469, 706)

    ours = resample(one, "5m")

    # The 1m file skips minutes without trades (2469 rows over 3560 minutes) and the 5m file
    # skips empty buckets: both sides hold the same 706 buckets, gaps and all.
    assert [c.ts_ms for c in ours] == [c.ts_ms for c in five]
    interior = list(zip(ours, five, strict=True))[1:-1]
    assert len(interior) == 704
    for mine, theirs in interior:
        assert as_tuple(mine) == as_tuple(theirs)
        assert abs(mine.volume - theirs.volume) <= VOLUME_TOLERANCE, mine.ts_ms


def test_binance_1m_tail_equals_full_resample(shared_data: Path) -> None:
    one = from_feather(shared_data / BINANCE / "XRP_ETH-1m.feather")
    for timeframe in TIMEFRAMES:
        full = resample(one, timeframe)
        for count in (1, 2, 7, len(full), len(full) + 5):
            assert resample_tail(one, timeframe, count) == full[-count:], (timeframe, count)


def test_long_1m_series_matches_pandas_epoch_aligned_resample(shared_data: Path) -> None:
    """A month of real 1m bars: every timeframe against pandas' resample with an epoch origin."""
    path = shared_data / "candles" / "nautilus_btc-perp-20211231-20220201_1m.csv"
    frame = pd.read_csv(path, index_col="timestamp", parse_dates=True, dtype=str)
    frame.index = frame.index.tz_localize("UTC")
    opens = frame.index.as_unit("ms").asi8.tolist()
    columns = ["open", "high", "low", "close", "volume"]
    ones = [  # the CSV's own digits, exactly
        Candle(ts, *map(Decimal, row))
        for ts, row in zip(opens, frame[columns].itertuples(index=False), strict=True)
    ]
    floats = frame.astype(float)
    for timeframe, length in TIMEFRAMES.items():
        expected = (
            floats.resample(pd.Timedelta(milliseconds=length), origin="epoch")
            .agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
            .dropna(subset=["open"])
        )
        ours = resample(ones, timeframe)
        assert [c.ts_ms for c in ours] == expected.index.as_unit("ms").asi8.tolist(), timeframe
        for mine, row in zip(ours, expected.itertuples(index=False), strict=True):
            prices = (row.open, row.high, row.low, row.close)
            assert (mine.open, mine.high, mine.low, mine.close) == tuple(
                Decimal(repr(p)) for p in prices
            )
            assert float(mine.volume) == pytest.approx(row.volume, rel=1e-12)


# --- alignment and edge cases ----------------------------------------------------------

# 2019-10-11 00:00 UTC, a day boundary.
DAY = 1_570_752_000_000
HOUR = 3_600_000


@pytest.mark.parametrize(
    ("timeframe", "before", "after"),
    [
        ("5m", DAY + 4 * MINUTE_MS, DAY + 5 * MINUTE_MS),
        ("15m", DAY + 14 * MINUTE_MS, DAY + 15 * MINUTE_MS),
        ("1h", DAY + 59 * MINUTE_MS, DAY + HOUR),
        ("4h", DAY + 4 * HOUR - MINUTE_MS, DAY + 4 * HOUR),
        ("1d", DAY - MINUTE_MS, DAY),
    ],
)
def test_bucket_boundaries_are_utc_epoch_aligned(timeframe: str, before: int, after: int) -> None:
    out = resample(
        [candle(before, "1", "2", "1", "2"), candle(after, "3", "3", "3", "3")], timeframe
    )
    assert [c.ts_ms for c in out] == [
        after - TIMEFRAMES[timeframe],
        after,
    ]
    assert bucket_start(before, timeframe) == after - TIMEFRAMES[timeframe]
    assert bucket_start(after, timeframe) == after


def test_four_hour_buckets_start_at_midnight_and_every_four_hours() -> None:
    minutes = [candle(DAY + i * 30 * MINUTE_MS, "1", "1", "1", "1") for i in range(48)]
    hours = [(c.ts_ms - DAY) // HOUR for c in resample(minutes, "4h")]
    assert hours == [0, 4, 8, 12, 16, 20]


def test_aggregation_of_one_bucket() -> None:
    minutes = [
        candle(DAY, "10", "12", "9", "11", "1.5"),
        candle(DAY + MINUTE_MS, "11", "15", "10", "14", "2.25"),
        candle(DAY + 3 * MINUTE_MS, "14", "14", "8", "9", "0.25"),
    ]
    (bucket,) = resample(minutes, "5m")
    assert bucket == candle(DAY, "10", "15", "8", "9", "4.00")


def test_gaps_make_no_empty_candles() -> None:
    minutes = [
        candle(DAY, "1", "1", "1", "1"),
        candle(DAY + 20 * MINUTE_MS, "2", "2", "2", "2"),  # 00:05-00:19 hold no minute
        candle(DAY + 24 * MINUTE_MS, "3", "3", "3", "3"),
    ]
    out = resample(minutes, "5m")
    assert [(c.ts_ms - DAY) // MINUTE_MS for c in out] == [0, 20]
    assert out[1] == candle(DAY + 20 * MINUTE_MS, "2", "3", "2", "3", "2")


def test_partial_last_bucket_is_the_live_candle_and_results_do_not_alias_input() -> None:
    minutes = [candle(DAY + i * MINUTE_MS, "5", "6", "4", "5") for i in range(7)]
    out = resample(minutes, "5m")
    assert [c.volume for c in out] == [d("5"), d("2")]  # 00:05 holds only two minutes so far
    minutes[-1].add_trade(d("7"), d("0.5"))  # the live minute trades
    assert out[-1].high == d("6")  # earlier results stay as they were
    again = resample(minutes, "5m")
    assert (again[-1].high, again[-1].close, again[-1].volume) == (d("7"), d("7"), d("2.5"))
    assert resample(minutes, "1m") == minutes
    assert resample(minutes, "1m")[0] is not minutes[0]


def test_empty_input_and_zero_count() -> None:
    assert resample([], "1h") == []
    assert resample_tail([], "1h", 3) == []
    assert resample_tail([candle(DAY, "1", "1", "1", "1")], "1h", 0) == []


def test_tail_reads_a_deque() -> None:
    minutes = deque(candle(DAY + i * MINUTE_MS, "1", "2", "1", "2") for i in range(100))
    assert resample_tail(minutes, "15m", 3) == resample(minutes, "15m")[-3:]


# --- bad input ---------------------------------------------------------------------------


def test_unknown_timeframe_lists_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown timeframe '2m'; allowed: 1m, 5m, 15m, 1h"):
        resample([], "2m")
    with pytest.raises(ValueError, match="unknown timeframe"):
        timeframe_ms("1w")


@pytest.mark.parametrize("tail", [False, True])
def test_out_of_order_input_names_the_position(tail: bool) -> None:
    minutes = [candle(DAY + i * MINUTE_MS, "1", "1", "1", "1") for i in range(5)]
    minutes[3], minutes[2] = minutes[2], minutes[3]
    with pytest.raises(ValueError, match=r"candle 3 \(ts_ms=\d+\) is not after candle 2"):
        resample_tail(minutes, "5m", 10) if tail else resample(minutes, "5m")


@pytest.mark.parametrize("tail", [False, True])
def test_duplicate_minute_is_refused(tail: bool) -> None:
    minutes = [candle(DAY, "1", "1", "1", "1"), candle(DAY, "2", "2", "2", "2")]
    with pytest.raises(ValueError, match=r"candle 1 .* is not after candle 0"):
        resample_tail(minutes, "5m", 10) if tail else resample(minutes, "5m")


@pytest.mark.parametrize("tail", [False, True])
@pytest.mark.parametrize("bad", [0, 2])
def test_candle_off_the_minute_grid_is_refused(tail: bool, bad: int) -> None:
    minutes = [candle(DAY + i * MINUTE_MS, "1", "1", "1", "1") for i in range(3)]
    minutes[bad].ts_ms += 30_000
    with pytest.raises(ValueError, match=rf"candle {bad} .* minute boundary"):
        resample_tail(minutes, "5m", 10) if tail else resample(minutes, "5m")


# --- properties ----------------------------------------------------------------------------

prices = st.decimals(min_value="0.0001", max_value="100000", places=4)
volumes = st.decimals(min_value="0", max_value="1000000", places=8)


@st.composite
def minute_series(draw: st.DrawFn) -> list[Candle]:
    """Random one-minute candles with random gaps, starting anywhere in a few centuries."""
    ts = draw(st.integers(min_value=0, max_value=200_000_000)) * MINUTE_MS
    steps = draw(st.lists(st.sampled_from([1, 1, 1, 2, 7, 61, 239, 1439]), max_size=120))
    out = []
    for step in steps:
        ts += MINUTE_MS * step
        o, c, x, y = (draw(prices) for _ in range(4))
        out.append(Candle(ts, o, max(o, c, x), min(o, c, y), c, draw(volumes)))
    return out


def naive(minutes: list[Candle], length: int) -> list[Candle]:
    """Group by floor(ts / length), the obvious way."""
    groups: dict[int, list[Candle]] = {}
    for c in minutes:
        groups.setdefault(c.ts_ms // length * length, []).append(c)
    return [
        Candle(
            start,
            group[0].open,
            max(c.high for c in group),
            min(c.low for c in group),
            group[-1].close,
            sum((c.volume for c in group), Decimal(0)),
        )
        for start, group in sorted(groups.items())
    ]


@settings(max_examples=100, deadline=None)
@given(minutes=minute_series(), timeframe=st.sampled_from(list(TIMEFRAMES)))
def test_properties(minutes: list[Candle], timeframe: str) -> None:
    length = TIMEFRAMES[timeframe]
    out = resample(minutes, timeframe)
    assert out == naive(minutes, length)
    assert sum((c.volume for c in out), Decimal(0)) == sum((c.volume for c in minutes), Decimal(0))
    for bucket in out:
        assert bucket.ts_ms % length == 0
        assert bucket.high >= max(bucket.open, bucket.close)
        assert bucket.low <= min(bucket.open, bucket.close)
    assert all(a.ts_ms < b.ts_ms for a, b in pairwise(out))
    for count in (1, 3, len(out) + 1):
        assert resample_tail(minutes, timeframe, count) == out[-count:]
