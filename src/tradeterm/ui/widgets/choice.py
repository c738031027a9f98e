"""Choice: a one-line field that cycles through a few values with ← → or space (no pop-up,
so Enter stays free to submit the form it sits in)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static


class Choice(Static, can_focus=True):
    """Shows ``◂ value ▸``; posts ``Choice.Changed`` when the value changes."""

    DEFAULT_CSS = """
    Choice {
        width: 1fr;
        height: 1;
        background: $boost;
        padding: 0 1;
    }
    Choice:focus {
        background: $primary-darken-2;
        text-style: bold;
    }
    Choice:disabled {
        color: $text-disabled;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,space,l", "step(1)", "Next", show=False, id="choice.next"),
        Binding("left,h", "step(-1)", "Previous", show=False, id="choice.previous"),
    ]

    class Changed(Message):
        def __init__(self, choice: Choice, value: str) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(
        self,
        options: Sequence[tuple[str, str]],
        value: str | None = None,
        *,
        id: str | None = None,
    ) -> None:
        """``options`` are (value, label) pairs; ``value`` picks the first one when None."""
        super().__init__("", id=id, markup=False)
        self.options = list(options)
        self._values = [v for v, _ in self.options]
        self.value = value if value in self._values else self._values[0]

    def on_mount(self) -> None:
        self._show()

    def set_value(self, value: str) -> None:
        if value in self._values and value != self.value:
            self.value = value
            self._show()
            self.post_message(self.Changed(self, value))

    def action_step(self, delta: int) -> None:
        index = (self._values.index(self.value) + delta) % len(self._values)
        self.set_value(self._values[index])

    def on_click(self, event: events.Click) -> None:
        self.action_step(1)

    def _show(self) -> None:
        label = dict(self.options)[self.value]
        self.update(f"◂ {label} ▸")
