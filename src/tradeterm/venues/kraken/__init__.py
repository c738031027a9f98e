"""Native Kraken spot market data: AssetPairs markets, v2 books with checksums, trades, tickers."""

from tradeterm.venues.kraken.feed import KrakenFeed

__all__ = ["KrakenFeed"]
