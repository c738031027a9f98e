"""Enumerations shared by every layer: sides, order types, statuses, feed states."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"
    TAKE_PROFIT_MARKET = "take_profit_market"
    TAKE_PROFIT_LIMIT = "take_profit_limit"
    TRAILING_STOP = "trailing_stop"

    @property
    def has_limit_price(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.TAKE_PROFIT_LIMIT)

    @property
    def has_trigger(self) -> bool:
        return self not in (OrderType.MARKET, OrderType.LIMIT)


class TimeInForce(StrEnum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class OrderStatus(StrEnum):
    """Where an order stands; ``domain.orders.TRANSITIONS`` says which may follow which.

    SUBMITTED: journaled and handed to the venue, no answer yet (after a crash the
    venue may hold it). EMULATED: held by the engine until its condition (a trailing
    stop, an OCO stop-loss). TRIGGERED: its condition fired and the order it became is
    on its way or working. OPEN: the venue accepted it (the design's ACCEPTED).
    DENIED: refused by tradeterm's own checks; it never left.
    """

    SUBMITTED = "submitted"
    EMULATED = "emulated"
    TRIGGERED = "triggered"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"
    PENDING_AMEND = "pending_amend"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    DENIED = "denied"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @classmethod
    def _missing_(cls, value: object) -> OrderStatus | None:
        # ledgers and recordings written before SUBMITTED existed say "pending_new"
        return cls.SUBMITTED if value == "pending_new" else None


_FINAL = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
        OrderStatus.EXPIRED,
        OrderStatus.DENIED,
    }
)


class TradingState(StrEnum):
    """What an account may do: trade (ACTIVE), only shrink positions (REDUCING), or only
    cancel (HALTED). Set by the user (``:halt``, ``:reduce``, ``:resume``) and by risk rules."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


class Liquidity(StrEnum):
    MAKER = "maker"
    TAKER = "taker"


class FeedState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    STALE = "stale"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"


class AccountMode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


class FillModel(StrEnum):
    """How a paper account decides that a resting order traded."""

    OPTIMISTIC = "optimistic"
    REALISTIC = "realistic"
    PESSIMISTIC = "pessimistic"
