"""The Textual workstation: composes the panes, runs the engine's workers, redraws on a tick."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Tabs
from textual.worker import Worker

from tradeterm.analysis.alerts import AlertBook, AlertError
from tradeterm.domain.enums import AccountMode, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.engine import Engine
from tradeterm.engine.logbook import LogBook
from tradeterm.ui.alerting import Alerting, Notifier
from tradeterm.ui.arrange import Arrangement
from tradeterm.ui.bridge import UiBridge
from tradeterm.ui.keys import APP_BINDINGS
from tradeterm.ui.layout import PANE_GROUP, Group, Pane
from tradeterm.ui.notify import TerminalNotifier
from tradeterm.ui.panes.alerts import LEGEND, AlertsPane
from tradeterm.ui.panes.chart import ChartPane
from tradeterm.ui.panes.fills import FillsPane
from tradeterm.ui.panes.log import LogPane
from tradeterm.ui.panes.orders import OrdersPane
from tradeterm.ui.panes.positions import PositionsPane
from tradeterm.ui.panes.scanner import ScannerPane
from tradeterm.ui.recording import RecorderFactory, Recording
from tradeterm.ui.refresh import Refresher
from tradeterm.ui.scanning import DEFAULT_INTERVAL_S, ScanRunner
from tradeterm.ui.themes import default_variables, load_themes
from tradeterm.ui.widgets.cmdline import CommandLine
from tradeterm.ui.widgets.ladder import Ladder
from tradeterm.ui.widgets.status import StatusBar
from tradeterm.ui.widgets.table import FastTable
from tradeterm.ui.widgets.tape import Tape
from tradeterm.ui.workers import start_engine, worker_changed

if TYPE_CHECKING:
    from tradeterm.ui.desk import Desk
    from tradeterm.ui.dialogs import Dialogs

log = logging.getLogger("tradeterm.ui")

DEFAULT_THEME = "tradeterm-dark"
WORKSTATION_ACTIONS = frozenset(b.action.split("(")[0] for b in APP_BINDINGS)


def _workstation_commands() -> type[Provider]:
    from tradeterm.ui.commands import WorkstationCommands

    return WorkstationCommands


class TradetermApp(App[None]):
    """The workstation. The engine is built by the CLI (the composition root) and passed in.

    ``scan_interval`` is the scanner's seconds between passes (0: only on demand); ``alerts``
    the user's alert book, publishing on ``engine.bus`` (None: alerts for this session only);
    ``notifier`` announces fired alerts on the desktop (default: the controlling terminal).
    """

    HELP_SECTIONS: ClassVar[list[tuple[str, list[Binding]]]] = []
    """Key sections a subclass adds to the help screen (listed before the panes' keys)."""
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tradeterm"
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)
    COMMANDS = App.COMMANDS | {_workstation_commands}

    def __init__(
        self,
        engine: Engine,
        logbook: LogBook,
        *,
        theme: str = DEFAULT_THEME,
        refresh_hz: float = 10.0,
        keymap: dict[str, str] | None = None,
        user_themes: Path | None = None,
        save_theme: Callable[[str], None] | None = None,
        start_feed: bool = True,
        export_dir: Path | None = None,
        scan_interval: float = DEFAULT_INTERVAL_S,
        alerts: AlertBook | None = None,
        notifier: Notifier | None = None,
        recorder: RecorderFactory | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.logbook = logbook
        self.keymap = dict(keymap or {})
        self.refresh_hz = refresh_hz
        self.start_feed = start_feed
        self.export_dir = export_dir
        self._save_theme = save_theme
        self.theme_names: list[str] = []
        for loaded in load_themes(user_themes):
            self.register_theme(loaded)
            self.theme_names.append(loaded.name)
        self.apply_theme(theme, save=False)
        self.bridge = UiBridge(engine)
        self.ladder = Ladder(id="ladder")
        self.tape = Tape(id="tape")
        self.scanner = ScannerPane(id="scanner-pane")
        self.positions = PositionsPane(id="positions-pane-body")
        self.log_pane = LogPane(logbook, id="log")
        self.orders = OrdersPane(id="orders-pane-body")
        self.fills = FillsPane(id="fills-pane-body")
        self.chart = ChartPane(id="chart-body")
        self.alerts_pane = AlertsPane(id="alerts-pane-body")
        self.cmdline = CommandLine(id="cmdline")
        self.status = StatusBar(id="status")
        self.book_pane = Pane("1 Order book", self.ladder, id="book-pane")
        self.orders_pane = Pane("6 Orders", self.orders, id="orders-pane")
        self.scanner_box = Pane("3 Scanner", self.scanner, id="scanner-pane-box")
        self.refresher = Refresher(self)
        self.scans = ScanRunner(self, scan_interval)
        self.alerting = Alerting(self, alerts, TerminalNotifier() if notifier is None else notifier)
        self.recording = Recording(self, recorder)
        self.arrangement = Arrangement(self)
        self._focus_before: Widget | None = None

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

    def compose(self) -> ComposeResult:
        yield self.status
        with Vertical(id="body"):
            with Grid(id="top"):
                yield Group(self.scanner_box, id="scanner")
                yield Group(
                    self.book_pane,
                    Pane("2 Trades", self.tape, id="tape-pane"),
                    id="market",
                )
                yield Group(Pane("8 Chart", self.chart, id="chart-pane"), id="chart")
            with Horizontal(id="bottom"):
                yield Group(
                    Pane("4 Positions", self.positions, id="positions-pane"), id="positions"
                )
                yield Group(
                    self.orders_pane, Pane("7 Fills", self.fills, id="fills-pane"), id="trading"
                )
                yield Group(
                    Pane("5 Log", self.log_pane, id="log-pane"),
                    Pane("9 Alerts", self.alerts_pane, id="alerts-pane"),
                    id="log",
                )
        yield self.cmdline
        yield Footer()

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.query_one("#log-pane", Pane).set_titles(subtitle=f"≥ {self.log_pane.level_name} (l)")
        self.scanner_box.set_titles(subtitle=self.scanner.summary)
        self.query_one("#alerts-pane", Pane).set_titles(subtitle=LEGEND)
        self.arrangement.layout(self.size)
        self.refresher.start()
        self.scans.start()
        start_engine(self)
        self.arrangement.focus_shown()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for workers that ended (see ``ui/workers.py``)."""
        worker_changed(self, event)

    # --- layout (see ui/arrange.py) ---------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.arrangement.layout(event.size)

    @on(Tabs.TabActivated, "#tabs")
    def _tab_clicked(self, event: Tabs.TabActivated) -> None:
        if event.tab.id:
            self.arrangement.show_group(event.tab.id.removeprefix("tab-"))

    # --- actions -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Workstation keys act on the workstation, never behind a dialog (a ticket's
        choice field must not take "s" for a second ticket, or "q" for quit)."""
        return not (len(self.screen_stack) > 1 and action in WORKSTATION_ACTIONS)

    def action_focus_pane(self, pane: str) -> None:
        self.arrangement.show_group(PANE_GROUP[pane])
        target = self.arrangement.pane_widget(pane)
        if self.cmdline.is_open:
            self._focus_before = target  # ":alerts": focus it once the line closes
        else:
            target.focus()

    def action_help(self) -> None:
        self.dialogs.help()

    def action_symbol_search(self) -> None:
        self.dialogs.symbol_search()

    def select_symbol(self, symbol: str) -> None:
        try:
            self.engine.select_symbol(symbol)
        except TradetermError as exc:
            self.notify(str(exc), severity="error")

    @on(FastTable.RowSelected, "#scanner-table")
    def _scanner_row(self, event: FastTable.RowSelected) -> None:
        self.select_symbol(event.key)

    @on(ScannerPane.FilterChanged)
    def _scanner_filter(self) -> None:
        self.scanner_box.set_titles(subtitle=self.scanner.summary)
        self.query_one("#alerts-pane", Pane).set_titles(subtitle=LEGEND)

    @on(ScannerPane.WhyRequested)
    def _scanner_why(self, event: ScannerPane.WhyRequested) -> None:
        self.dialogs.why(event.symbol)

    @on(AlertsPane.Remove)
    def _remove_alert(self, event: AlertsPane.Remove) -> None:
        if event.alert_id is None:
            self.notify("no alert selected", severity="warning", timeout=3)
            return
        try:
            self.alerting.remove(event.alert_id)
        except AlertError as exc:
            self.notify(str(exc), severity="warning")

    def action_group(self, delta: int) -> None:
        ticks = self.ladder.change_group(delta)
        self.bridge.dirty.add("book")
        step = self.ladder.step
        self.notify(
            f"ladder grouped by {ticks} tick{'s' if ticks > 1 else ''} ({step})", timeout=1.5
        )

    def action_cycle_theme(self) -> None:
        names = self.theme_names or [self.theme]
        index = names.index(self.theme) if self.theme in names else -1
        self.apply_theme(names[(index + 1) % len(names)], save=True)
        self.notify(f"theme {self.theme}", timeout=1.5)

    def apply_theme(self, name: str, *, save: bool) -> None:
        if name not in self.available_themes:
            log.warning(
                "theme %r not found; using %s (themes: %s)",
                name,
                DEFAULT_THEME,
                ", ".join(self.theme_names),
            )
            name = DEFAULT_THEME
        self.theme = name
        if save and self._save_theme is not None:
            try:
                self._save_theme(name)
            except TradetermError as exc:
                self.notify(f"theme not saved: {exc}", severity="warning")

    def action_cycle_log_level(self) -> None:
        name = self.log_pane.cycle_level()
        self.query_one("#log-pane", Pane).set_titles(subtitle=f"≥ {name} (l)")
        self.notify(f"log shows {name} and above", timeout=1.5)

    def set_log_level(self, level: int) -> None:
        self.log_pane.set_level(level)
        self.query_one("#log-pane", Pane).set_titles(subtitle=f"≥ {self.log_pane.level_name} (l)")

    def switch_account(self, name: str) -> None:
        try:
            self.engine.switch_account(name)
        except TradetermError as exc:
            self.notify(str(exc), severity="error")
            return
        live = self.engine.state.account.mode is AccountMode.LIVE
        self.screen.set_class(live, "-live")
        self.refresher.hurry()

    # --- trading (the desk places, the dialogs ask) ------------------------------------

    def action_ticket(self, side: str) -> None:
        self.dialogs.ticket(Side(side))

    def action_accounts(self) -> None:
        self.dialogs.accounts()

    def action_cancel_all(self) -> None:
        self.dialogs.ask_cancel_all()

    def action_reset_account(self) -> None:
        self.dialogs.ask_reset()

    def action_export_fills(self) -> None:
        self.dialogs.export_fills()

    def action_command_line(self, text: str = "") -> None:
        if not self.cmdline.is_open:
            self._focus_before = self.focused
        self.cmdline.open(text)

    @on(CommandLine.Submitted)
    def _command_submitted(self, event: CommandLine.Submitted) -> None:
        self.desk.run_line(event.text, self.cmdline)

    @on(CommandLine.Closed)
    def _command_closed(self) -> None:
        before, self._focus_before = self._focus_before, None
        if before is not None and before.is_attached and before.display:
            before.focus()
        else:
            self.arrangement.focus_shown()

    @on(OrdersPane.Act)
    def _order_key(self, event: OrdersPane.Act) -> None:
        self.dialogs.order_key(event.action, event.client_id, event.ticks)

    @on(Ladder.MoveOrder)
    def _ladder_move(self, event: Ladder.MoveOrder) -> None:
        self.desk.move_at(event.price, event.ticks)

    @on(Ladder.CursorMoved)
    def _ladder_cursor(self, event: Ladder.CursorMoved) -> None:
        price = event.price
        self.book_pane.set_titles(
            subtitle="" if price is None else f"cursor {price} · b/s: ticket here · esc clears"
        )

    @on(FillsPane.Export)
    def _fills_export(self) -> None:
        self.dialogs.export_fills()

    def action_toggle_recording(self) -> None:
        self.recording.toggle()

    async def action_quit(self) -> None:
        """Stop the feeds, stop the engine (flushing the ledger), then leave."""
        self.workers.cancel_group(self, "feeds")
        self.recording.stop()
        await self.engine.stop()
        self.exit()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """tradeterm's own variables ($bid, $ask, $live...) for themes that lack them."""
        return {**super().get_theme_variable_defaults(), **default_variables()}

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Theme", "Keys"):
                yield command
