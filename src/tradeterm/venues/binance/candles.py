"""Binance candles over REST: GET /api/v3/klines, closed bars only, oldest first."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import orjson

from tradeterm.domain.errors import DataError
from tradeterm.domain.market_data import Candle

INTERVALS = frozenset(
    {"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"}
)
MAX_LIMIT = 1000
"""Binance serves at most 1000 klines a request."""


def klines_path(native: str, timeframe: str, since_ms: int | None, limit: int) -> str:
    """The request for ``limit`` bars from ``since_ms``.

    Raises:
        DataError: Binance has no such interval.
    """
    if timeframe not in INTERVALS:
        allowed = ", ".join(sorted(INTERVALS))
        raise DataError(f"Binance has no {timeframe!r} candles; allowed: {allowed}")
    path = f"klines?symbol={native}&interval={timeframe}&limit={max(1, min(limit, MAX_LIMIT))}"
    return path if since_ms is None else f"{path}&startTime={since_ms}"


def parse_klines(body: bytes, now_ms: int | None = None) -> list[Candle]:
    """Closed bars from a klines body (a bar still open at ``now_ms`` is left out).

    Raises:
        DataError: the body is not a klines list.
    """
    now = int(time.time() * 1000) if now_ms is None else now_ms
    try:
        rows: list[list[Any]] = orjson.loads(body)
        return [
            Candle(
                int(r[0]), Decimal(r[1]), Decimal(r[2]), Decimal(r[3]), Decimal(r[4]), Decimal(r[5])
            )
            for r in rows
            if int(r[6]) < now
        ]
    except (ValueError, TypeError, IndexError, KeyError, ArithmeticError) as exc:
        raise DataError(f"klines are not readable: {exc}") from exc
