"""Venues on any exchange ccxt speaks: live accounts (``CcxtVenue``) and market feeds
(``feed.CcxtFeed``); ccxt is imported only when one is used."""

from tradeterm.venues.ccxt.execution import CcxtVenue

__all__ = ["CcxtVenue"]
