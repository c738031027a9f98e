"""The strategy start form: pick a strategy, then one field per parameter (its default, what
is allowed, its docstring as help), pre-filled from a config entry of that strategy; Enter
starts it on the active instrument and account."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from tradeterm.domain.errors import TradetermError
from tradeterm.strategies.base import StrategyParams
from tradeterm.strategies.registry import StrategyClass
from tradeterm.ui.paramform import FormError, ParamField, check_name, parse_params
from tradeterm.ui.widgets.lineinput import LineInput

Start = Callable[[str, StrategyParams], None]
"""Starts the instance (its name, its parameters); raises TradetermError saying why not."""


def _summary(cls: StrategyClass) -> str:
    doc = (cls.__doc__ or "").strip().splitlines()
    return doc[0].replace("``", "") if doc else ""


class StrategyKindScreen(ModalScreen[str | None]):
    """Every strategy that can start, with the first line of its docstring (and the user's
    files that did not load, which cannot); dismisses with the chosen kind, None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="strategy_kind.close"),
    ]

    def __init__(self, kinds: Mapping[str, StrategyClass], broken: Sequence[str] = ()) -> None:
        super().__init__()
        self.kinds = kinds
        self.broken = broken

    def compose(self) -> ComposeResult:
        kinds = self.kinds.items()
        options = [Option(f"{kind:<16} {_summary(cls)}", id=kind) for kind, cls in kinds]
        options += [Option(f"broken: {line}", disabled=True) for line in self.broken]
        with Vertical(id="strategy-kind-box") as box:
            box.border_title = "Start a strategy"
            box.border_subtitle = "enter: its form · esc: close"
            yield OptionList(*options, id="strategy-kind-list")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(OptionList))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class StrategyFormScreen(ModalScreen[str | None]):
    """One line per parameter; Enter parses them and calls ``start``: a mistake is shown under
    the fields (the form stays open), success dismisses with the instance's name."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="strategy_form.close"),
    ]

    def __init__(
        self,
        cls: StrategyClass,
        fields: Sequence[ParamField],
        *,
        name: str,
        where: str,
        taken: Callable[[], set[str]],
        start: Start,
    ) -> None:
        """``where``: the instrument and account it starts on, in words; ``taken``: the names
        of the instances running now."""
        super().__init__()
        self.cls = cls
        self.fields = list(fields)
        self.name_text = name
        self.where = where
        self.taken = taken
        self.start = start
        self.error = ""
        """What was wrong with the last Enter ("" none)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="strategy-form-box") as box:
            box.border_title = f"Start {self.cls.kind} · {self.where}"
            box.border_subtitle = "enter: start · tab: next field · esc: close"
            with VerticalScroll(id="strategy-form-fields"):
                yield self._row("name", self.name_text, "", "the tag on its orders")
                for field in self.fields:
                    yield self._row(field.name, field.default, field.default, field.allowed)
                    if field.help:
                        yield Static(field.help, classes="strategy-form-help", markup=False)
            yield Static("", id="strategy-form-error", markup=False)

    def _row(self, name: str, value: str, default: str, allowed: str) -> Horizontal:
        placeholder = f"default {default}" if default else ""
        return Horizontal(
            Label(name, classes="strategy-form-label", markup=False),
            LineInput(
                value, placeholder=placeholder, id=f"sf-{name}", classes="strategy-form-input"
            ),
            Label(allowed, classes="strategy-form-allowed", markup=False),
            classes="strategy-form-row",
        )

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#sf-name", LineInput))

    def texts(self) -> dict[str, str]:
        """The text of every parameter field, by name."""
        return {f.name: self.query_one(f"#sf-{f.name}", LineInput).value for f in self.fields}

    @on(LineInput.Submitted)
    def _submitted(self, event: LineInput.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        try:
            name = check_name(self.query_one("#sf-name", LineInput).value, self.taken())
            params = parse_params(self.cls.params_model, self.texts())
            self.start(name, params)
        except FormError as exc:
            self._say(str(exc), exc.problems[0][0])
            return
        except TradetermError as exc:
            self._say(str(exc), None)
            return
        self.dismiss(name)

    def _say(self, message: str, field: str | None) -> None:
        self.error = message
        self.query_one("#strategy-form-error", Static).update(message)
        if field is not None:
            found = self.query(f"#sf-{field}")
            if found:
                self.set_focus(found.first())

    def action_cancel(self) -> None:
        self.dismiss(None)
