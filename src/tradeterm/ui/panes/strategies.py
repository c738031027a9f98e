"""The strategies pane: every instance started, its state, orders, position and PnL, and the
user's strategy files that did not load; n (start form), p, u, x, v (its log lines).

Position and PnL are the strategy's own: from the fills of the orders tagged with its name
(the account may hold more of the asset), the PnL marked at the mid (fees in the quote
asset counted, fees in the base asset already in the position).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import Side
from tradeterm.domain.market import Market
from tradeterm.engine.accounts import AccountState
from tradeterm.strategies.status import LoadError, StrategyState
from tradeterm.ui.format import clock_text, fmt_money, fmt_qty
from tradeterm.ui.keys import STRATEGIES_BINDINGS
from tradeterm.ui.palette import role
from tradeterm.ui.widgets.table import Column, FastTable, Row

if TYPE_CHECKING:  # the hosts come from the runner: the pane loads no strategy
    from tradeterm.strategies.host import StrategyHost

COLUMNS = (
    Column("name", "NAME", 8, "left", flex=True),
    Column("kind", "KIND", 6, "left", priority=2),
    Column("symbol", "SYMBOL", 8, "left", priority=1),
    Column("account", "ACCOUNT", 7, "left", priority=3),
    Column("state", "STATE", 7, "left"),
    Column("orders", "ORD", 3),
    Column("position", "POS", 6, priority=1),
    Column("pnl", "PNL", 7),
    Column("since", "SINCE", 8, priority=4),
)
EMPTY = "no strategies running · :strategy start NAME"
LEGEND = "p pause · u resume · x stop"
BROKEN = "broken"
"""The state shown for a strategy file that did not load."""

_STATE_ROLE = {
    StrategyState.RUNNING: role("pnl_up"),
    StrategyState.PAUSED: role("warning"),
    StrategyState.FAILED: role("error"),
    StrategyState.STOPPED: role("muted"),
}


def own_position_and_pnl(
    host: StrategyHost, account: AccountState, market: Market | None, book: OrderBook | None
) -> tuple[Decimal, Decimal | None]:
    """The base its fills brought in (net of base fees) and its PnL in the quote asset,
    marked at the mid (None: no mid yet)."""
    tagged = {cid for cid, order in account.orders.items() if order.tag == host.name}
    qty = cash = Decimal(0)
    for fill in account.fills:
        if fill.client_id not in tagged:
            continue
        sign = 1 if fill.side is Side.BUY else -1
        qty += sign * fill.qty
        cash -= sign * fill.qty * fill.price
        if market is not None and fill.fee_asset == market.base:
            qty -= fill.fee
        elif market is not None and fill.fee_asset == market.quote:
            cash -= fill.fee
    mid = book.mid() if book is not None else None
    if mid is None:
        return qty, (cash if not qty else None)
    return qty, cash + qty * mid


def strategy_row(host: StrategyHost) -> Row:
    state = host.engine.state
    account = state.accounts.get(host.account)
    market = book = None
    if account is not None:
        instrument = state.instrument(account, host.symbol)
        market, book = state.markets.get(instrument), state.books.get(instrument)
    qty, pnl = (
        own_position_and_pnl(host, account, market, book)
        if account is not None
        else (Decimal(0), None)
    )
    places = market.qty_places if market is not None else 8
    shown = host.state.value
    pnl_text = fmt_money(pnl) if pnl is not None else "-"
    pnl_role = None if not pnl else role("pnl_up") if pnl > 0 else role("pnl_down")
    return Row(
        host.name,
        (
            host.name,
            host.strategy.kind,
            host.symbol,
            host.account,
            shown,
            str(len(host.open_orders())),
            fmt_qty(qty, places, width=0).strip(),
            pnl_text,
            clock_text(host.since_ns),
        ),
        (
            host.name,
            host.strategy.kind,
            host.symbol,
            host.account,
            host.state.value,
            len(host.open_orders()),
            qty,
            pnl or Decimal(0),
            host.since_ns,
        ),
        (None, None, None, None, _STATE_ROLE.get(host.state), None, None, pnl_role, None),
    )


def broken_row(error: LoadError) -> Row:
    """A strategy file that did not load: its file name, state ``broken`` (the subtitle
    gives its path, line and error)."""
    key = str(error.path)
    shown = (error.path.name, "-", "", "", BROKEN, "", "", "", "")
    return Row(
        key,
        shown,
        (error.path.name, "", "", "", BROKEN, 0, Decimal(0), Decimal(0), 0),
        (None, None, None, None, role("error"), None, None, None, None),
    )


class StrategiesPane(Vertical):
    """Lists the strategy instances; posts ``Act`` with the chosen one's name."""

    BINDINGS: ClassVar[list[BindingType]] = list(STRATEGIES_BINDINGS)

    class Act(Message):
        """Pause, resume or stop the selected strategy (None: the table is empty)."""

        def __init__(self, action: str, name: str | None) -> None:
            super().__init__()
            self.action = action
            self.name = name

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = FastTable(COLUMNS, sort_column=8, id="strategies-table", empty_text=EMPTY)
        self.reason = ""
        """Why the selected one is paused, stopped or failed (the pane's subtitle)."""

    def compose(self) -> ComposeResult:
        yield self.table

    def show(self, hosts: Iterable[StrategyHost], broken: Iterable[LoadError] = ()) -> None:
        rows, reasons = [], {}
        for host in hosts:
            rows.append(strategy_row(host))
            reasons[host.name] = host.reason
        for error in broken:
            rows.append(broken_row(error))
            reasons[str(error.path)] = f"did not load: {error}"
        self.table.set_rows(rows)
        selected = self.table.cursor_key
        self.reason = reasons.get(selected, "") if selected is not None else ""

    def action_act(self, action: str) -> None:
        self.post_message(self.Act(action, self.table.cursor_key))
