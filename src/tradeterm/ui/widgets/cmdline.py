"""The command line (:): one input with history; errors stay under it, pointing at the word.

The widget only edits text: Enter hands the text to ``on_submit`` when its owner set one (at
once, in the Enter key's own turn), else posts ``Submitted``; the owner answers with ``accept``
(the line closes and joins the history) or ``fail`` (the error shows, the text stays).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Static

from tradeterm.ui.widgets.lineinput import LineInput

HISTORY = 200
PLACEHOLDER = "buy 0.5 ETH/USDT @ 3100 · sell $250 · cancel all · help"


class CommandLine(Vertical):
    """Hidden until ``open``; Up/Down recall earlier lines, Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # not priority: Enter must follow the characters typed before it (see LineInput)
        Binding("enter", "submit", "Run", id="cmdline.run"),
        Binding("escape", "close", "Close", id="cmdline.close"),
        Binding("up", "recall(-1)", "Earlier", show=False, id="cmdline.earlier"),
        Binding("down", "recall(1)", "Later", show=False, id="cmdline.later"),
    ]

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Closed(Message):
        """The line closed (accepted or dismissed): focus can go back where it was."""

    on_submit: Callable[[str], object] | None = None
    """What runs a line, set by the owner: called in the Enter key's own turn, so an order
    skips ``Submitted``'s climb to the app (one event-loop turn per container)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.input = LineInput(
            placeholder=PLACEHOLDER, id="cmd-input", compact=True, select_on_focus=False
        )
        self.input.on_enter = self._submit  # in the Enter key's own turn
        self.error = Static("", id="cmd-error")
        self.history: list[str] = []
        self._recall = 0
        self._draft = ""
        self.error_text = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="cmd-row"):
            yield Label(":", id="cmd-prompt")
            yield self.input
        yield self.error

    def on_mount(self) -> None:
        self.display = False

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def open(self, text: str = "") -> None:
        self.display = True
        self.input.value = text
        self.input.cursor_position = len(text)
        self._recall = len(self.history)
        self._show_error(None)
        # Focus now, not after a refresh: the keys that follow ":" in the same burst are
        # already waiting, and each goes to what has the focus when the app takes it.
        self.screen.set_focus(self.input)

    def accept(self, text: str) -> None:
        """The command ran: remember it and close. The hidden input keeps the text until the
        next ``open`` replaces it (clearing it now would only redo the input's watchers)."""
        if text.strip() and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-HISTORY]
        self.action_close()

    def fail(self, message: str, position: int | None = None, expected: str = "") -> None:
        """Show what is wrong under the line (a caret under ``position``); keep the text."""
        parts: list[Content] = []
        if position is not None:
            parts.append(Content.styled(" " * (position + 1) + "^", "$error"))
        parts.append(Content.styled(message, "$error"))
        if expected:
            parts.append(Content.assemble(("expected: ", "$text-muted"), expected))
        self.error_text = message
        self._show_error(Content("\n").join(parts))

    def _show_error(self, content: Content | None) -> None:
        if content is None and not self.error.display:
            self.error_text = ""
            return  # nothing shown: nothing to clear
        self.error.update(content or "")
        self.error.display = content is not None
        if content is None:
            self.error_text = ""

    def action_submit(self) -> None:
        self._submit(self.input.value)

    @on(Input.Submitted, "#cmd-input")
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit(event.value)

    def _submit(self, text: str) -> None:
        if not text.strip():
            return
        if self.on_submit is not None:
            self.on_submit(text)
        else:
            self.post_message(self.Submitted(text))

    @on(Input.Changed, "#cmd-input")
    def _edited(self) -> None:
        if self.error_text:
            self._show_error(None)

    def action_close(self) -> None:
        self.display = False
        self._show_error(None)
        self.post_message(self.Closed())

    def action_recall(self, step: int) -> None:
        history = self.history
        if not history:
            return
        if self._recall == len(history):
            self._draft = self.input.value
        self._recall = max(0, min(len(history), self._recall + step))
        text = history[self._recall] if self._recall < len(history) else self._draft
        self.input.value = text
        self.input.cursor_position = len(text)
