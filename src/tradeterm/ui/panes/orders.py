"""The open-orders pane: the active account's working orders, with edit, cancel and move keys."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message

from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.market import Market
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountState
from tradeterm.ui.format import fmt_price, fmt_qty
from tradeterm.ui.keys import ORDERS_BINDINGS
from tradeterm.ui.palette import role
from tradeterm.ui.widgets.table import Column, FastTable, Row

COLUMNS = (
    Column("symbol", "SYMBOL", 9, "left"),
    Column("side", "SIDE", 4, "left"),
    Column("type", "TYPE", 12, "left", priority=1),
    Column("price", "PRICE", 10),
    Column("qty", "QTY", 8),
    Column("status", "STATUS", 6, "left", priority=2),
    Column("filled", "FILLED", 8, priority=3),
    Column("queue", "QUEUE", 8, priority=4),
    Column("stop", "TRIGGER", 10, priority=5),
    Column("id", "ID", 12, "left", flex=True, priority=6),
)
TYPE_LABELS = {
    OrderType.LIMIT: "limit",
    OrderType.MARKET: "market",
    OrderType.STOP_LIMIT: "stop-lmt",
    OrderType.STOP_MARKET: "stop-mkt",
    OrderType.TAKE_PROFIT_LIMIT: "tp-lmt",
    OrderType.TAKE_PROFIT_MARKET: "tp-mkt",
    OrderType.TRAILING_STOP: "trail",
}
EMULATED = "·emu"
STATUS_LABELS = {
    OrderStatus.SUBMITTED: "sent…",
    OrderStatus.EMULATED: "watch",
    OrderStatus.TRIGGERED: "fired",
    OrderStatus.DENIED: "denied",
    OrderStatus.OPEN: "open",
    OrderStatus.PARTIALLY_FILLED: "part",
    OrderStatus.PENDING_CANCEL: "cxl…",
    OrderStatus.PENDING_AMEND: "amd…",
}


_bid = role("bid")
_ask = role("ask")
_muted = role("muted")


def order_row(order: Order, market: Market | None) -> Row:
    places = market.price_places if market else 8
    qty_places = market.qty_places if market else 8
    kind = TYPE_LABELS.get(order.type, order.type.value) + (EMULATED if order.emulated else "")
    trigger = order.stop_price
    stop = fmt_price(trigger, places) if trigger is not None else ""
    if order.type is OrderType.TRAILING_STOP and trigger is None and order.trail is not None:
        stop = f"±{order.trail}"
    side = _bid if order.side is Side.BUY else _ask
    status = STATUS_LABELS.get(order.status, order.status.value)
    queue = order.queue_ahead
    return Row(
        order.client_id,
        (
            order.symbol,
            order.side.value,
            kind,
            fmt_price(order.price, places) if order.price is not None else "market",
            fmt_qty(order.qty, qty_places, 8),
            status,
            fmt_qty(order.filled, qty_places, 8),
            "—" if queue is None else fmt_qty(queue, qty_places, 8),
            stop,
            order.client_id,
        ),
        (
            order.symbol,
            order.side.value,
            kind,
            order.price,
            order.qty,
            status,
            order.filled,
            queue,
            trigger,
            order.created_ns,
        ),
        (None, side, None, side, None, _muted if status.endswith("…") else None),
    )


class OrdersPane(Vertical):
    """Working orders of the active account, newest first; keys act on the selected one."""

    BINDINGS: ClassVar[list[BindingType]] = list(ORDERS_BINDINGS)

    class Act(Message):
        """A key asked to ``action`` (edit, cancel, move) the order ``client_id``."""

        def __init__(self, action: str, client_id: str | None, ticks: int = 0) -> None:
            super().__init__()
            self.action = action
            self.client_id = client_id
            self.ticks = ticks

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = FastTable(COLUMNS, id="orders-table", empty_text="no open orders")
        self.emulated_shown = False
        self._rows: dict[tuple[object, ...], Row] = {}  # rows by what they show

    def compose(self) -> ComposeResult:
        yield self.table

    @property
    def selected(self) -> str | None:
        return self.table.cursor_key

    def show(self, account: AccountState, markets: Mapping[str, Market]) -> None:
        orders = account.open_orders()[::-1]  # newest first (the account keeps them in order)
        cache = self._rows
        rows: dict[tuple[object, ...], Row] = {}
        for order in orders:
            key = (order.client_id, order.status, order.qty, order.filled, order.price,
                   order.stop_price, order.queue_ahead)  # fmt: skip
            row = cache.get(key)
            rows[key] = row if row is not None else order_row(order, markets.get(order.symbol))
        self._rows = rows
        self.table.set_rows(list(rows.values()))
        self.emulated_shown = any(o.emulated for o in orders)

    def action_edit(self) -> None:
        self.post_message(self.Act("edit", self.selected))

    def action_cancel(self) -> None:
        self.post_message(self.Act("cancel", self.selected))

    def action_move(self, ticks: int) -> None:
        self.post_message(self.Act("move", self.selected, ticks))


def resting_by_price(
    account: AccountState, symbol: str
) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    """(buys, sells): the remaining size of the account's orders resting at each limit price
    on ``symbol`` (for the ladder's own-order markers)."""
    buys: dict[Decimal, Decimal] = {}
    sells: dict[Decimal, Decimal] = {}
    for order in account.orders.values():
        if order.symbol != symbol or not order.is_open or order.price is None:
            continue
        if order.type.has_trigger and not order.triggered_ns:
            continue  # a stop-limit waits for its trigger: it is not on the book yet
        side = buys if order.side is Side.BUY else sells
        side[order.price] = side.get(order.price, Decimal(0)) + order.remaining
    return buys, sells
