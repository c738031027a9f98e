"""Edit an order (e): new price and/or quantity, with what the change does to its queue place
(``engine.amend_preview``) shown before the user confirms with Enter."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tradeterm.domain.errors import TradetermError
from tradeterm.engine.engine import Engine
from tradeterm.ui.cmdwords import NUMBER_HINT, parse_number, shown
from tradeterm.ui.format import fmt_price, fmt_qty
from tradeterm.ui.widgets.lineinput import LineInput

AmendResult = tuple[Decimal | None, Decimal]


class AmendScreen(ModalScreen[AmendResult | None]):
    """Dismisses with (new price or None when unchanged, new quantity), or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="amend.close"),
    ]

    def __init__(self, engine: Engine, client_id: str) -> None:
        super().__init__()
        self.engine = engine
        self.client_id = client_id
        self.order = engine.state.account.orders[client_id]
        self.market = engine.state.markets[engine.state.order_instrument(self.order)]
        self.message = ""
        self.problems: list[str] = []

    def compose(self) -> ComposeResult:
        order, market = self.order, self.market
        places, qty_places = market.price_places, market.qty_places
        with Vertical(id="amend-box") as box:
            box.border_title = f"Edit {order.side.value} {order.symbol} · {order.client_id}"
            box.border_subtitle = "enter: amend · esc: keep as is"
            summary = (
                f"now {fmt_qty(order.qty, qty_places)} @ {fmt_price(order.price, places)}, "
                f"filled {fmt_qty(order.filled, qty_places)}"
            )
            yield Static(summary, id="amend-summary", markup=False)
            with Grid(id="amend-fields"):
                yield Label("price", classes="ticket-label")
                yield LineInput(str(order.price or ""), id="amend-price", compact=True)
                yield Label("qty", classes="ticket-label")
                yield LineInput(str(order.qty), id="amend-qty", compact=True)
            yield Static("", id="amend-preview")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#amend-price", Input))
        self._update()

    def _values(self) -> tuple[Decimal | None, Decimal | None, list[str]]:
        problems = []
        price_text = self.query_one("#amend-price", Input).value.strip()
        qty_text = self.query_one("#amend-qty", Input).value.strip()
        price = parse_number(price_text) if price_text else self.order.price
        qty = parse_number(qty_text) if qty_text else self.order.qty
        if price is None:
            problems.append(f"price {shown(price_text)} is not a number; {NUMBER_HINT}")
        elif (problem := self.market.price_error(price)) is not None:
            problems.append(problem)
        if qty is None:
            problems.append(f"quantity {shown(qty_text)} is not a number; {NUMBER_HINT}")
        elif (problem := self.market.qty_error(qty)) is not None:
            problems.append(problem)
        elif qty <= self.order.filled:
            problems.append(f"quantity must exceed what already filled ({self.order.filled})")
        return price, qty, problems

    def _update(self) -> None:
        price, qty, problems = self._values()
        lines: list[Content] = []
        if price is not None and qty is not None and not problems:
            if price == self.order.price and qty == self.order.qty:
                problems.append("nothing changed: type a new price or quantity")
            else:
                try:
                    self.message = self.engine.amend_preview(self.client_id, price, qty)
                except TradetermError as exc:
                    problems.append(str(exc))
                else:
                    lines.append(Content.styled(f"the order {self.message}", "$accent"))
        lines += [Content.styled(f"✗ {problem}", "$error") for problem in problems]
        self.problems = problems
        self.query_one("#amend-preview", Static).update(Content("\n").join(lines))

    @on(Input.Changed)
    def _changed(self) -> None:
        self._update()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self._update()
        price, qty, _ = self._values()
        if self.problems or qty is None:
            self.app.bell()
            return
        self.dismiss((None if price == self.order.price else price, qty))

    def action_cancel(self) -> None:
        self.dismiss(None)
