"""The candle store and backfill, fed with Kraken's real REST OHLC response."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm.domain.errors import DataError
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.domain.resample import resample
from tradeterm.engine.backfill import backfill
from tradeterm.engine.candle_store import CandleStore, missing_ranges

SYMBOL = "BTC/USDT"


def kraken_candles(shared_data: Path) -> list[Candle]:
    """The file's closed one-minute bars (its last row is the still-open candle)."""
    body = json.loads(
        (shared_data / "candles" / "kraken_rest_OHLC_XBTUSDT_1m_20251111_nautilus.json").read_text()
    )
    rows = body["result"]["XBTUSDT"][:-1]
    return [
        Candle(
            int(r[0]) * 1000,
            Decimal(r[1]),
            Decimal(r[2]),
            Decimal(r[3]),
            Decimal(r[4]),
            Decimal(r[6]),
        )
        for r in rows
    ]


class RecordedVenue:
    """Kraken's REST OHLC endpoint as recorded: pages forward from ``since``, 1m only."""

    venue = "kraken"

    def __init__(self, candles: Sequence[Candle]) -> None:
        self.candles = list(candles)
        self.calls: list[tuple[str, int | None, int]] = []

    async def fetch_candles(
        self, symbol: str, timeframe: str, since_ms: int | None, limit: int
    ) -> list[Candle]:
        self.calls.append((timeframe, since_ms, limit))
        if timeframe != "1m":
            raise DataError(f"kraken has no {timeframe} candles here")
        return [c for c in self.candles if since_ms is None or c.ts_ms >= since_ms][:limit]

    async def load_markets(self) -> Sequence[Market]:
        return []

    async def run(self, sink: object) -> None:
        return None

    def focus(self, symbol: str) -> None:
        return None


@pytest.fixture
def store(tmp_path: Path) -> CandleStore:
    return CandleStore(tmp_path / "candles.sqlite")


async def test_backfill_pages_forward_and_stores_exact_bars(
    shared_data: Path, store: CandleStore
) -> None:
    bars = kraken_candles(shared_data)
    venue = RecordedVenue(bars)
    start, end = bars[0].ts_ms, bars[-1].ts_ms + 60_000
    report = await backfill(store, venue, SYMBOL, "1m", start, end, page=100)  # type: ignore[arg-type]
    assert store.get("kraken", SYMBOL, "1m") == bars
    assert report.stored == len(bars) == 720 and report.gaps == []
    assert report.requests == 8  # 720 bars in pages of 100, the 8th page comes back short
    # incremental: nothing is missing, so nothing is asked for
    venue.calls.clear()
    again = await backfill(store, venue, SYMBOL, "1m", start, end, page=100)  # type: ignore[arg-type]
    assert venue.calls == [] and again.stored == 0


async def test_gaps_are_reported_then_filled_when_the_venue_has_the_data(
    shared_data: Path, store: CandleStore
) -> None:
    bars = kraken_candles(shared_data)
    missing = bars[300:311]
    venue = RecordedVenue([b for b in bars if b not in missing])
    start, end = bars[0].ts_ms, bars[-1].ts_ms + 60_000
    report = await backfill(store, venue, SYMBOL, "1m", start, end, page=1000)  # type: ignore[arg-type]
    assert report.gaps == [(missing[0].ts_ms, missing[-1].ts_ms + 60_000)]
    venue.candles = bars  # the venue now has them
    venue.calls.clear()
    report = await backfill(store, venue, SYMBOL, "1m", start, end, page=1000)  # type: ignore[arg-type]
    assert [c[1] for c in venue.calls] == [missing[0].ts_ms]  # only the gap is asked for
    assert report.gaps == [] and store.get("kraken", SYMBOL, "1m") == bars


async def test_a_timeframe_the_venue_lacks_is_resampled_from_one_minute(
    shared_data: Path, store: CandleStore
) -> None:
    bars = kraken_candles(shared_data)
    venue = RecordedVenue(bars)
    first_hour = bars[0].ts_ms - bars[0].ts_ms % 3_600_000 + 3_600_000
    report = await backfill(store, venue, SYMBOL, "1h", first_hour, bars[-1].ts_ms + 60_000)  # type: ignore[arg-type]
    assert report.resampled
    hours = store.get("kraken", SYMBOL, "1h")
    expected = [
        h
        for h in resample([b for b in bars if b.ts_ms >= first_hour], "1h")
        if h.ts_ms + 3_600_000 <= bars[-1].ts_ms + 60_000
    ]
    assert hours == expected and len(hours) == 11
    # a stored hour is exactly its sixty minutes
    minutes = [b for b in bars if hours[0].ts_ms <= b.ts_ms < hours[0].ts_ms + 3_600_000]
    assert hours[0].open == minutes[0].open and hours[0].close == minutes[-1].close
    assert hours[0].high == max(m.high for m in minutes)
    assert hours[0].volume == sum((m.volume for m in minutes), Decimal(0))


def test_missing_ranges() -> None:
    assert missing_ranges([0, 60, 180, 240], 0, 360, 60) == [(120, 180), (300, 360)]
    assert missing_ranges([], 0, 120, 60) == [(0, 120)]
    assert missing_ranges([0, 60], 0, 120, 60) == []


def test_the_store_survives_reopening(store: CandleStore, tmp_path: Path) -> None:
    bar = Candle(
        60_000, Decimal("1.10"), Decimal("1.20"), Decimal("1.00"), Decimal("1.15"), Decimal("3.000")
    )
    store.put("sim", SYMBOL, "1m", [bar])
    store.close()
    again = CandleStore(tmp_path / "candles.sqlite")
    assert again.get("sim", SYMBOL, "1m") == [bar]
    assert str(again.get("sim", SYMBOL, "1m")[0].volume) == "3.000"  # digits kept exactly
