"""Commands: what a user or a strategy asks the engine to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.enums import OrderType, Side, TimeInForce, TradingState


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
    tag: str = ""
    """Who placed it (a strategy instance's name); kept on the order and journaled."""


@dataclass(frozen=True, slots=True)
class PlaceOco:
    """An exit pair for a position: a take-profit limit and a stop-loss; one cancels the other."""

    symbol: str
    side: Side
    qty: Decimal
    take_profit: Decimal
    stop_loss: Decimal
    account: str | None = None


@dataclass(frozen=True, slots=True)
class AmendOrder:
    """Change an open order's limit price, quantity, or (an order the engine holds) trigger.

    ``qty`` None keeps the quantity."""

    client_id: str
    price: Decimal | None = None
    qty: Decimal | None = None
    stop_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CancelOrder:
    client_id: str


@dataclass(frozen=True, slots=True)
class CancelAll:
    """Cancel every open order whose symbol (or base) matches ``pattern`` (a glob).

    ``account`` None is the active account and ``"*"`` every account; ``side`` None is
    both sides."""

    pattern: str = "*"
    account: str | None = None
    side: Side | None = None


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
    """Make an instrument active: ``BTC/USDT@binance``, or a bare symbol one venue lists."""

    symbol: str


@dataclass(frozen=True, slots=True)
class SetTradingState:
    """ACTIVE trades; REDUCING lets only orders that shrink a position through; HALTED only
    cancels. ``account`` None is the active account."""

    state: TradingState
    account: str | None = None
    reason: str = "set by the user"


@dataclass(frozen=True, slots=True)
class ResetAccount:
    """Cancel a paper account's orders and restore its starting balances."""

    account: str | None = None


@dataclass(frozen=True, slots=True)
class Arm:
    """Arm a live account so its orders reach the exchange. ``typed_name`` is what the user
    typed to confirm: it must be the account's name. ``account`` None is the active one."""

    typed_name: str
    account: str | None = None


@dataclass(frozen=True, slots=True)
class Disarm:
    """Disarm a live account: no new order reaches the exchange (cancels still do)."""

    account: str | None = None
    reason: str = "by the user"


@dataclass(frozen=True, slots=True)
class Kill:
    """Cancel every open order on every account, armed or not; ``flatten`` also closes every
    position at market."""

    flatten: bool = False


Command = (
    PlaceOrder
    | PlaceOco
    | AmendOrder
    | CancelOrder
    | CancelAll
    | SwitchAccount
    | SelectSymbol
    | SetTradingState
    | ResetAccount
    | ClosePosition
    | Arm
    | Disarm
    | Kill
)
