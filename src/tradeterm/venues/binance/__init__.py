"""Native Binance spot market data: markets, diff-depth books, trades and tickers."""

from tradeterm.venues.binance.feed import BinanceFeed

__all__ = ["BinanceFeed"]
