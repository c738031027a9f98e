"""The command palette: Textual's, except that Enter on typed text that is a command runs that
command as the command line would, unless the user has moved down the hits to pick another.
The hits shown may still be those of the text as it was a few keys ago (the palette searches in
its own tasks, and batches what it finds): a fast typist's Enter must run what was typed, not a
stale hit, and must not be lost when no hit is shown yet."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from tradeterm.domain.errors import TradetermError
from tradeterm.ui.cmdwords import CommandError

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp


def open_palette(app: TradetermApp) -> None:
    """Open the palette (once: not over itself)."""
    if app.use_command_palette and not isinstance(app.screen, TradePalette):
        app.push_screen(TradePalette(id="--command-palette"))


class TradePalette(CommandPalette):
    @on(Input.Submitted)
    def _enter_runs_the_command(self, event: Input.Submitted) -> None:
        hits = self.query_one(CommandList)
        if hits.option_count and hits.highlighted:
            return  # the user moved down to another hit: Enter picks it, as in Textual
        app = cast("TradetermApp", self.app)
        if app.workstation is None:
            return
        try:
            command = app.desk.parse(event.value)
        except CommandError:
            return  # not a command: the palette waits for its hits
        except TradetermError as exc:  # a command that would be refused: say why
            event.prevent_default()
            event.stop()
            app.notify(str(exc), severity="error", timeout=6)
            return
        event.prevent_default()  # Textual's own Enter (nothing to select yet) does not run
        event.stop()
        self.dismiss()
        app.call_later(app.desk.run, command)
