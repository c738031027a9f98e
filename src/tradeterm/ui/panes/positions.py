"""The positions pane: balances (free / reserved / total) and positions with PnL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tradeterm.domain.book import OrderBook
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import decimals_of
from tradeterm.engine.accounts import AccountState
from tradeterm.ui.format import asset_places, fmt_amount, fmt_money, fmt_price, fmt_qty
from tradeterm.ui.keys import POSITIONS_BINDINGS
from tradeterm.ui.palette import Palette
from tradeterm.ui.widgets.table import Column, FastTable, Row

BALANCE_COLUMNS = (
    Column("asset", "ASSET", 5, "left"),
    Column("free", "FREE", 6),
    Column("reserved", "RESERVED", 8, priority=2),
    Column("total", "TOTAL", 6, priority=1),
    Column("value", "VALUE", 6, priority=3),
)
POSITION_COLUMNS = (
    Column("symbol", "SYMBOL", 8, "left", min_width=6),
    Column("qty", "QTY", 6),
    Column("avg", "AVG COST", 8, priority=2),
    Column("mark", "MARK", 6, priority=3),
    Column("upnl", "UNREAL PnL", 10),
    Column("rpnl", "REAL PnL", 8, priority=1),
)


def _pnl_style(value: Decimal) -> Callable[[Palette], Style | None]:
    def style(p: Palette) -> Style | None:
        if value > 0:
            return p.pnl_up
        return p.pnl_down if value < 0 else None

    return style


def asset_price(asset: str, books: Mapping[str, OrderBook], quote: str) -> Decimal | None:
    """One unit of ``asset`` in ``quote``, at the mid of ASSET/QUOTE (None without a book)."""
    if asset == quote:
        return Decimal(1)
    book = books.get(f"{asset}/{quote}")
    return book.mid() if book is not None else None


def equity(
    account: AccountState, books: Mapping[str, OrderBook], quote: str = "USDT"
) -> tuple[Decimal, list[str]]:
    """(the account's balances valued in ``quote`` at mid, the assets that have no price)."""
    total = Decimal(0)
    unpriced = []
    for asset, bal in sorted(account.balances.items()):
        price = asset_price(asset, books, quote)
        if price is None:
            if bal.total:
                unpriced.append(asset)
            continue
        total += bal.total * price
    return total, unpriced


class PositionsPane(Vertical):
    """Balances of the active account and its positions, marked to the book's mid."""

    BINDINGS: ClassVar[list[BindingType]] = list(POSITIONS_BINDINGS)

    class Close(Message):
        """A key asked to close the position in ``symbol`` (None: no position row)."""

        def __init__(self, symbol: str | None) -> None:
            super().__init__()
            self.symbol = symbol

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.summary = Static("", id="equity", markup=False)
        self._summary_text = ""
        self.balances = FastTable(BALANCE_COLUMNS, id="balances-table", empty_text="no balances")
        self.positions = FastTable(
            POSITION_COLUMNS, id="positions-table", empty_text="no positions yet"
        )

    def compose(self) -> ComposeResult:
        yield self.summary
        yield self.balances
        yield self.positions

    def show(
        self,
        account: AccountState,
        markets: Mapping[str, Market],
        books: Mapping[str, OrderBook],
        quote: str = "USDT",
    ) -> None:
        def mark(symbol: str) -> Decimal | None:
            book = books.get(symbol)
            return book.mid() if book else None

        equity = Decimal(0)
        balance_rows = []
        for asset, bal in sorted(account.balances.items()):
            price = asset_price(asset, books, quote)
            value = None if price is None else bal.total * price
            places = asset_places(asset)
            equity += value or 0
            balance_rows.append(
                Row(
                    asset,
                    (
                        asset,
                        fmt_amount(bal.free, places, width=16),
                        fmt_amount(bal.reserved, places, width=14),
                        fmt_amount(bal.total, places, width=16),
                        "—" if value is None else fmt_money(value, 2, 12),
                    ),
                    (asset, bal.free, bal.reserved, bal.total, value),
                )
            )
        self.balances.set_rows(balance_rows)

        position_rows = []
        unrealized_total = Decimal(0)
        for symbol, pos in sorted(account.positions.items()):
            qty = pos.qty
            market = markets.get(symbol)
            if market is None or (not qty and not pos.realized_pnl):
                continue
            price = mark(symbol)
            upnl = pos.unrealized(price)
            unrealized_total += upnl
            places = market.price_places
            position_rows.append(
                Row(
                    symbol,
                    (
                        symbol,
                        # to the lot; dust below it shows in full (never rounded up)
                        fmt_qty(qty, max(market.qty_places, decimals_of(qty)), 12),
                        fmt_price(pos.avg_cost, places),
                        fmt_price(price, places),
                        f"{upnl:+,.2f}",
                        f"{pos.realized_pnl:+,.2f}",
                    ),
                    (symbol, qty, pos.avg_cost, price, upnl, pos.realized_pnl),
                    (None, None, None, None, _pnl_style(upnl), _pnl_style(pos.realized_pnl)),
                )
            )
        self.positions.set_rows(position_rows)
        summary = (
            f"{account.name}  equity {fmt_money(equity, 2, 16)} {quote}   "
            f"unrealized {unrealized_total:+,.2f}"
        )
        if summary != self._summary_text:
            self._summary_text = summary
            self.summary.update(summary, layout=False)

    def action_close_position(self) -> None:
        self.post_message(self.Close(self.positions.cursor_key))
