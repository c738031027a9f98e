"""Paper trading: a matching engine that fills orders honestly against any market-data feed."""

from tradeterm.domain.orders import amend_keeps_queue
from tradeterm.venues.paper.venue import NATIVE_TYPES, PaperVenue

__all__ = ["NATIVE_TYPES", "PaperVenue", "amend_keeps_queue"]
