"""The alerts pane: every alert with its condition and whether it fired; ``d`` removes one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message

from tradeterm.analysis.alerts import Alert
from tradeterm.ui.format import clock_text
from tradeterm.ui.keys import ALERTS_BINDINGS
from tradeterm.ui.palette import role
from tradeterm.ui.widgets.table import Column, FastTable, Row

#: The symbol and its condition share one column, so a narrow pane still shows both.
COLUMNS = (
    Column("id", "ID", 4, "left"),
    Column("alert", "ALERT", 14, "left", flex=True),
    Column("status", "STATUS", 10, "left", priority=1),
    Column("repeat", "REP", 3, "left", priority=2),
)
EMPTY = "no alerts · :alert BTC/USDT > 70000"
FIRED = "⚑"
LEGEND = f"{FIRED} fired at · d removes"


_fired = role("warning")
_muted = role("muted")


def status_text(alert: Alert) -> str:
    """``active`` until it fires, then ``⚑ HH:MM:SS``: when it last fired (a repeating
    alert stays active and fires again)."""
    return f"{FIRED} {clock_text(alert.fired_ns)}" if alert.fired_ns else "active"


def alert_row(alert: Alert) -> Row:
    status = status_text(alert)
    style = _fired if alert.fired_ns and not alert.active else None
    order = int(alert.id[1:]) if alert.id[1:].isdigit() else 0
    return Row(
        alert.id,
        (alert.id, alert.describe(), status, "yes" if alert.repeat else ""),
        (order, alert.describe(), (alert.active, alert.fired_ns), alert.repeat),
        (_muted, style, style, None),
    )


class AlertsPane(Vertical):
    """Lists alerts (newest last); posts ``Remove`` with the selected alert's id."""

    BINDINGS: ClassVar[list[BindingType]] = list(ALERTS_BINDINGS)

    class Remove(Message):
        """Remove the selected alert (None: the table is empty)."""

        def __init__(self, alert_id: str | None) -> None:
            super().__init__()
            self.alert_id = alert_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = FastTable(COLUMNS, sort_column=0, id="alerts-table", empty_text=EMPTY)

    def compose(self) -> ComposeResult:
        yield self.table

    def show(self, alerts: Iterable[Alert]) -> None:
        self.table.set_rows([alert_row(alert) for alert in alerts])

    def action_remove(self) -> None:
        self.post_message(self.Remove(self.table.cursor_key))
