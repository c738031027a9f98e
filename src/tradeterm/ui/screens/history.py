"""The order history (h): the active account's finished orders, newest first, with why each
ended (filled, canceled, expired or rejected, and the reason the venue or tradeterm gave)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen

from tradeterm.domain.enums import OrderStatus, Side
from tradeterm.domain.market import Market
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountState
from tradeterm.ui.format import fmt_price, fmt_qty
from tradeterm.ui.palette import role
from tradeterm.ui.panes.orders import EMULATED, TYPE_LABELS
from tradeterm.ui.widgets.table import Column, FastTable, Row

COLUMNS = (
    Column("time", "TIME", 14, "left"),
    Column("symbol", "SYMBOL", 8, "left", min_width=6),
    Column("side", "SIDE", 4, "left"),
    Column("type", "TYPE", 5, "left", priority=2),
    Column("qty", "QTY", 6),
    Column("filled", "FILLED", 6, priority=2),
    Column("avg", "AVG PRICE", 9, priority=1),
    Column("status", "STATUS", 8, "left"),
    Column("reason", "REASON", 6, "left", flex=True, priority=1, min_width=12),
)
FINISHED = frozenset(s for s in OrderStatus if s.is_final)  # DENIED too: refused, with why
EMPTY = "no finished orders yet in this account"

_bid = role("bid")
_ask = role("ask")
_muted = role("muted")
_down = role("pnl_down")


def finished_orders(account: AccountState) -> list[Order]:
    """The account's filled, canceled, expired and rejected orders, newest (last change)
    first."""
    done = [o for o in account.orders.values() if o.status in FINISHED]
    done.sort(key=lambda o: (o.updated_ns or o.created_ns, o.client_id), reverse=True)
    return done


def when(ts_ns: int) -> str:
    """MM-DD HH:MM:SS (UTC)."""
    return time.strftime("%m-%d %H:%M:%S", time.gmtime(ts_ns // 1_000_000_000))


def history_row(order: Order, market: Market | None) -> Row:
    places = market.price_places if market else 8
    qty_places = market.qty_places if market else 8
    kind = TYPE_LABELS.get(order.type, order.type.value) + (EMULATED if order.emulated else "")
    ts = order.updated_ns or order.created_ns
    avg = order.avg_price
    side = _bid if order.side is Side.BUY else _ask
    refused = order.status in (OrderStatus.REJECTED, OrderStatus.EXPIRED, OrderStatus.DENIED)
    return Row(
        order.client_id,
        (
            when(ts),
            order.symbol,
            order.side.value,
            kind,
            fmt_qty(order.qty, qty_places, 10),
            fmt_qty(order.filled, qty_places, 10),
            "—" if avg is None else fmt_price(avg, places),
            order.status.value,
            order.reason,
        ),
        (
            ts,
            order.symbol,
            order.side.value,
            kind,
            order.qty,
            order.filled,
            avg,
            order.status.value,
            order.reason,
        ),
        (_muted, None, side, None, None, None, side, _down if refused else None, _muted),
    )


class OrderHistoryScreen(ModalScreen[None]):
    """Finished orders of one account; follows new ones while it is open."""

    DEFAULT_CSS = """
    OrderHistoryScreen {
        align: center middle;
        background: $background 60%;
    }
    #history-box {
        width: 96%;
        height: 90%;
        border: round $primary;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        background: $surface;
    }
    #history-table {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,h", "close", "Close", id="history.close"),
    ]

    def __init__(self, account: Callable[[], AccountState], markets: Mapping[str, Market]) -> None:
        super().__init__()
        self.account = account
        self.markets = markets
        self.table = FastTable(COLUMNS, id="history-table", empty_text=EMPTY)
        self._rows: dict[tuple[str, OrderStatus, int], Row] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="history-box") as box:
            box.border_subtitle = "↑ ↓ scroll · > < sort · esc close"
            yield self.table

    def on_mount(self) -> None:
        self.show()
        self.table.focus()
        self.set_interval(1.0, self.show, name="history")

    def show(self) -> None:
        account = self.account()
        rows: dict[tuple[str, OrderStatus, int], Row] = {}
        for order in finished_orders(account):
            key = (order.client_id, order.status, order.updated_ns)
            row = self._rows.get(key)
            rows[key] = row or history_row(order, self.markets.get(order.symbol))
        self._rows = rows
        self.table.set_rows(list(rows.values()))
        box = self.query_one("#history-box")
        box.border_title = f"Order history · {account.name} ({len(rows)})"

    def action_close(self) -> None:
        self.dismiss(None)
