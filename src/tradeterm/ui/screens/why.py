"""Why this score: a scanned symbol's three scores, component by component (the input's
value, the points it earned and the reason), each followed by its recipe."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tradeterm.analysis.scanner import RECIPES, ScanResult, describe, explain


def _num(value: float, spec: str = ".4g") -> str:
    return "—" if math.isnan(value) else format(value, spec)


def family_table(result: ScanResult, symbol: str, family: str) -> Table:
    """One family's components for ``symbol``: value, points of weight, reason, and the total."""
    recipe = RECIPES[family]
    score = result.row(symbol)[recipe.column]
    assert isinstance(score, float)
    table = Table(
        box=None,
        expand=True,
        show_edge=False,
        pad_edge=False,
        title=Text.assemble(
            (f"{recipe.column} {_num(score, '.1f')}", "bold"), f"  {recipe.title}: {recipe.idea}"
        ),
        title_justify="left",
    )
    table.add_column("component", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("reason", ratio=1)
    for part in explain(result, symbol, family):
        table.add_row(
            part.name,
            _num(part.value),
            f"{_num(part.points, '.1f')}/{part.weight:g}",
            part.reason,
        )
    table.add_row(Text("total", style="bold"), "", Text(_num(score, ".1f"), style="bold"), "")
    return table


class WhyScreen(ModalScreen[None]):
    """Read-only; Esc (or w, q) closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,w", "dismiss", "Close", id="why.close"),
    ]

    def __init__(self, result: ScanResult, symbol: str) -> None:
        super().__init__()
        self.result = result
        self.symbol = symbol

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="why-body") as body:
            body.border_title = f"Why these scores: {self.symbol}"
            body.border_subtitle = "↑ ↓ scroll · esc closes"
            for family in RECIPES:
                yield Static(family_table(self.result, self.symbol, family), classes="why-family")
                yield Static(
                    Text(describe(RECIPES[family]), style="dim"), classes="why-recipe", markup=False
                )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
