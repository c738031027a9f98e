"""The fills pane: the active account's executions, newest first; ``x`` exports them to CSV."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message

from tradeterm.domain.enums import Liquidity, Side
from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.ui.format import clock_text, fmt_amount, fmt_price, fmt_qty
from tradeterm.ui.keys import FILLS_BINDINGS
from tradeterm.ui.palette import role
from tradeterm.ui.widgets.table import Column, FastTable, Row

COLUMNS = (
    Column("time", "TIME", 8, "left"),
    Column("symbol", "SYMBOL", 8, "left", priority=1),
    Column("side", "SIDE", 4, "left"),
    Column("price", "PRICE", 6),
    Column("qty", "QTY", 6),
    Column("fee", "FEE", 6, priority=2),
    Column("liq", "LIQ", 5, "left", priority=3),
)


_bid = role("bid")
_ask = role("ask")


def fill_row(fill: Fill, market: Market | None) -> Row:
    places = market.price_places if market else 8
    qty_places = market.qty_places if market else 8
    side = _bid if fill.side is Side.BUY else _ask
    return Row(
        fill.fill_id,
        (
            clock_text(fill.ts_ns),
            fill.symbol,
            fill.side.value,
            fmt_price(fill.price, places),
            fmt_qty(fill.qty, qty_places, 8),
            f"{fmt_amount(fill.fee)} {fill.fee_asset}",
            "maker" if fill.liquidity is Liquidity.MAKER else "taker",
        ),
        (fill.ts_ns, fill.symbol, fill.side.value, fill.price, fill.qty, fill.fee, fill.liquidity),
        (None, None, side, side),
    )


class FillsPane(Vertical):
    """Executions of the active account; rows are built once per fill and kept."""

    BINDINGS: ClassVar[list[BindingType]] = list(FILLS_BINDINGS)

    class Export(Message):
        """``x``: write the account's fills to a CSV file."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = FastTable(COLUMNS, id="fills-table", empty_text="no fills yet")
        self._rows: dict[str, Row] = {}

    def compose(self) -> ComposeResult:
        yield self.table

    def show(self, fills: Iterable[Fill], markets: Mapping[str, Market]) -> None:
        """``fills`` newest first."""
        cache = self._rows
        rows = []
        for fill in fills:
            row = cache.get(fill.fill_id)
            if row is None:
                row = cache[fill.fill_id] = fill_row(fill, markets.get(fill.symbol))
            rows.append(row)
        if len(cache) > 2 * len(rows) + 100:
            keep = {row.key for row in rows}
            self._rows = {k: r for k, r in cache.items() if k in keep}
        self.table.set_rows(rows)

    def action_export(self) -> None:
        self.post_message(self.Export())
