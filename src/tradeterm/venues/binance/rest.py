"""Binance public REST: the shared retrying client of ``venues.net`` (kept here by name)."""

from tradeterm.venues.net import RETRYABLE, Backoff, RestClient, RestError

__all__ = ["RETRYABLE", "Backoff", "RestClient", "RestError"]
