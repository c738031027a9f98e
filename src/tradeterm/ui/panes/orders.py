"""The open-orders pane: the active account's working orders, with edit, cancel and move keys.

Each order shows the shortest ending of its id that is unique among the open orders (what
``cancel ID`` takes) and, for stops, the price that fires them (a trailing stop's distance too).
TAG names the strategy instance that placed it (empty for the user's own orders). A TWAP or
VWAP parent is one row (ID ``A1``..., TAG ``algo``) with its progress; ``c`` cancels it whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
from tradeterm.engine.algos import AlgoOrder
from tradeterm.ui.format import fmt_price, fmt_qty
from tradeterm.ui.keys import ORDERS_BINDINGS
from tradeterm.ui.palette import role
from tradeterm.ui.panes.algo_rows import algo_row
from tradeterm.ui.widgets.table import Column, FastTable, Row

COLUMNS = (
    Column("id", "ID", 3, "left"),
    Column("symbol", "SYMBOL", 8, "left", min_width=6),
    Column("side", "SIDE", 4, "left"),
    Column("type", "TYPE", 5, "left", priority=1),
    Column("price", "PRICE", 6),
    Column("stop", "TRIGGER", 7),
    Column("qty", "QTY", 6),
    Column("status", "STATUS", 4, "left", priority=2),
    Column("filled", "FILLED", 6, priority=3),
    Column("queue", "QUEUE", 5, priority=4),
    Column("tag", "TAG", 3, "left", priority=5),  # only where the pane is wide enough
)
SHORT_ID = 3
"""The fewest characters of an order's id the pane shows."""
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


def short_ids(client_ids: Sequence[str], least: int = SHORT_ID) -> dict[str, str]:
    """Each id's shortest ending (at least ``least`` characters) that no other id in
    ``client_ids`` ends with, ignoring case: what ``cancel ID`` needs to find that order."""
    # ids sorted by their reversed text: an id shares its longest ending with a neighbour
    ends = sorted((cid.lower()[::-1], cid) for cid in client_ids)
    shared = [0] * len(ends)  # the longest ending each shares with a neighbour
    for n in range(1, len(ends)):
        common = _shared_start(ends[n - 1][0], ends[n][0])
        shared[n - 1] = max(shared[n - 1], common)
        shared[n] = max(shared[n], common)
    return {
        cid: cid[-min(len(cid), max(least, most + 1)) :]
        for (_, cid), most in zip(ends, shared, strict=True)
    }


def _shared_start(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def trigger_text(order: Order, places: int) -> str:
    """The price that fires a stop, and a trailing stop's distance: ``trail 150.0 → 67,100.0``
    (the arrow and the stop once a trade has set it)."""
    stop = order.stop_price
    if order.type is OrderType.TRAILING_STOP and order.trail is not None:
        text = f"trail {fmt_price(order.trail, places)}"
        return text if stop is None else f"{text} → {fmt_price(stop, places)}"
    return "" if stop is None else fmt_price(stop, places)


def order_row(order: Order, market: Market | None, short_id: str | None = None) -> Row:
    places = market.price_places if market else 8
    qty_places = market.qty_places if market else 8
    kind = TYPE_LABELS.get(order.type, order.type.value) + (EMULATED if order.emulated else "")
    side = _bid if order.side is Side.BUY else _ask
    status = STATUS_LABELS.get(order.status, order.status.value)
    queue = order.queue_ahead
    return Row(
        order.client_id,
        (
            order.client_id if short_id is None else short_id,
            order.symbol,
            order.side.value,
            kind,
            fmt_price(order.price, places) if order.price is not None else "market",
            trigger_text(order, places),
            fmt_qty(order.qty, qty_places, 8),
            status,
            fmt_qty(order.filled, qty_places, 8),
            "—" if queue is None else fmt_qty(queue, qty_places, 8),
            order.tag or "",
        ),
        (
            order.created_ns,
            order.symbol,
            order.side.value,
            kind,
            order.price,
            order.stop_price,
            order.qty,
            status,
            order.filled,
            queue,
            order.tag or "",
        ),
        (_muted, None, side, None, side, None, None, _muted if status.endswith("…") else None),
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
        #: Carries out a key (action, selected id, ticks) in the key's own handler, so a
        #: screen it opens (``e``) takes the rest of a burst; the parent sets it. Unset,
        #: the key is posted up as an ``Act`` message.
        self.act: Callable[[str, str | None, int], None] | None = None

    def compose(self) -> ComposeResult:
        yield self.table

    @property
    def selected(self) -> str | None:
        return self.table.cursor_key

    def show(
        self,
        account: AccountState,
        markets: Mapping[str, Market],
        algos: Sequence[AlgoOrder] = (),
        now_ns: int = 0,
    ) -> None:
        """The open orders, newest first, after one row per TWAP/VWAP parent in ``algos``
        (whose children are not listed on their own)."""
        parents = {algo.id for algo in algos}
        orders = [o for o in account.open_orders()[::-1] if o.tag not in parents]
        ids = short_ids([order.client_id for order in orders])
        cache = self._rows
        rows: dict[tuple[object, ...], Row] = {}
        for order in orders:
            short = ids[order.client_id]
            key = (order.client_id, short, order.status, order.qty, order.filled, order.price,
                   order.stop_price, order.queue_ahead)  # fmt: skip
            row = cache.get(key)
            if row is None:
                row = order_row(order, markets.get(order.symbol), short)
            rows[key] = row
        self._rows = rows
        shown = [algo_row(a, markets.get(a.order.symbol), now_ns) for a in algos]
        self.table.set_rows([*shown, *rows.values()])
        self.emulated_shown = any(o.emulated for o in orders)

    def _do(self, action: str, ticks: int = 0) -> None:
        if self.act is not None:
            self.act(action, self.selected, ticks)
        else:
            self.post_message(self.Act(action, self.selected, ticks))

    def action_edit(self) -> None:
        self._do("edit")

    def action_cancel(self) -> None:
        self._do("cancel")

    def action_move(self, ticks: int) -> None:
        self._do("move", ticks)


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
