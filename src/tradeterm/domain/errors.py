"""The one error tree: every error tradeterm raises on purpose is a TradetermError."""


class TradetermError(Exception):
    """Base of every error tradeterm raises on purpose; its message is fit for a user."""


class ConfigError(TradetermError):
    """A config file or option is invalid; the message names the key and what is allowed."""


class OrderRejected(TradetermError):
    """An order broke a rule (tick, lot, notional, post-only...); nothing was sent."""


class InsufficientFunds(OrderRejected):
    """The account has too little free balance for the order."""


class VenueUnavailable(TradetermError):
    """A venue could not be reached or answered badly; retrying later may succeed."""


class DataError(TradetermError):
    """Market data was malformed or out of sequence (a gap, a bad checksum, a bad line)."""


class FatalError(TradetermError):
    """Trading must stop: the ledger cannot be written or state is inconsistent."""
