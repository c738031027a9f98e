"""The help screen: every key binding, as the user has mapped it, and the command-line grammar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tradeterm.ui.keys import GRAMMAR, PANE_BINDINGS, PANE_KEYS, describe_bindings, describe_keys
from tradeterm.ui.panes.chart import ChartPane


class HelpScreen(ModalScreen[None]):
    """Lists every binding with its id (for remapping in config) and its current key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(
        self, keymap: dict[str, str], sections: Sequence[tuple[str, list[Binding]]] = ()
    ) -> None:
        """``sections``: more (title, bindings) to list first, e.g. the replay's controls."""
        super().__init__()
        self.keymap = keymap
        self.sections = list(sections)

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does")
        table.add_column("id (remap in \\[ui.keys])", style="dim", no_wrap=True)
        for binding_id, keys, description in describe_keys(self.keymap):
            table.add_row(keys, description, binding_id)
        chart = [b for b in ChartPane.BINDINGS if isinstance(b, Binding)]
        for title, bindings in [*self.sections, *PANE_BINDINGS, ("Chart (8)", chart)]:
            table.add_row("", "", "")
            table.add_row(f"[b]{title}[/b]", "", "")
            for binding_id, keys, description in describe_bindings(bindings, self.keymap):
                table.add_row(keys, description, binding_id)
        for title, rows in PANE_KEYS:
            table.add_row("", "", "")
            table.add_row(f"[b]{title}[/b]", "", "")
            for keys, description in rows:
                table.add_row(keys, description, "")
        grammar = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        grammar.add_column("type at : (or in the palette)", style="bold", no_wrap=True)
        grammar.add_column("does")
        for example, meaning in GRAMMAR:
            grammar.add_row(example, meaning)
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys — esc to close"
            yield Static(table)
            yield Static(grammar, id="help-grammar")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
