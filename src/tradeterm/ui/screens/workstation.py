"""The workstation's screen: it takes what its panes ask for (messages up) and hands it on."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp
    from tradeterm.ui.panes.alerts import AlertsPane
    from tradeterm.ui.panes.orders import OrdersPane
    from tradeterm.ui.panes.positions import PositionsPane
    from tradeterm.ui.panes.scanner import ScannerPane
    from tradeterm.ui.panes.strategies import StrategiesPane
    from tradeterm.ui.widgets.ladder import Ladder
    from tradeterm.ui.widgets.table import FastTable


class WorkstationScreen(Screen[None]):
    """The panes' screen. Nothing takes the keys by itself: the app gives them to a pane on
    screen (``Arrangement.focus_shown``), and until the panes are filled they stay with
    the app, so the hidden command line's input never gets them.

    Messages from the panes are handled here by name (on_<widget>_<message>), so this module
    need not import the panes before the first frame: a choice goes to the app's dialogs or
    desk, a pane's own state to its box's titles.
    """

    AUTO_FOCUS = ""

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
        self.station.boxes["book"].set_titles(
            subtitle="" if price is None else f"cursor {price} · b/s: ticket here · esc clears"
        )

    def on_positions_pane_close(self, event: PositionsPane.Close) -> None:
        self.station.dialogs.ask_close(event.symbol)

    def on_fills_pane_export(self) -> None:
        self.station.dialogs.export_fills()
