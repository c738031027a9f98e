"""A strategy's own candle window: bars of its declared timeframe built from the trade tape."""

from __future__ import annotations

import re
from collections import deque
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.errors import TradetermError
from tradeterm.domain.market_data import Candle, Trade

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

_TIMEFRAME = re.compile(r"^([1-9][0-9]*)([smhd])$")
_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
TIMEFRAME_HELP = "a number and a unit: s, m, h or d (e.g. 10s, 1m, 15m, 4h, 1d)"


def parse_timeframe(timeframe: str) -> int:
    """The bar length of ``timeframe`` in milliseconds.

    Raises:
        TradetermError: not ``<n><unit>``; the message says what is allowed.
    """
    match = _TIMEFRAME.match(timeframe)
    if match is None:
        raise TradetermError(f"timeframe {timeframe!r} is not {TIMEFRAME_HELP}")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


class CandleWindow:
    """The last ``size`` closed bars of one timeframe, built from trades.

    Bars are aligned to UTC epoch multiples of the timeframe. A bar closes when the
    first trade of a later bar arrives (a quiet market closes its bar late, never
    early); bars with no trade are not made up.
    """

    __slots__ = ("_live", "closed", "length_ms")

    def __init__(self, timeframe: str, size: int) -> None:
        self.length_ms = parse_timeframe(timeframe)
        self.closed: deque[Candle] = deque(maxlen=size)
        self._live: Candle | None = None

    def add(self, trade: Trade) -> Candle | None:
        """Take a trade; returns the bar it closed, if it opened a new one."""
        ts_ms = trade.ts_ns // 1_000_000
        start = ts_ms - ts_ms % self.length_ms
        live = self._live
        if live is not None and start <= live.ts_ms:
            live.add_trade(trade.price, trade.qty)
            return None
        self._live = Candle(start, trade.price, trade.price, trade.price, trade.price, trade.qty)
        if live is not None:
            self.closed.append(live)
        return live

    def frame(self) -> pd.DataFrame:
        """The closed bars as floats (``open high low close volume``, a UTC DatetimeIndex):
        the one place a strategy's Decimal prices become analysis floats."""
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # (here: ~90 MB)

        bars = self.closed
        index = pd.to_datetime([c.ts_ms for c in bars], unit="ms", utc=True)
        return pd.DataFrame(
            {
                "open": [float(c.open) for c in bars],
                "high": [float(c.high) for c in bars],
                "low": [float(c.low) for c in bars],
                "close": [float(c.close) for c in bars],
                "volume": [float(c.volume) for c in bars],
            },
            index=index,
        )

    def last_close(self) -> Decimal | None:
        return self.closed[-1].close if self.closed else None
