"""The workstation's parts that need the session (the engine and what is built around it),
and starting them. ``ui/app.py`` loads this module only when it has a session: at once when
given one, else once its first frame is on screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from tradeterm.domain.errors import ConfigError, TradetermError
from tradeterm.ui.alerting import Alerting
from tradeterm.ui.bridge import UiBridge
from tradeterm.ui.notify import TerminalNotifier
from tradeterm.ui.panes.alerts import LEGEND, AlertsPane
from tradeterm.ui.panes.chart import ChartPane
from tradeterm.ui.panes.fills import FillsPane
from tradeterm.ui.panes.log import LogPane
from tradeterm.ui.panes.orders import OrdersPane
from tradeterm.ui.panes.positions import PositionsPane
from tradeterm.ui.panes.scanner import ScannerPane
from tradeterm.ui.recording import Recording
from tradeterm.ui.refresh import Refresher
from tradeterm.ui.scanning import DEFAULT_INTERVAL_S, ScanRunner
from tradeterm.ui.session import Session
from tradeterm.ui.widgets.ladder import Ladder
from tradeterm.ui.widgets.tape import Tape
from tradeterm.ui.workers import start_engine

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp


def build(app: TradetermApp, session: Session) -> dict[str, tuple[Widget]]:
    """Make ``app``'s parts that need the engine; return each pane's content by pane id."""
    app.engine = session.engine
    app.logbook = session.logbook
    app.bridge = UiBridge(session.engine)
    app.ladder = Ladder(id="ladder")
    app.tape = Tape(id="tape")
    app.scanner = ScannerPane(id="scanner-pane")
    app.positions = PositionsPane(id="positions-pane-body")
    app.log_pane = LogPane(session.logbook, id="log")
    app.orders = OrdersPane(id="orders-pane-body")
    app.fills = FillsPane(id="fills-pane-body")
    app.chart = ChartPane(id="chart-body")
    app.alerts_pane = AlertsPane(id="alerts-pane-body")
    wire_pane_keys(app)
    app.refresher = Refresher(app)
    interval = DEFAULT_INTERVAL_S if app.scan_interval is None else app.scan_interval
    app.scans = ScanRunner(app, interval)
    notifier = TerminalNotifier() if app.notifier is None else app.notifier
    app.alerting = Alerting(app, session.alerts, notifier)
    app.recording = Recording(app, session.recorder)
    app.candle_feeder = session.candles
    return {
        "book-pane": (app.ladder,),
        "tape-pane": (app.tape,),
        "scanner-pane-box": (app.scanner,),
        "positions-pane": (app.positions,),
        "log-pane": (app.log_pane,),
        "orders-pane": (app.orders,),
        "fills-pane": (app.fills,),
        "chart-pane": (app.chart,),
        "alerts-pane": (app.alerts_pane,),
    }


def wire_pane_keys(app: TradetermApp) -> None:
    """Pane keys that open a screen act in the key's own handler, so the screen takes the rest
    of a burst (the dialogs module loads on first use, not at the first frame)."""

    def order_key(action: str, client_id: str | None, ticks: int) -> None:
        app.dialogs.order_key(action, client_id, ticks)

    def why(symbol: str | None) -> None:
        app.dialogs.why(symbol)

    app.orders.act = order_key
    app.scanner.why = why


def start(app: TradetermApp) -> None:
    """Start a workstation whose panes are filled: the refresh tick, the scanner, the engine
    and its feeds; give the keys to a pane on screen."""
    begin(app)
    start_engine(app)


async def open_later(app: TradetermApp, opener: Callable[[], Session]) -> None:
    """Build the session after the first frame, fill the panes and start. A market that
    cannot be built ends the app with its reason (exit 2 for config, else 1)."""
    try:
        session = opener()
    except TradetermError as exc:
        code = 2 if isinstance(exc, ConfigError) else 1
        app.exit(return_code=code, message=Text(f"tradeterm: {exc}"))
        return
    contents = build(app, session)
    start_engine(app)  # the market connects while the panes mount
    for pid, widgets in contents.items():
        await app.panes[pid].mount_all(widgets)
    begin(app)
    app.refresher.tick()  # the market connected meanwhile: draw it with the panes
    app.refresh_bindings()


def begin(app: TradetermApp) -> None:
    app.opened = True
    app.panes["log-pane"].set_titles(subtitle=f"≥ {app.log_pane.level_name} (l)")
    app.scanner_box.set_titles(subtitle=app.scanner.summary)
    app.panes["alerts-pane"].set_titles(subtitle=LEGEND)
    app.arrangement.layout(app.size)
    app.refresher.start()
    app.scans.start()
    app.arrangement.focus_shown()
