"""Kraken candles over REST: GET /0/public/OHLC, closed bars only, oldest first."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from tradeterm.domain.errors import DataError
from tradeterm.domain.market_data import Candle

INTERVALS = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "4h": 240, "1d": 1440, "1w": 10080}
"""tradeterm timeframes and Kraken's interval minutes (Kraken keeps the last 720 of each)."""


def ohlc_path(altname: str, timeframe: str, since_ms: int | None) -> str:
    """The request for bars from ``since_ms`` (Kraken takes seconds).

    Raises:
        DataError: Kraken has no such interval.
    """
    minutes = INTERVALS.get(timeframe)
    if minutes is None:
        raise DataError(f"Kraken has no {timeframe!r} candles; allowed: {', '.join(INTERVALS)}")
    path = f"OHLC?pair={altname}&interval={minutes}"
    return path if since_ms is None else f"{path}&since={since_ms // 1000}"


def parse_ohlc(body: bytes, since_ms: int | None = None) -> list[Candle]:
    """Closed bars from an OHLC body: the last row is the bar still open, and is left out.

    Rows are ``[time_s, open, high, low, close, vwap, volume, count]``.

    Raises:
        DataError: Kraken reported an error, or the body is not OHLC.
    """
    try:
        data: dict[str, Any] = orjson.loads(body)
        if data.get("error"):
            raise DataError(f"Kraken OHLC refused: {'; '.join(map(str, data['error']))}")
        rows = next(v for k, v in data["result"].items() if k != "last")
        candles = [
            Candle(
                int(r[0]) * 1000,
                Decimal(r[1]),
                Decimal(r[2]),
                Decimal(r[3]),
                Decimal(r[4]),
                Decimal(r[6]),
            )
            for r in rows[:-1]
        ]
    except (
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        StopIteration,
        AttributeError,
        ArithmeticError,
    ) as exc:
        raise DataError(f"OHLC is not readable: {exc}") from exc
    return [c for c in candles if since_ms is None or c.ts_ms >= since_ms]
