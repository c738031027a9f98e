"""The order ticket (b / s): fields for one order and a live preview from the current book.

Tab moves between fields, ← → change a choice, Enter sends, Esc closes. The preview is
``engine.preview`` of what the fields say, recomputed on every change and a few times a
second as the book moves; an order is only handed back when that preview has no problem.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Rule, Static

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.domain.instrument import Instrument
from tradeterm.engine.algos import PlaceAlgo, algo_desk
from tradeterm.engine.engine import Engine
from tradeterm.ui.eager import run_now
from tradeterm.ui.screens.ticket_algo import PLACEHOLDER as ALGO_PLACEHOLDER
from tradeterm.ui.screens.ticket_algo import algo_line, build_algo
from tradeterm.ui.screens.ticket_form import (
    TYPES,
    USES,
    TicketFields,
    build_order,
    preview_lines,
    problem_lines,
    risk_lines,
)
from tradeterm.ui.widgets.choice import Choice
from tradeterm.ui.widgets.lineinput import LineInput

PREVIEW_INTERVAL_S = 0.25
YES_NO = (("no", "no"), ("yes", "yes"))


class TicketScreen(ModalScreen[PlaceOrder | PlaceAlgo | None]):
    """Sends the order itself; dismisses with it once acknowledged, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="ticket.close"),
        # Enter sends from a choice field; from a text field it comes as Input.Submitted,
        # after the characters typed before it (not priority: those must land first)
        Binding("enter", "submit", "Send", id="ticket.send"),
    ]

    def __init__(
        self,
        engine: Engine,
        inst: Instrument,
        side: Side,
        price: Decimal | None = None,
        *,
        send: Callable[[PlaceOrder | PlaceAlgo], Awaitable[str | None]],
        price_from_cursor: bool = False,
    ) -> None:
        """``send`` places an order and returns why it was refused, or None once it is
        acknowledged; the ticket closes only then, so a refusal stays in front of the user."""
        super().__init__()
        self.engine = engine
        self.send = send
        self.sending = False
        self.instrument = inst
        self.symbol = inst.symbol
        self.market = engine.state.markets.get(inst)
        self.initial_side = side
        self.initial_price = price
        self._price_source = "cursor" if price_from_cursor else "touch"
        self._auto_price = ""  # the price the ticket filled in (not typed by the user)
        self._shown: tuple[str, ...] = ()
        self.last_problems: list[str] = []
        self._refusal = ""  # why the last send was refused; shown until a field changes

    def compose(self) -> ComposeResult:
        def field(label: str, widget: Widget) -> ComposeResult:
            yield Label(label, classes="ticket-label")
            yield widget

        with Vertical(id="ticket-box"):
            with Grid(id="ticket-fields"):
                yield from field("side", Choice([("buy", "BUY"), ("sell", "SELL")],
                                                self.initial_side.value, id="side"))  # fmt: skip
                yield from field("type", Choice(TYPES, id="type"))
                yield from field("qty", self._input("qty", "0.5 or $500"))
                yield from field("price", self._input("price", "limit price"))
                yield from field("stop", self._input("stop", "trigger price"))
                yield from field("trail", self._input("trail", "trail distance"))
                yield from field("tp", self._input("tp", "take-profit (bracket)"))
                yield from field("sl", self._input("sl", "stop-loss (bracket)"))
                yield from field("tif", Choice([("gtc", "GTC"), ("ioc", "IOC"), ("fok", "FOK")],
                                               id="tif"))  # fmt: skip
                yield from field("post-only", Choice(YES_NO, id="post"))
                yield from field("reduce", Choice(YES_NO, id="reduce"))
                yield from field("algo", self._input("algo", ALGO_PLACEHOLDER))
            yield Rule(id="ticket-rule")
            yield Static("", id="ticket-preview")

    def _input(self, name: str, placeholder: str) -> Input:
        field = LineInput(placeholder=placeholder, id=name, compact=True, select_on_focus=False)
        field.on_enter = lambda _text: self.action_submit()  # in the Enter key's own turn
        return field

    def on_mount(self) -> None:
        if self.initial_price is not None:
            self._set_price(self.initial_price)
        else:
            self._set_price(self._touch(self.initial_side))
        self._side_changed()
        self._type_changed()
        self.set_focus(self.query_one("#qty", Input))  # before the next key is handed out
        self.set_interval(PREVIEW_INTERVAL_S, self.refresh_preview, name="ticket.preview")

    # --- fields --------------------------------------------------------------------

    def _choice(self, name: str) -> str:
        return self.query_one(f"#{name}", Choice).value

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def fields(self) -> TicketFields:
        return TicketFields(
            symbol=self.symbol,
            side=self._choice("side"),
            type=self._choice("type"),
            qty=self._text("qty"),
            price=self._text("price"),
            stop=self._text("stop"),
            trail=self._text("trail"),
            tp=self._text("tp"),
            sl=self._text("sl"),
            tif=self._choice("tif"),
            post=self._choice("post") == "yes",
            reduce=self._choice("reduce") == "yes",
            algo=self._text("algo"),
        )

    def _touch(self, side: Side) -> Decimal | None:
        """Where a resting order of ``side`` joins the book: the best bid for a buy."""
        book = self.engine.state.books.get(self.instrument)
        if book is None:
            return None
        return book.best_bid() if side is Side.BUY else book.best_ask()

    def _set_price(self, price: Decimal | None) -> None:
        self._auto_price = "" if price is None else str(price)
        self.query_one("#price", Input).value = self._auto_price

    def _side_changed(self) -> None:
        side = Side(self._choice("side"))
        box = self.query_one("#ticket-box")
        box.set_class(side is Side.BUY, "-buy")
        box.set_class(side is Side.SELL, "-sell")
        shown = self.engine.state.label(self.instrument)
        box.border_title = f"{side.value.title()} {shown} · {self.engine.state.account.name}"
        box.border_subtitle = "tab next field · ← → choose · enter send · esc close"
        if self._price_source == "touch":
            self._set_price(self._touch(side))

    def _type_changed(self) -> None:
        kind = OrderType(self._choice("type"))
        for name, kinds in USES.items():
            self.query_one(f"#{name}").disabled = kind not in kinds

    @on(Choice.Changed)
    def _choice_changed(self, event: Choice.Changed) -> None:
        self._refusal = ""
        if event.choice.id == "side":
            self._side_changed()
        elif event.choice.id == "type":
            self._type_changed()
        self.refresh_preview()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        self._refusal = ""
        if event.input.id == "price" and event.value != self._auto_price:
            self._price_source = "user"
        self.refresh_preview()

    # --- preview and submit ---------------------------------------------------------

    def refresh_preview(self) -> None:
        """Recompute the preview from the fields and the book as they are now."""
        cmd, problems = build_order(self.fields(), self.market)
        lines: list[Content] = []
        if cmd is not None and self.market is not None:
            plan = self.engine.preview(cmd)
            problems = plan.problems
            lines = preview_lines(plan, cmd, self.market) + risk_lines(plan)
            algo, problems = self._algo(cmd, problems)
            if algo:
                lines.append(Content(algo))
        elif self.market is None:
            problems = [f"unknown symbol {self.symbol}"]
        if self._refusal:
            problems = [*problems, self._refusal]
        self.last_problems = list(problems)
        lines += problem_lines(problems)
        if not problems:
            lines.append(Content.styled("ready: enter sends the order", "$success"))
        key = tuple(line.plain for line in lines)
        if key != self._shown:
            self._shown = key
            self.query_one("#ticket-preview", Static).update(Content("\n").join(lines))

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        if self.sending:
            return
        cmd, problems = build_order(self.fields(), self.market)
        parent = None
        if cmd is not None:
            problems = self.engine.preview(cmd).problems
            parent, wrong = build_algo(self.fields().algo, cmd)
            problems = [*problems, *wrong]
        if cmd is None or problems:
            self.refresh_preview()
            self.app.bell()
            self.notify("not sent: " + "; ".join(problems), severity="error", timeout=4)
            return
        self.sending = True
        sent = parent or cmd
        run_now(self, self._send(sent), name="order.place", group="orders")

    def _algo(self, cmd: PlaceOrder, problems: list[str]) -> tuple[str, list[str]]:
        """The algo field's preview line and the problems with it added."""
        parent, wrong = build_algo(self.fields().algo, cmd)
        if parent is None:
            return "", [*problems, *wrong]
        line, wrong = algo_line(algo_desk(self.engine), parent)
        return line, [*problems, *wrong]

    async def _send(self, cmd: PlaceOrder | PlaceAlgo) -> None:
        problem = await self.send(cmd)
        self.sending = False
        if problem is None:
            self.dismiss(cmd)
            return
        self._refusal = problem
        self.refresh_preview()
        self.notify(problem, severity="error", timeout=6)

    def action_cancel(self) -> None:
        self.dismiss(None)
