"""The Textual workstation: composes the panes, runs the engine's workers, redraws on a tick."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.command import Provider
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Tab, Tabs
from textual.worker import Worker, WorkerState

from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.engine import Engine
from tradeterm.engine.logbook import LogBook
from tradeterm.ui.bridge import UiBridge
from tradeterm.ui.keys import APP_BINDINGS
from tradeterm.ui.layout import GROUPS, PANE_GROUP, Group, Pane, is_wide
from tradeterm.ui.panes.log import LogPane
from tradeterm.ui.panes.positions import PositionsPane
from tradeterm.ui.panes.scanner import ScannerPane
from tradeterm.ui.refresh import Refresher
from tradeterm.ui.themes import default_variables, load_themes
from tradeterm.ui.widgets.ladder import Ladder
from tradeterm.ui.widgets.status import StatusBar
from tradeterm.ui.widgets.table import FastTable
from tradeterm.ui.widgets.tape import Tape

log = logging.getLogger("tradeterm.ui")

DEFAULT_THEME = "tradeterm-dark"


def _workstation_commands() -> type[Provider]:
    from tradeterm.ui.commands import WorkstationCommands

    return WorkstationCommands


class TradetermApp(App[None]):
    """The workstation. The engine is built by the CLI (the composition root) and passed in."""

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
        refresh_hz: float = 15.0,
        keymap: dict[str, str] | None = None,
        user_themes: Path | None = None,
        save_theme: Callable[[str], None] | None = None,
        start_feed: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.logbook = logbook
        self.keymap = dict(keymap or {})
        self.refresh_hz = refresh_hz
        self.start_feed = start_feed
        self._save_theme = save_theme
        self.theme_names: list[str] = []
        for loaded in load_themes(user_themes):
            self.register_theme(loaded)
            self.theme_names.append(loaded.name)
        self._wanted_theme = theme
        self.bridge = UiBridge(engine)
        self.ladder = Ladder(id="ladder")
        self.tape = Tape(id="tape")
        self.scanner = ScannerPane(id="scanner-pane")
        self.positions = PositionsPane(id="positions-pane-body")
        self.log_pane = LogPane(logbook, id="log")
        self.status = StatusBar(id="status")
        self.book_pane = Pane("1 Order book", self.ladder, id="book-pane")
        self.refresher = Refresher(self)
        self.tab = "market"
        self.wide = True

    # --- composition -----------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.status
        yield Tabs(*[Tab(title, id=f"tab-{gid}") for gid, title in GROUPS], id="tabs")
        with Vertical(id="body"):
            with Horizontal(id="top"):
                yield Group(Pane("3 Scanner", self.scanner, id="scanner-pane-box"), id="scanner")
                yield Group(
                    self.book_pane,
                    Pane("2 Trades", self.tape, id="tape-pane"),
                    id="market",
                )
            with Horizontal(id="bottom"):
                yield Group(
                    Pane("4 Positions", self.positions, id="positions-pane"), id="positions"
                )
                yield Group(Pane("5 Log", self.log_pane, id="log-pane"), id="log")
        yield Footer()

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.apply_theme(self._wanted_theme, save=False)
        self.query_one("#log-pane", Pane).border_subtitle = f"≥ {self.log_pane.level_name} (l)"
        self._layout(self.size.width, self.size.height)
        self.set_interval(1 / self.refresh_hz, self.refresher.tick, name="refresh")
        self.run_worker(
            self._start_engine(), name="engine.start", group="engine", exit_on_error=False
        )
        self.scanner.table.focus()

    async def _start_engine(self) -> None:
        if not self.engine.started:
            await self.engine.start()
        if self.start_feed:
            self.run_worker(
                self.engine.run_feed(),
                name=f"feed.{self.engine.feed.venue}",
                group="feeds",
                exit_on_error=False,
            )
            self.run_worker(
                self.engine.watch_feed(), name="feed.watchdog", group="feeds", exit_on_error=False
            )

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for failed workers: log it, show it, keep the app alive."""
        worker = event.worker
        if event.state is WorkerState.ERROR:
            error = worker.error
            message = str(error) if isinstance(error, TradetermError) else repr(error)
            log.error(
                "worker %s (%s) failed: %s",
                worker.name,
                worker.group,
                message,
                exc_info=None if isinstance(error, TradetermError) else error,
            )
            self.notify(f"{worker.name} stopped: {message}", severity="error", timeout=8)

    # --- layout ------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width, event.size.height)

    def _layout(self, width: int, height: int) -> None:
        wide = is_wide(width, height)
        self.wide = wide
        self.query_one("#tabs", Tabs).set_class(not wide, "-shown")
        self.query_one("#body").set_class(not wide, "-tabbed")
        for gid, _ in GROUPS:
            self.query_one(f"#{gid}").display = wide or gid == self.tab
        top_visible = wide or self.tab in ("scanner", "market")
        self.query_one("#top").display = top_visible
        self.query_one("#bottom").display = wide or not top_visible
        if not wide:
            self.query_one("#tabs", Tabs).active = f"tab-{self.tab}"
        self.bridge.dirty.add("book")

    def show_group(self, gid: str) -> None:
        if self.tab != gid:
            self.tab = gid
            self._layout(self.size.width, self.size.height)
            self.bridge.dirty |= {"book", "tape", "scanner", "positions"}

    @on(Tabs.TabActivated, "#tabs")
    def _tab_clicked(self, event: Tabs.TabActivated) -> None:
        if event.tab.id:
            self.show_group(event.tab.id.removeprefix("tab-"))

    def pane_visible(self, pane: str) -> bool:
        return self.wide or PANE_GROUP[pane] == self.tab

    # --- actions -----------------------------------------------------------------

    def action_focus_pane(self, pane: str) -> None:
        self.show_group(PANE_GROUP[pane])
        target = {
            "book": self.ladder,
            "tape": self.tape,
            "scanner": self.scanner.table,
            "positions": self.positions.balances,
            "log": self.log_pane,
        }[pane]
        target.focus()

    def action_help(self) -> None:
        from tradeterm.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.keymap))

    def action_symbol_search(self) -> None:
        from tradeterm.ui.screens.symbols import SymbolSearch

        symbols = list(self.engine.state.markets)
        if not symbols:
            self.notify("no markets loaded yet", severity="warning")
            return

        def chosen(symbol: str | None) -> None:
            if symbol:
                self.select_symbol(symbol)

        self.push_screen(SymbolSearch(symbols, self.engine.state.active_symbol), chosen)

    def select_symbol(self, symbol: str) -> None:
        try:
            self.engine.select_symbol(symbol)
        except TradetermError as exc:
            self.notify(str(exc), severity="error")

    @on(FastTable.RowSelected, "#scanner-table")
    def _scanner_row(self, event: FastTable.RowSelected) -> None:
        self.select_symbol(event.key)

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
        self.query_one("#log-pane", Pane).border_subtitle = f"≥ {name} (l)"
        self.notify(f"log shows {name} and above", timeout=1.5)

    def set_log_level(self, level: int) -> None:
        self.log_pane.set_level(level)
        self.query_one("#log-pane", Pane).border_subtitle = f"≥ {self.log_pane.level_name} (l)"

    def switch_account(self, name: str) -> None:
        try:
            self.engine.switch_account(name)
        except TradetermError as exc:
            self.notify(str(exc), severity="error")
            return
        live = self.engine.state.account.mode is AccountMode.LIVE
        self.screen.set_class(live, "-live")

    async def action_quit(self) -> None:
        """Stop the feeds, stop the engine (flushing the ledger), then leave."""
        self.workers.cancel_group(self, "feeds")
        await self.engine.stop()
        self.exit()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """tradeterm's own variables ($bid, $ask, $live...) for themes that lack them."""
        return {**super().get_theme_variable_defaults(), **default_variables()}

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Theme", "Keys"):
                yield command
