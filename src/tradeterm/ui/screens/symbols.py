"""Symbol search: type part of a symbol, pick it with Enter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tradeterm.ui.widgets.lineinput import LineInput


def rank(symbols: Sequence[str], query: str) -> list[str]:
    """Symbols matching ``query``: prefix matches first, then substring, then in-order letters."""
    q = query.strip().upper().replace(" ", "")
    if not q:
        return list(symbols)
    prefix, inside, loose = [], [], []
    for symbol in symbols:
        plain = symbol.replace("/", "")
        if symbol.startswith(q) or plain.startswith(q):
            prefix.append(symbol)
        elif q in symbol or q in plain:
            inside.append(symbol)
        elif _in_order(q, plain):
            loose.append(symbol)
    return prefix + inside + loose


def _in_order(query: str, text: str) -> bool:
    it = iter(text)
    return all(ch in it for ch in query)


class SymbolSearch(ModalScreen[str | None]):
    """Returns the chosen symbol, or None when the user pressed Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="search.close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, symbols: Sequence[str], active: str = "") -> None:
        super().__init__()
        self.symbols = list(symbols)
        self.active = active

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box") as box:
            box.border_title = "Symbol — type to filter, enter to choose, esc to close"
            yield LineInput(placeholder="e.g. eth, sol, btc/usdt", id="search-input")
            yield OptionList(*[Option(s, id=s) for s in self.symbols], id="search-list")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))  # before the next key is handed out
        options = self.query_one(OptionList)
        if self.active in self.symbols:
            options.highlighted = self.symbols.index(self.active)

    @on(Input.Changed)
    def _filter(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        matches = rank(self.symbols, event.value)
        options.add_options([Option(s, id=s) for s in matches])
        if matches:
            options.highlighted = 0

    @on(Input.Submitted)
    def _submit(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            self.notify("no symbol matches", severity="warning")
            return
        option = options.get_option_at_index(options.highlighted)
        self.dismiss(option.id)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)
