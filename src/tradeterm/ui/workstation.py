"""The workstation's parts that need a session, all made at once from a ready one.

The pane contents come from the registry (``ui/panes/registry.py``); the helpers get the app
only as a ``Host`` (toasts, timers, workers) and these parts, never the whole app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from textual.widget import Widget

from tradeterm.strategies.runner import StrategyRunner
from tradeterm.ui.alerting import Alerting
from tradeterm.ui.bridge import UiBridge
from tradeterm.ui.notify import TerminalNotifier
from tradeterm.ui.panes.alerts import AlertsPane
from tradeterm.ui.panes.chart import ChartPane
from tradeterm.ui.panes.fills import FillsPane
from tradeterm.ui.panes.log import LogPane
from tradeterm.ui.panes.orders import OrdersPane
from tradeterm.ui.panes.positions import PositionsPane
from tradeterm.ui.panes.registry import PANES
from tradeterm.ui.panes.scanner import ScannerPane
from tradeterm.ui.panes.strategies import StrategiesPane
from tradeterm.ui.recording import Recording
from tradeterm.ui.refresh import Refresher
from tradeterm.ui.scanning import DEFAULT_INTERVAL_S, ScanRunner
from tradeterm.ui.widgets.ladder import Ladder
from tradeterm.ui.widgets.tape import Tape

if TYPE_CHECKING:
    from tradeterm.ui.alerting import Notifier
    from tradeterm.ui.host import Host
    from tradeterm.ui.layout import Pane
    from tradeterm.ui.session import Session
    from tradeterm.ui.widgets.status import StatusBar

W = TypeVar("W", bound=Widget)


class Workstation:
    """The engine, the panes' contents and the helpers that drive them, for one session.

    Args:
        session: the ready session.
        host: the app's toasts, timers and workers.
        boxes: the bordered pane boxes by pane id (their titles show pane state).
        status: the status bar.
        visible: whether a pane is on screen now (by pane id).
        refresh_hz: the frame rate of the refresh tick.
        scan_interval: seconds between scanner passes (0: on demand; None: the default).
        notifier: where fired alerts are announced (None: the controlling terminal).
    """

    def __init__(
        self,
        session: Session,
        host: Host,
        boxes: Mapping[str, Pane],
        status: StatusBar,
        visible: Callable[[str], bool],
        *,
        refresh_hz: float,
        scan_interval: float | None,
        notifier: Notifier | None,
    ) -> None:
        self.session = session
        self.engine = session.engine
        self.logbook = session.logbook
        self.bridge = UiBridge(session.engine)
        self.contents: dict[str, Widget] = {spec.id: spec.make(session) for spec in PANES}
        self.ladder = self._content("book", Ladder)
        self.tape = self._content("tape", Tape)
        self.scanner = self._content("scanner", ScannerPane)
        self.positions = self._content("positions", PositionsPane)
        self.log_pane = self._content("log", LogPane)
        self.orders = self._content("orders", OrdersPane)
        self.fills = self._content("fills", FillsPane)
        self.chart = self._content("chart", ChartPane)
        self.alerts_pane = self._content("alerts", AlertsPane)
        self.strategies_pane = self._content("strategies", StrategiesPane)
        self.strategies = StrategyRunner(
            self.engine, session.strategies, session.strategy_kinds, session.strategy_errors
        )
        self.refresher = Refresher(host, self, boxes, status, visible, refresh_hz)
        interval = DEFAULT_INTERVAL_S if scan_interval is None else scan_interval
        self.scans = ScanRunner(host, self, visible, interval)
        notifier = TerminalNotifier() if notifier is None else notifier
        self.alerting = Alerting(host, self, session.alerts, notifier)
        self.recording = Recording(host, self, session.recorder)

    def _content(self, pane: str, kind: type[W]) -> W:
        widget = self.contents[pane]
        if not isinstance(widget, kind):
            raise TypeError(f"pane {pane}: {type(widget).__name__} is not a {kind.__name__}")
        return widget
