"""The workstation's screen: its frame and panes, composed from a ready session's parts; it
takes what its panes ask for (messages up) and hands it on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widget import AwaitMount, Widget

from tradeterm.ui.layout import BOTTOM_ROW, GROUPS, TOP_ROW, Group, pane_boxes
from tradeterm.ui.panes.registry import PANES
from tradeterm.ui.widgets.cmdline import CommandLine
from tradeterm.ui.widgets.keybar import KeyBar
from tradeterm.ui.widgets.status import StatusBar

if TYPE_CHECKING:
    from textual.widgets import Tabs

    from tradeterm.ui.app import TradetermApp
    from tradeterm.ui.panes.alerts import AlertsPane
    from tradeterm.ui.panes.orders import OrdersPane
    from tradeterm.ui.panes.positions import PositionsPane
    from tradeterm.ui.panes.scanner import ScannerPane
    from tradeterm.ui.panes.strategies import StrategiesPane
    from tradeterm.ui.widgets.ladder import Ladder
    from tradeterm.ui.widgets.table import FastTable
    from tradeterm.ui.workstation import Workstation


class Chrome:
    """The workstation's frame, what the first frame shows: the status bar, every pane's
    bordered box in its tab group, the command line and the key bar. A workstation's parts
    are made with its boxes and status bar (they show pane state in them)."""

    def __init__(self) -> None:
        self.status = StatusBar(id="status")
        self.cmdline = CommandLine(id="cmdline")
        self.keys = KeyBar(id="keys")
        self.boxes = pane_boxes(None)
        """The bordered box around each pane's content, by pane id (see the pane registry)."""
        self.book_pane = self.boxes["book"]
        self.orders_pane = self.boxes["orders"]
        self.scanner_box = self.boxes["scanner"]
        self.groups = {
            gid: Group(*(self.boxes[spec.id] for spec in PANES if spec.group == gid), id=gid)
            for gid, _ in GROUPS
        }
        self.top = Grid(*(self.groups[gid] for gid in TOP_ROW), id="top")
        self.bottom = Horizontal(*(self.groups[gid] for gid in BOTTOM_ROW), id="bottom")
        self.body = Vertical(self.top, self.bottom, id="body")
        self.tabs: Tabs | None = None
        """The tab bar of small terminals, made the first time one is needed (see
        ``ui/arrange.py``)."""


class WorkstationScreen(Screen[None]):
    """The panes' screen, made with its ``workstation`` (None: the frame alone, shown while
    the market is built). ``bars`` sit under the status bar (a replay's playback bar).

    Nothing takes the keys by itself: the app gives them to a pane on screen
    (``Arrangement.focus_shown``), and until the panes are filled they stay with the app, so
    the hidden command line's input never gets them.

    Messages from the panes are handled here by name (on_<widget>_<message>), so this module
    need not import the panes before the first frame: a choice goes to the app's dialogs or
    desk, a pane's own state to its box's titles.
    """

    AUTO_FOCUS = ""

    def __init__(
        self, chrome: Chrome, workstation: Workstation | None, bars: Sequence[Widget] = ()
    ) -> None:
        super().__init__()
        self.chrome = chrome
        self.workstation = workstation
        self.bars = tuple(bars)
        self._styled = True  # each widget is styled as it mounts
        self._after_first_frame: Callable[[], Awaitable[None]] | None = None

    def after_first_frame(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` as soon as the screen has drawn its first frame (in its first
        resume), before the repaints that follow it: the resize Textual sends at start, the
        toasts' layer laid out, the repaint the resume asks for. Waiting for those (with
        ``call_after_refresh``) put three full frames and a repaint tick between the first
        frame and the opening; drawn after it, the first book's frame draws them at once."""
        if self.is_mounted and self.size:
            self.call_next(callback)  # drawn already
        else:
            self._after_first_frame = callback

    def compose(self) -> ComposeResult:
        if self.workstation is not None:  # each pane's content in its box
            for pane, content in self.workstation.contents.items():
                self.chrome.boxes[pane].compose_add_child(content)
        yield self.chrome.status
        yield from self.bars
        if self.chrome.tabs is not None:  # laid out before the screen was composed
            yield self.chrome.tabs
        yield self.chrome.body
        yield self.chrome.cmdline
        yield self.chrome.keys

    def open(self, workstation: Workstation, panes: Iterable[str]) -> list[AwaitMount]:
        """Put the contents of ``workstation``'s ``panes`` (pane ids) in the frame's boxes:
        the frame shown while the market was built becomes the workstation's screen (await
        what this returns). Only the contents mount: composing a second frame for them, and
        switching to it, was about a sixth of the time to the first book."""
        self.workstation = workstation
        boxes, contents = self.chrome.boxes, workstation.contents
        return [boxes[pane].mount(contents[pane]) for pane in panes]

    def on_screen_suspend(self) -> None:
        self._styled = False  # classes may change while another screen is on top

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Skip Textual's restyle of every node when the screen was never suspended since it
        mounted (its widgets were styled as they mounted): a restyle of the filled workstation
        took about a tenth of the time from the first frame to the first book. This handler
        runs before the base class's, which draws the first frame: what waits for that frame
        runs next (``call_next``)."""
        if self._styled:
            event.refresh_styles = False
        self._styled = True
        callback, self._after_first_frame = self._after_first_frame, None
        if callback is not None:
            self.call_next(callback)

    @property
    def station(self) -> TradetermApp:
        return cast("TradetermApp", self.app)

    def on_fast_table_row_selected(self, event: FastTable.RowSelected) -> None:
        if event.control.id == "scanner-table":
            self.station.select_symbol(event.key)

    def on_scanner_pane_filter_changed(self) -> None:
        from tradeterm.ui.panes.alerts import LEGEND

        app = self.station
        app.boxes["scanner"].set_titles(subtitle=app.scanner.summary)
        app.boxes["alerts"].set_titles(subtitle=LEGEND)

    def on_scanner_pane_why_requested(self, event: ScannerPane.WhyRequested) -> None:
        self.station.dialogs.why(event.symbol)

    def on_alerts_pane_remove(self, event: AlertsPane.Remove) -> None:
        if event.alert_id is None:
            self.app.notify("no alert selected", severity="warning", timeout=3)
            return
        self.station.dialogs.ask_remove_alert(event.alert_id)

    def on_strategies_pane_act(self, event: StrategiesPane.Act) -> None:
        from tradeterm.ui.strategizing import act

        act(self.station, event.action, event.name)

    def on_orders_pane_act(self, event: OrdersPane.Act) -> None:
        self.station.dialogs.order_key(event.action, event.client_id, event.ticks)

    def on_ladder_move_order(self, event: Ladder.MoveOrder) -> None:
        self.station.desk.move_at(event.price, event.ticks)

    def on_ladder_cursor_moved(self, event: Ladder.CursorMoved) -> None:
        price = event.price
        self.chrome.boxes["book"].set_titles(
            subtitle="" if price is None else f"cursor {price} · b/s: ticket here · esc clears"
        )

    def on_positions_pane_close(self, event: PositionsPane.Close) -> None:
        self.station.dialogs.ask_close(event.symbol)

    def on_fills_pane_export(self) -> None:
        self.station.dialogs.export_fills()
