"""LineInput: a one-line Input that takes Enter in the order the keys arrive.

Textual's Input inserts characters as its own messages, but runs its Enter binding only
after the key has bubbled up to the app, so when several keys arrive in one read (a paste,
an SSH link, a tmux script), Enter could be acted on before or after characters typed
around it. Here Enter submits in the Input's own turn: exactly the text typed before it.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.widgets import Input


class LineInput(Input):
    """An Input whose Enter posts ``Submitted`` with exactly what was typed before it, or,
    when its parent set ``on_enter``, hands that text to it at once (an order's Enter then
    skips the message's climb through the containers, one event-loop turn each)."""

    on_enter: Callable[[str], object] | None = None

    async def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.on_enter is not None:
                self.on_enter(self.value)
            else:
                await self.action_submit()
