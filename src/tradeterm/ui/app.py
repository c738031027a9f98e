"""The Textual workstation: composes the panes, runs the engine's workers, redraws on a tick.

Given a ready ``Session`` the workstation is whole before its first frame (tests, replays).
Given a function that makes one (the ``tradeterm`` command), it first draws its frame, the
status bar and the keys, and only then imports and builds the engine and the panes' contents:
the terminal shows the workstation in about the time of a bare Textual app, and the market
fills it in moments later. So this module imports only what that first frame needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Input
from textual.worker import Worker

from tradeterm.domain.enums import Side
from tradeterm.domain.errors import TradetermError
from tradeterm.ui.arrange import Arrangement
from tradeterm.ui.keys import APP_BINDINGS
from tradeterm.ui.layout import Pane
from tradeterm.ui.notices import Notice, NoticeLog
from tradeterm.ui.panes.registry import PANE_GROUP
from tradeterm.ui.part import Part
from tradeterm.ui.screens.workstation import Chrome, WorkstationScreen
from tradeterm.ui.themed_app import ThemedApp
from tradeterm.ui.theming import DEFAULT_THEME
from tradeterm.ui.widgets.cmdline import CommandLine

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.notifications import SeverityLevel
    from textual.widgets import Tabs

    from tradeterm.engine.engine import Engine
    from tradeterm.engine.logbook import LogBook
    from tradeterm.strategies.runner import StrategyRunner
    from tradeterm.ui.alerting import Alerting, Notifier
    from tradeterm.ui.bridge import UiBridge
    from tradeterm.ui.desk import Desk
    from tradeterm.ui.dialogs import Dialogs
    from tradeterm.ui.panes.alerts import AlertsPane
    from tradeterm.ui.panes.chart import ChartPane
    from tradeterm.ui.panes.fills import FillsPane
    from tradeterm.ui.panes.log import LogPane
    from tradeterm.ui.panes.orders import OrdersPane
    from tradeterm.ui.panes.positions import PositionsPane
    from tradeterm.ui.panes.scanner import ScannerPane
    from tradeterm.ui.panes.strategies import StrategiesPane
    from tradeterm.ui.recording import Recording
    from tradeterm.ui.refresh import Refresher
    from tradeterm.ui.scanning import ScanRunner
    from tradeterm.ui.session import Session
    from tradeterm.ui.widgets.ladder import Ladder
    from tradeterm.ui.widgets.status import StatusBar
    from tradeterm.ui.widgets.tape import Tape
    from tradeterm.ui.workstation import Workstation

WORKSTATION_ACTIONS = frozenset(b.action.split("(")[0] for b in APP_BINDINGS)


def _opening() -> ModuleType:
    """What needs the session (see ui/opening.py), loaded once the first frame is up."""
    from tradeterm.ui import opening

    return opening


def _workstation_commands() -> type[Provider]:
    from tradeterm.ui.commands import WorkstationCommands

    return WorkstationCommands


class TradetermApp(ThemedApp):
    """The workstation on ``session``: a ready ``Session``, or a function that builds one,
    called once the first frame is on screen. The CLI (the composition root) builds it.

    ``scan_interval`` is the scanner's seconds between passes (0: only on demand; None: the
    scanner's default); ``notifier`` announces fired alerts on the desktop (default: the
    controlling terminal); ``on_open`` is called once the session made by ``session`` has
    been built and drawn (the CLI collects garbage again from there).
    """

    HELP_SECTIONS: ClassVar[list[tuple[str, list[Binding]]]] = []
    """Key sections a subclass adds to the help screen (listed before the panes' keys)."""
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tradeterm"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)
    COMMANDS = App.COMMANDS | {_workstation_commands}

    # The workstation's parts, once the session is built (see ui/workstation.py).
    engine: Part[Engine] = Part()
    logbook: Part[LogBook] = Part()
    bridge: Part[UiBridge] = Part()
    ladder: Part[Ladder] = Part()
    tape: Part[Tape] = Part()
    scanner: Part[ScannerPane] = Part()
    positions: Part[PositionsPane] = Part()
    log_pane: Part[LogPane] = Part()
    orders: Part[OrdersPane] = Part()
    fills: Part[FillsPane] = Part()
    chart: Part[ChartPane] = Part()
    alerts_pane: Part[AlertsPane] = Part()
    strategies_pane: Part[StrategiesPane] = Part()
    strategies: Part[StrategyRunner] = Part()
    refresher: Part[Refresher] = Part()
    scans: Part[ScanRunner] = Part()
    alerting: Part[Alerting] = Part()
    recording: Part[Recording] = Part()
    # The frame on screen (see ui/screens/workstation.py): replaced when the session opens.
    status: Part[StatusBar] = Part(of="chrome")
    cmdline: Part[CommandLine] = Part(of="chrome")
    boxes: Part[dict[str, Pane]] = Part(of="chrome")
    """The bordered box around each pane's content, by pane id (see the pane registry)."""
    book_pane: Part[Pane] = Part(of="chrome")
    orders_pane: Part[Pane] = Part(of="chrome")
    scanner_box: Part[Pane] = Part(of="chrome")

    def __init__(
        self,
        session: Session | Callable[[], Session],
        *,
        theme: str = DEFAULT_THEME,
        refresh_hz: float = 10.0,
        keymap: dict[str, str] | None = None,
        user_themes: Path | None = None,
        save_theme: Callable[[str], None] | None = None,
        start_feed: bool = True,
        export_dir: Path | None = None,
        scan_interval: float | None = None,
        notifier: Notifier | None = None,
        on_open: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(theme, user_themes, save_theme)
        self.on_open = on_open
        """Called once a workstation opened after its first frame has drawn the market."""
        self.keymap = dict(keymap or {})
        self.refresh_hz = refresh_hz
        self.start_feed = start_feed
        self.export_dir = export_dir
        self.scan_interval = scan_interval
        self.notifier = notifier
        self.opened = False
        """True once the session is built and its panes are mounted: the keys work."""
        self._opener = session if callable(session) else None
        self.chrome = Chrome()
        """The frame on screen: status bar, pane boxes, command line, key bar."""
        self.chrome.cmdline.on_submit = self.run_command_line
        self.arrangement = Arrangement(self)
        self.workstation: Workstation | None = None
        """The session's parts: built at once from a ready session, else once it is made."""
        if not callable(session):
            _opening().build(self, session, self.chrome)  # sets self.workstation
        self._focus_before: Widget | None = None
        self._typing = False
        """True while a printable key is handed to a text field that has the focus."""
        self._notice_log = NoticeLog()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a toast (Textual's ``notify``) and keep it in ``notices``."""
        self._notice_log.add(Notice(message, title, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @property
    def notices(self) -> tuple[Notice, ...]:
        """The last notices shown (``ui.notices.KEPT`` of them), oldest first."""
        return self._notice_log.shown

    @cached_property
    def desk(self) -> Desk:
        """Made on first use: its command parser is not needed to show the market (it and
        the dialogs were about 3 % of the work to the first frame)."""
        from tradeterm.ui.desk import Desk

        return Desk(self)

    @cached_property
    def dialogs(self) -> Dialogs:
        from tradeterm.ui.dialogs import Dialogs

        return Dialogs(self)

    # --- composition -----------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        """The workstation when the session is ready, else its frame until it is."""
        return self.workstation_screen(self.chrome, self.workstation)

    def workstation_screen(
        self, chrome: Chrome, workstation: Workstation | None
    ) -> WorkstationScreen:
        """The screen of ``workstation`` in ``chrome`` (a subclass may add bars to it)."""
        return WorkstationScreen(chrome, workstation)

    async def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.arrangement.layout(self.size)  # before the screen composes its frame
        if self._opener is None:
            screen = self.screen  # it composes its frame and panes in its own turn
            if not screen.is_mounted:
                await AwaitMount(screen, [screen])
            _opening().start(self)
        else:  # the opening module (strategies, numpy...) loads after the first frame too
            # Not waiting here for the frame to mount: Textual holds every repaint until the
            # app's mount handler returns, and a frame drawn meanwhile (about 5 % of the work
            # to the first frame) was thrown away. The screen runs this once it has drawn.
            opener = self._opener
            screen = self.screen
            assert isinstance(screen, WorkstationScreen)  # get_default_screen's
            screen.after_first_frame(lambda: _opening().open_later(self, opener))

    async def on_event(self, event: events.Event) -> None:
        """Keys that arrive in one burst are taken one by one, in order, each by what the key
        before it opened. Workstation keys act as the app takes them (priority bindings, see
        ``ui/keys.py``) and focus what they open at once; a key that pushes a screen is done
        only once that screen is mounted and has focused its field, so the next key of the
        burst goes there, not to the screen underneath."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        if self.opened:
            self.engine.arming.activity()  # the idle disarm counts from the last key
        before = self.screen
        self._typing = event.is_printable and isinstance(self.focused, Input)
        try:
            await super().on_event(event)
        finally:
            self._typing = False
        screen = self.screen
        if screen is not before and not screen.is_mounted:
            await AwaitMount(screen, [screen])

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for workers that ended (see ``ui/workers.py``)."""
        from tradeterm.ui.workers import worker_changed

        worker_changed(self, self.workstation, event)

    # --- layout (see ui/arrange.py) ---------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.arrangement.layout(event.size)

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.control.id == "tabs" and event.tab.id:
            self.arrangement.show_group(event.tab.id.removeprefix("tab-"))

    # --- actions -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Workstation keys act on the workstation, never behind a dialog (a ticket's
        choice field must not take "s" for a second ticket, or "q" for quit). A character
        typed into a text field (the command line, the filter line) is text, not a key. Until
        the session is open they wait, shown dimmed in the footer; only quit works."""
        if self._typing:
            return False
        if action not in WORKSTATION_ACTIONS:
            return True
        if not self.opened:
            return True if action == "quit" else None
        return len(self.screen_stack) == 1

    def action_focus_pane(self, pane: str) -> None:
        self.arrangement.show_group(PANE_GROUP[pane])
        target = self.arrangement.pane_widget(pane)
        if self.cmdline.is_open:
            self._focus_before = target  # ":alerts": focus it once the line closes
        else:
            target.screen.set_focus(target)  # now: the next key of a burst is for it

    def action_command_palette(self) -> None:
        """Textual's palette, where an Enter typed before its hits show runs the text."""
        from tradeterm.ui.screens.command_palette import open_palette

        open_palette(self)

    def action_help(self) -> None:
        self.dialogs.help()

    def action_symbol_search(self) -> None:
        self.dialogs.symbol_search()

    def select_symbol(self, symbol: str) -> None:
        try:
            self.engine.select_symbol(symbol)
        except TradetermError as exc:
            self.notify(str(exc), severity="error")

    def action_group(self, delta: int) -> None:
        ticks = self.ladder.change_group(delta)
        self.bridge.dirty.add("book")
        step = self.ladder.step
        self.notify(
            f"ladder grouped by {ticks} tick{'s' if ticks > 1 else ''} ({step})", timeout=1.5
        )

    def action_cycle_log_level(self) -> None:
        name = self.log_pane.cycle_level()
        self.boxes["log"].set_titles(subtitle=f"≥ {name} (l)")
        self.notify(f"log shows {name} and above", timeout=1.5)

    def set_log_level(self, level: int) -> None:
        self.log_pane.set_level(level)
        self.boxes["log"].set_titles(subtitle=f"≥ {self.log_pane.level_name} (l)")

    def switch_account(self, name: str) -> None:
        try:
            self.engine.switch_account(name)  # what Engine.execute(SwitchAccount) runs
        except TradetermError as exc:
            self.notify(str(exc), severity="error")
            return
        self.show_account_mode()

    def show_account_mode(self) -> None:
        """Frame the screen for a live account: dashed while disarmed, heavy while armed."""
        from tradeterm.ui.live_frame import show_mode

        show_mode(self)

    # --- trading (the desk places, the dialogs ask) ------------------------------------

    def action_ticket(self, side: str) -> None:
        self.dialogs.ticket(Side(side))

    def action_accounts(self) -> None:
        self.dialogs.accounts()

    def action_cancel_all(self) -> None:
        self.dialogs.ask_cancel_all()

    def action_kill(self) -> None:
        self.dialogs.ask_kill()

    def action_order_history(self) -> None:
        self.dialogs.order_history()

    def action_reset_account(self) -> None:
        self.dialogs.ask_reset()

    def action_export_fills(self) -> None:
        self.dialogs.export_fills()

    def action_command_line(self, text: str = "") -> None:
        if not self.cmdline.is_open:
            self._focus_before = self.focused
        self.cmdline.open(text)

    def on_command_line_submitted(self, event: CommandLine.Submitted) -> None:
        self.run_command_line(event.text)

    def run_command_line(self, text: str) -> None:
        """Run a line typed on the command line (its ``on_submit``: in the Enter key's turn)."""
        self.desk.run_line(text, self.cmdline)

    def on_command_line_closed(self) -> None:
        before, self._focus_before = self._focus_before, None
        if before is not None and before.is_attached and before.display:
            before.focus()
        else:
            self.arrangement.focus_shown()

    def action_toggle_recording(self) -> None:
        self.recording.toggle()

    async def action_quit(self) -> None:
        """Stop the feeds, stop the engine (flushing the ledger), then leave."""
        if not self.opened:
            self.exit()
            return
        self.workers.cancel_group(self, "feeds")
        self.recording.stop()
        await self.engine.stop()
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Theme", "Keys"):
                yield command
