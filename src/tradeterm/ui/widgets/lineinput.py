"""LineInput: a one-line Input that takes Enter in the order the keys arrive.

Textual's Input inserts characters as its own messages, but runs its Enter binding only
after the key has bubbled up to the app, so when several keys arrive in one read (a paste,
an SSH link, a tmux script), Enter could be acted on before or after characters typed
around it. Here Enter submits in the Input's own turn: exactly the text typed before it.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class LineInput(Input):
    """An Input whose Enter posts ``Submitted`` with exactly what was typed before it."""

    async def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            await self.action_submit()
