"""Exact resampling of one-minute candles to longer timeframes (5m, 15m, 1h, 4h, 1d).

Rules, the same for every timeframe:

- **Buckets are aligned to UTC epoch boundaries** of the timeframe: a bucket starts at a
  multiple of its length in milliseconds since 1970-01-01 00:00 UTC. 5m buckets start at
  :00, :05, ...; 1h buckets on the hour; 4h buckets at 00:00, 04:00, 08:00 ... UTC; 1d
  buckets at 00:00 UTC. A bucket's ``ts_ms`` is its start, whatever minute it begins with.
- **Aggregation**: open = the first minute's open, close = the last minute's close, high /
  low = the max / min of the minutes' highs / lows, volume = the sum of their volumes. All in
  ``Decimal``: prices are copied and volumes summed exactly (sums keep up to the context's
  28 significant digits, far beyond any real volume).
- **Partial buckets are returned**. The last bucket usually covers only the minutes seen so
  far: it is the live candle and changes as its minutes change. The first bucket is partial
  too when the history starts inside a bucket.
- **Gaps are not filled**. Venues skip minutes without trades; a bucket is built from the
  minutes that exist, and a bucket with no minute at all is absent from the result (no flat
  "empty" candle is made up). Consecutive results can therefore be more than one timeframe
  apart.
- **Input** must be one-minute candles (``ts_ms`` on a minute boundary) in strictly
  increasing time order; otherwise ``ValueError`` names the first offending position.

The results are new ``Candle`` objects: changing the input later does not change them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tradeterm.domain.market_data import Candle

MINUTE_MS = 60_000

#: Timeframe name -> bucket length in milliseconds, shortest first.
TIMEFRAMES: dict[str, int] = {
    "1m": MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "4h": 240 * MINUTE_MS,
    "1d": 1440 * MINUTE_MS,
}


def timeframe_ms(timeframe: str) -> int:
    """The bucket length of ``timeframe`` in milliseconds.

    Raises:
        ValueError: for a name that is not in ``TIMEFRAMES``; the message lists the allowed ones.
    """
    try:
        return TIMEFRAMES[timeframe]
    except KeyError:
        allowed = ", ".join(TIMEFRAMES)
        raise ValueError(f"unknown timeframe {timeframe!r}; allowed: {allowed}") from None


def bucket_start(ts_ms: int, timeframe: str) -> int:
    """The open time of the ``timeframe`` bucket that contains ``ts_ms`` (UTC epoch-aligned)."""
    length = timeframe_ms(timeframe)
    return ts_ms - ts_ms % length


def _check(position: int, candle: Candle, earlier_ts: int | None) -> None:
    """Raise unless ``candle`` is a one-minute candle opening after ``earlier_ts``."""
    if candle.ts_ms % MINUTE_MS:
        raise ValueError(
            f"candle {position} (ts_ms={candle.ts_ms}) does not open on a minute boundary: "
            "resampling needs one-minute candles"
        )
    if earlier_ts is not None and candle.ts_ms <= earlier_ts:
        raise ValueError(
            f"candle {position} (ts_ms={candle.ts_ms}) is not after candle {position - 1} "
            f"(ts_ms={earlier_ts}): one-minute candles must be in increasing time order"
        )


def _copy(candle: Candle, ts_ms: int) -> Candle:
    return Candle(ts_ms, candle.open, candle.high, candle.low, candle.close, candle.volume)


def _merge(bucket: Candle, candle: Candle) -> None:
    """Fold the next minute of the bucket into it."""
    bucket.high = max(bucket.high, candle.high)
    bucket.low = min(bucket.low, candle.low)
    bucket.close = candle.close
    bucket.volume += candle.volume


def resample(candles: Iterable[Candle], timeframe: str) -> list[Candle]:
    """One-minute candles aggregated into ``timeframe`` buckets, oldest first.

    Args:
        candles: one-minute candles in strictly increasing ``ts_ms`` order; gaps allowed.
        timeframe: a key of ``TIMEFRAMES``; ``"1m"`` returns validated copies.

    Returns:
        One candle per bucket that holds at least one minute; the last one may be partial.

    Raises:
        ValueError: for an unknown timeframe, or naming the first candle that is not on a
            minute boundary or not after its predecessor.
    """
    length = timeframe_ms(timeframe)
    out: list[Candle] = []
    bucket: Candle | None = None
    earlier_ts: int | None = None
    for position, candle in enumerate(candles):
        _check(position, candle, earlier_ts)
        earlier_ts = candle.ts_ms
        start = candle.ts_ms - candle.ts_ms % length
        if bucket is not None and bucket.ts_ms == start:
            _merge(bucket, candle)
        else:
            bucket = _copy(candle, start)
            out.append(bucket)
    return out


def resample_tail(candles: Sequence[Candle], timeframe: str, count: int) -> list[Candle]:
    """The last ``count`` buckets of ``resample(candles, timeframe)``, reading only their minutes.

    For live charts: a redraw needs the newest buckets only, and this walks the input from
    its end, so its cost follows ``count`` times the minutes per bucket, not the length of
    the history. Validation covers the minutes read (plus the one before them).

    Raises:
        ValueError: like ``resample``; positions are indexes into ``candles``.
    """
    length = timeframe_ms(timeframe)
    if count <= 0:
        return []
    newest_first: list[Candle] = []
    bucket: Candle | None = None
    later: Candle | None = None
    position = len(candles)
    for candle in reversed(candles):
        position -= 1
        if later is not None:
            _check(position + 1, later, candle.ts_ms)
        later = candle
        start = candle.ts_ms - candle.ts_ms % length
        if bucket is not None and bucket.ts_ms == start:
            # Walking backwards: this minute comes before everything already in the bucket.
            bucket.open = candle.open
            bucket.high = max(bucket.high, candle.high)
            bucket.low = min(bucket.low, candle.low)
            bucket.volume += candle.volume
            continue
        if len(newest_first) == count:
            break
        bucket = _copy(candle, start)
        newest_first.append(bucket)
    if later is not None and later.ts_ms % MINUTE_MS:
        _check(position, later, None)
    newest_first.reverse()
    return newest_first
