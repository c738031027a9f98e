"""Commands: what a user or a strategy asks the engine to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.enums import OrderType, Side, TimeInForce


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """Place an order. ``quote_qty`` sizes it in quote currency (``$500``) instead of ``qty``."""

    symbol: str
    side: Side
    type: OrderType
    qty: Decimal | None = None
    quote_qty: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    tif: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    trail: Decimal | None = None
    take_profit: Decimal | None = None
    stop_loss: Decimal | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class AmendOrder:
    client_id: str
    price: Decimal | None = None
    qty: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CancelOrder:
    client_id: str


@dataclass(frozen=True, slots=True)
class CancelAll:
    """Cancel every open order of the active account whose symbol matches ``pattern``."""

    pattern: str = "*"
    account: str | None = None


@dataclass(frozen=True, slots=True)
class ClosePosition:
    """Close a position with a reduce-only market order for what is held, rounded down to
    the lot. ``symbol`` None closes every position of the account (None: the active one)."""

    symbol: str | None = None
    account: str | None = None


@dataclass(frozen=True, slots=True)
class SwitchAccount:
    account: str


@dataclass(frozen=True, slots=True)
class SelectSymbol:
    symbol: str


Command = (
    PlaceOrder | AmendOrder | CancelOrder | CancelAll | ClosePosition | SwitchAccount | SelectSymbol
)
