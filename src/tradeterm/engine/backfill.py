"""Backfilling the candle store from a venue: only what is missing, pages forward, gaps
refetched, and timeframes the venue lacks resampled from its one-minute candles."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tradeterm.domain.errors import DataError
from tradeterm.domain.resample import MINUTE_MS, resample, timeframe_ms
from tradeterm.engine.candle_store import CandleStore
from tradeterm.engine.ports import MarketFeed

log = logging.getLogger("tradeterm.engine.candles")


@dataclass(slots=True)
class BackfillReport:
    symbol: str
    timeframe: str
    requests: int = 0
    fetched: int = 0
    stored: int = 0
    resampled: bool = False
    gaps: list[tuple[int, int]] = field(default_factory=list)
    """Bars the venue did not have, as [first missing, next present) open times."""


async def backfill(
    store: CandleStore,
    feed: MarketFeed,
    symbol: str,
    timeframe: str,
    since_ms: int,
    until_ms: int,
    *,
    page: int = 1000,
) -> BackfillReport:
    """Make the store hold every closed bar the venue has in ``[since_ms, until_ms)``.

    Only the store's gaps are requested, a page at a time from the start of each
    gap (as ccxt pages: the first ``page`` bars from ``since``). If the venue does
    not serve ``timeframe``, its one-minute bars are backfilled and resampled;
    only complete buckets are stored. Raises VenueUnavailable like the feed.
    """
    report = BackfillReport(symbol, timeframe)
    step = timeframe_ms(timeframe)
    for gap_start, gap_end in store.gaps(feed.venue, symbol, timeframe, since_ms, until_ms):
        try:
            await _fill(store, feed, symbol, timeframe, gap_start, gap_end, page, report)
        except DataError as exc:
            if timeframe == "1m":
                raise
            log.info(
                "%s has no %s candles for %s (%s): resampling 1m",
                feed.venue,
                timeframe,
                symbol,
                exc,
            )
            report.resampled = True
            await _from_minutes(store, feed, symbol, timeframe, gap_start, gap_end, page, report)
    report.gaps = store.gaps(feed.venue, symbol, timeframe, since_ms - since_ms % step, until_ms)
    if report.gaps:
        log.warning(
            "%s %s %s: %d gap(s) the venue could not fill, first at %d",
            feed.venue,
            symbol,
            timeframe,
            len(report.gaps),
            report.gaps[0][0],
        )
    return report


async def _fill(
    store: CandleStore,
    feed: MarketFeed,
    symbol: str,
    timeframe: str,
    start: int,
    end: int,
    page: int,
    report: BackfillReport,
) -> None:
    step = timeframe_ms(timeframe)
    cursor = start
    while cursor < end:
        report.requests += 1
        batch = await feed.fetch_candles(symbol, timeframe, cursor, page)
        report.fetched += len(batch)
        wanted = [c for c in batch if cursor <= c.ts_ms < end]
        if not wanted:
            return  # the venue has nothing more here
        report.stored += store.put(feed.venue, symbol, timeframe, wanted)
        cursor = wanted[-1].ts_ms + step


async def _from_minutes(
    store: CandleStore,
    feed: MarketFeed,
    symbol: str,
    timeframe: str,
    start: int,
    end: int,
    page: int,
    report: BackfillReport,
) -> None:
    minutes = await backfill(store, feed, symbol, "1m", start, end, page=page)
    report.requests += minutes.requests
    report.fetched += minutes.fetched
    candles = store.get(feed.venue, symbol, "1m", start, end)
    if not candles:
        return
    step = timeframe_ms(timeframe)
    last_minute_end = candles[-1].ts_ms + MINUTE_MS
    complete = [
        b
        for b in resample(candles, timeframe)
        if b.ts_ms + step <= min(last_minute_end, end) and b.ts_ms >= start
    ]
    report.stored += store.put(feed.venue, symbol, timeframe, complete)
