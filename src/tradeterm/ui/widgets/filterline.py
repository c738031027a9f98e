"""The scanner's filter line: an input that compiles the filter as the user types.

A valid text posts ``Edited`` at once (the table follows); an invalid one shows the text with
a caret under the bad token and the reason, and posts nothing, so the table keeps the last
valid filter. Enter keeps the filter (not while the text is invalid); Esc clears it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Static

from tradeterm.ui.keys import FILTER_BINDINGS
from tradeterm.ui.widgets.lineinput import LineInput

if TYPE_CHECKING:
    from tradeterm.analysis.filter import Filter

PLACEHOLDER = 'rsi < 30 and vol_z > 2 · trend == "up" · symbol ~ "ETH*"'


class FilterLine(Vertical):
    """Hidden until ``open``; the scanner pane owns it and applies what it posts."""

    BINDINGS: ClassVar[list[BindingType]] = list(FILTER_BINDINGS)

    class Edited(Message):
        """The text is a valid filter now (None: empty, every row passes)."""

        def __init__(self, rule: Filter | None) -> None:
            super().__init__()
            self.rule = rule

    class Done(Message):
        """The line closed: ``keep`` the filter (Enter) or clear it (Esc)."""

        def __init__(self, keep: bool) -> None:
            super().__init__()
            self.keep = keep

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.input = LineInput(
            placeholder=PLACEHOLDER, id="filter-input", compact=True, select_on_focus=False
        )
        self.error = Static("", id="filter-error")
        self.error_text = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-row"):
            yield Label("filter ", id="filter-prompt")
            yield self.input
        yield self.error

    def on_mount(self) -> None:
        self.display = False
        self.error.display = False

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def open(self, text: str) -> None:
        self.display = True
        with self.input.prevent(Input.Changed):
            self.input.value = text
        self.input.cursor_position = len(text)
        self._show_error(None, "")
        self.screen.set_focus(self.input)  # now: the keys after "f" are already waiting

    @on(Input.Changed, "#filter-input")
    def _edited(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value
        from tradeterm.analysis.filter import FilterError, compile_filter  # with the first key

        try:
            rule = compile_filter(text)
        except FilterError as exc:
            caret = Content.styled(exc.caret(text), "$text-muted")
            reason = Content.styled(str(exc).replace(f" at {exc.position}", "", 1), "$error")
            self._show_error(Content("\n").join([caret, reason]), str(exc))
            return
        self._show_error(None, "")
        self.post_message(self.Edited(rule if text.strip() else None))

    def _show_error(self, content: Content | None, text: str) -> None:
        self.error_text = text
        self.error.update(content or "")
        self.error.display = content is not None

    @on(Input.Submitted, "#filter-input")
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_keep()

    def action_keep(self) -> None:
        if self.error_text:
            self.app.bell()
            return
        self._close(keep=True)

    def action_clear(self) -> None:
        self._close(keep=False)

    def _close(self, *, keep: bool) -> None:
        self.display = False
        self._show_error(None, "")
        self.post_message(self.Done(keep))
