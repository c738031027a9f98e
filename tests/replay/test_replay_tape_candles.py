"""A recording's candles in the replay tape: the history's newest candle, still open when the
recording started, is replaced by its later updates, never kept twice."""

from __future__ import annotations

from decimal import Decimal

from tradeterm.domain.book import OrderBook
from tradeterm.domain.market_data import Candle
from tradeterm.venues.replay.tape import Tape

D = Decimal
T0 = 1_767_270_840_000  # a minute's open, ms


def candle(minute: int, close: str, volume: str) -> Candle:
    return Candle(T0 + minute * 60_000, D("100"), D(close), D("99"), D(close), D(volume))


def test_the_open_candle_of_the_history_is_replaced_by_its_updates() -> None:
    tape = Tape("BTC/USDT")
    tape.load_candles([candle(0, "100", "5"), candle(1, "101", "2")])  # minute 1 still open
    tape.track_candle(candle(1, "102", "3"), closed=False)
    tape.track_candle(candle(1, "103", "4"), closed=True)
    tape.track_candle(candle(2, "104", "1"), closed=False)
    stamps = [c.ts_ms for c in tape.candles()]
    assert stamps == [T0, T0 + 60_000, T0 + 120_000]
    assert [c.close for c in tape.candles()] == [D("100"), D("103"), D("104")]
    ticker = tape.ticker(OrderBook("BTC/USDT"), (T0 + 150_000) * 1_000_000)
    assert ticker is not None
    assert ticker.volume_24h == D("5") + D("4") + D("1")  # minute 1 counted once, as closed
    assert ticker.high_24h == D("104")
