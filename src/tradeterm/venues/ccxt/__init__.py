"""Live accounts on any exchange ccxt speaks (ccxt is imported only when one is used)."""

from tradeterm.venues.ccxt.execution import CcxtVenue

__all__ = ["CcxtVenue"]
