"""Public market data: trades, tickers and candles."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.enums import Side
from tradeterm.domain.quick_init import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade print; ``side`` is the aggressor's side."""

    symbol: str
    price: Decimal
    qty: Decimal
    side: Side
    ts_ns: int
    trade_id: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class Ticker:
    """Rolling 24-hour statistics for a symbol."""

    symbol: str
    last: Decimal
    bid: Decimal | None
    ask: Decimal | None
    open_24h: Decimal
    high_24h: Decimal
    low_24h: Decimal
    volume_24h: Decimal
    quote_volume_24h: Decimal
    ts_ns: int

    @property
    def change_pct(self) -> float:
        if not self.open_24h:
            return 0.0
        return float((self.last - self.open_24h) / self.open_24h) * 100.0


@dataclass(slots=True)
class Candle:
    """One OHLCV bar; ``ts_ms`` is the bar's open time in milliseconds since the epoch."""

    ts_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    def add_trade(self, price: Decimal, qty: Decimal) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += qty
