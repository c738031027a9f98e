"""The command palette: Textual's, except that Enter pressed before the search has shown any
hit runs the typed text as the command line would, so a fast typist's Enter is never lost."""

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
    def _enter_before_hits(self, event: Input.Submitted) -> None:
        if self.query_one(CommandList).option_count:
            return  # hits are shown: Enter picks the highlighted one, as in Textual
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
