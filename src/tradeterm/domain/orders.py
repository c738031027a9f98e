"""Orders and their state machine, written as a transition table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.enums import OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.numbers import ZERO

S = OrderStatus

#: Which status may follow which. Anything else is a bug or a stale venue message.
#: A cancel or amend that the venue refuses returns the order to its working status
#: (``Order.working_status``): OPEN, PARTIALLY_FILLED, EMULATED or TRIGGERED.
_WORKING = frozenset({S.OPEN, S.PARTIALLY_FILLED, S.EMULATED, S.TRIGGERED})
_ENDS = frozenset({S.FILLED, S.CANCELED, S.EXPIRED, S.REJECTED})
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.SUBMITTED: frozenset({S.OPEN, S.PARTIALLY_FILLED, S.TRIGGERED, S.PENDING_CANCEL} | _ENDS),
    S.EMULATED: frozenset({S.TRIGGERED, S.PENDING_CANCEL, S.PENDING_AMEND, S.CANCELED, S.EXPIRED}),
    S.TRIGGERED: frozenset(
        {S.TRIGGERED, S.OPEN, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.PENDING_AMEND} | _ENDS
    ),
    S.OPEN: frozenset(
        {S.OPEN, S.PARTIALLY_FILLED, S.TRIGGERED, S.PENDING_CANCEL, S.PENDING_AMEND}
        | _ENDS - {S.REJECTED}
    ),
    S.PARTIALLY_FILLED: frozenset(
        {S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.PENDING_AMEND} | _ENDS - {S.REJECTED}
    ),
    # a cancel may lose the race to a fill, an IOC/market expiry or a venue rejection
    S.PENDING_CANCEL: frozenset({S.PENDING_CANCEL} | _WORKING | _ENDS),
    # an amend the venue refuses leaves the order working ("amend rejected: ...")
    S.PENDING_AMEND: frozenset(
        {S.PENDING_AMEND, S.PENDING_CANCEL} | _WORKING | _ENDS - {S.REJECTED}
    ),
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
    S.DENIED: frozenset(),
}


class InvalidTransition(ValueError):
    """A status change the table does not allow."""


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    return new in TRANSITIONS[current]


@dataclass(slots=True)
class Order:
    """An order as the engine tracks it, keyed by ``client_id`` from before it is sent."""

    client_id: str
    account: str
    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    tif: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    status: OrderStatus = OrderStatus.SUBMITTED
    filled: Decimal = ZERO
    cost: Decimal = ZERO
    fee: Decimal = ZERO
    fee_asset: str = ""
    created_ns: int = 0
    updated_ns: int = 0
    venue_order_id: str = ""
    reason: str = ""
    emulated: bool = False
    trail: Decimal | None = None
    group: str = ""
    queue_ahead: Decimal | None = None
    reserved: Decimal = ZERO
    """Funds still held for this order (quote for buys, base for sells)."""
    budget: Decimal | None = None
    """Most quote a buy that works as market may spend (its hold); the venue stops there."""
    oco: str = ""
    """The client id of the other order of an OCO pair: one filling or firing cancels it."""
    take_profit: Decimal | None = None
    stop_loss: Decimal | None = None
    """A bracket entry's exit prices: an OCO pair for the filled quantity follows the entry."""
    mid_at_send: Decimal | None = None
    """The book's mid when the order was placed (slippage in session reports)."""
    triggered_ns: int = 0
    """When its stop, take-profit or trailing condition fired (0: not yet)."""
    tag: str = ""
    """Who placed it: a strategy instance's name, empty for manual orders."""

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.filled

    @property
    def avg_price(self) -> Decimal | None:
        return self.cost / self.filled if self.filled else None

    @property
    def is_open(self) -> bool:
        return not self.status.is_final

    def working_status(self) -> OrderStatus:
        """The status of this order while it works, with no request pending."""
        if self.filled:
            return OrderStatus.PARTIALLY_FILLED
        if self.triggered_ns:
            return OrderStatus.TRIGGERED
        return OrderStatus.EMULATED if self.emulated else OrderStatus.OPEN

    def transition(self, new: OrderStatus) -> None:
        """Move to ``new`` or raise InvalidTransition."""
        if not can_transition(self.status, new):
            raise InvalidTransition(f"order {self.client_id}: {self.status} -> {new} not allowed")
        self.status = new


def amend_keeps_queue(order: Order, price: Decimal | None, qty: Decimal) -> bool:
    """Whether amending to ``price``/``qty`` keeps the order's place in the queue.

    Lowering the quantity at the same price keeps it; a new price or a larger
    quantity sends the order to the back of the queue (cancel-replace).
    """
    return (price is None or price == order.price) and qty <= order.qty
