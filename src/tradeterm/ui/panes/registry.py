"""The pane registry: every pane's id, title, key, tab group, content, draw and rate, in one place.

Adding a pane touches only ``PANES`` here (and its widget's module): the layout, the keys
``1``..``9``, the palette's "Focus:" entries, the composition of the screen and the refresh
tick all read this table. Pane modules are imported only when a pane's content is made, so
this module costs nothing before the first frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.widget import Widget

if TYPE_CHECKING:
    from tradeterm.strategies.runner import StrategyRunner
    from tradeterm.ui.layout import Pane
    from tradeterm.ui.panes.alerts import AlertsPane
    from tradeterm.ui.panes.chart import ChartPane
    from tradeterm.ui.panes.fills import FillsPane
    from tradeterm.ui.panes.frame import Frame
    from tradeterm.ui.panes.log import LogPane
    from tradeterm.ui.panes.orders import OrdersPane
    from tradeterm.ui.panes.positions import PositionsPane
    from tradeterm.ui.panes.scanner import ScannerPane
    from tradeterm.ui.panes.strategies import StrategiesPane
    from tradeterm.ui.session import Session
    from tradeterm.ui.widgets.ladder import Ladder
    from tradeterm.ui.widgets.tape import Tape

W = TypeVar("W", bound=Widget)


class Rate(Enum):
    """How often a dirty pane on screen is redrawn (see ``ui/refresh.py``)."""

    FRAME = "frame"
    """Every frame (``refresh_hz``)."""
    SLOW = "slow"
    """At most ``SLOW_HZ`` a second; every frame for a moment after the user acted."""
    CALM = "calm"
    """At most ``SLOW_HZ`` a second even after the user acted; at once when ``urgent``."""
    TICK = "tick"
    """Every tick while on screen, dirty or not (the pane checks cheaply for news itself)."""


@dataclass(frozen=True, slots=True)
class PaneSpec(Generic[W]):
    """One pane. ``draw`` returns True when it drew (a frame for the tick's count), False
    when it had nothing to draw, None when it cannot draw yet (it stays dirty)."""

    id: str
    """The pane's name: dirty flag, ``focus_pane`` argument, palette entry."""
    box: str
    """The widget id of the bordered box around the pane's content (styled in app.tcss)."""
    title: str
    key: str
    """The key that focuses it (binding id ``focus.<id>``)."""
    label: str
    """The key's description in the help screen."""
    group: str
    """The tab group it is shown in on a small terminal (``layout.GROUPS``)."""
    make: Callable[[Session], W]
    """Makes the pane's content for a ready session."""
    draw: Callable[[Frame, W, Pane], bool | None]
    rate: Rate
    focus: Callable[[W], Widget] = lambda content: content
    """The widget in the content that takes the pane's keys."""
    stale: Callable[[Frame, W], bool] | None = None
    """True: redraw although no event marked it (its stale mark is out of date)."""
    urgent: Callable[[Frame, W], bool] | None = None
    """True: draw it now if it is dirty, whatever its rate."""

    @property
    def numbered_title(self) -> str:
        return f"{self.key} {self.title}"


# --- the panes' contents ------------------------------------------------------------------


def _ladder(_session: Session) -> Ladder:
    from tradeterm.ui.widgets.ladder import Ladder

    return Ladder(id="ladder")


def _tape(_session: Session) -> Tape:
    from tradeterm.ui.widgets.tape import Tape

    return Tape(id="tape")


def _scanner(_session: Session) -> ScannerPane:
    from tradeterm.ui.panes.scanner import ScannerPane

    return ScannerPane(id="scanner-pane")


def _positions(_session: Session) -> PositionsPane:
    from tradeterm.ui.panes.positions import PositionsPane

    return PositionsPane(id="positions-pane-body")


def _log(session: Session) -> LogPane:
    from tradeterm.ui.panes.log import LogPane

    return LogPane(session.logbook, id="log")


def _orders(_session: Session) -> OrdersPane:
    from tradeterm.ui.panes.orders import OrdersPane

    return OrdersPane(id="orders-pane-body")


def _fills(_session: Session) -> FillsPane:
    from tradeterm.ui.panes.fills import FillsPane

    return FillsPane(id="fills-pane-body")


def _chart(_session: Session) -> ChartPane:
    from tradeterm.ui.panes.chart import ChartPane

    return ChartPane(id="chart-body")


def _alerts(_session: Session) -> AlertsPane:
    from tradeterm.ui.panes.alerts import AlertsPane

    return AlertsPane(id="alerts-pane-body")


def _strategies(_session: Session) -> StrategiesPane:
    from tradeterm.ui.panes.strategies import StrategiesPane

    return StrategiesPane(id="strategies-pane-body")


# --- drawing them ------------------------------------------------------------------------------


def _draw_book(frame: Frame, ladder: Ladder, box: Pane) -> bool:
    if frame.book is None or frame.market is None:
        return False
    ladder.show(frame.book, frame.market, frame.now_ns, frame.book_stale, frame.label)
    box.set_titles(f"1 Order book  {ladder.title}")
    return True


def _book_stale(frame: Frame, ladder: Ladder) -> bool:
    return frame.book_stale != ladder.stale or ladder.flash_due(frame.now_ns)


def _draw_tape(frame: Frame, tape: Tape, _box: Pane) -> bool | None:
    if frame.market is None:
        return None
    tape.show(frame.tape(), frame.market)
    return True


def _draw_scanner(frame: Frame, scanner: ScannerPane, box: Pane) -> bool:
    state = frame.state
    scanner.show(
        state.by_label(state.markets),
        state.by_label(state.tickers),
        state.by_label(state.books),
        state.by_label(state.candles),
        frame.label,
        frame.feed_stale,
    )
    box.set_titles(subtitle=scanner.summary)
    return True


def _draw_positions(frame: Frame, positions: PositionsPane, _box: Pane) -> bool:
    state = frame.state
    venue = state.account.spec.venue
    positions.show(state.account, state.markets_on(venue), state.books_on(venue))
    return True


def _draw_log(_frame: Frame, log: LogPane, _box: Pane) -> bool:
    log.sync()
    return False


def _draw_orders(frame: Frame, orders: OrdersPane, box: Pane) -> bool:
    from tradeterm.engine.algos import algos_of
    from tradeterm.ui.panes.orders import EMULATED

    state = frame.state
    algos = algos_of(frame.parts.engine, state.account.spec.name)
    markets = state.markets_on(state.account.spec.venue)
    orders.show(state.account, markets, algos, frame.now_ns)
    count = orders.table.row_count
    legend = f"{EMULATED.strip('·')} = emulated by tradeterm"
    box.set_titles(
        f"6 Orders ({count})" if count else "6 Orders", legend if orders.emulated_shown else ""
    )
    return True


def _draw_fills(frame: Frame, fills: FillsPane, _box: Pane) -> bool:
    state = frame.state
    fills.show(state.account.fills, state.markets_on(state.account.spec.venue))
    return True


def _draw_chart(frame: Frame, chart: ChartPane, _box: Pane) -> bool | None:
    if frame.market is None:
        return None
    fills = frame.parts.refresher.fills_on(frame.mine)
    chart.show(frame.candles(), frame.market, fills, frame.now_ns)
    return False  # the chart draws itself later (throttled): not a frame of the tick's


def _draw_alerts(frame: Frame, alerts: AlertsPane, _box: Pane) -> bool:
    alerts.show(frame.parts.alerting.alerts)
    return True


def _draw_strategies(frame: Frame, pane: StrategiesPane, box: Pane) -> bool:
    from tradeterm.ui.panes.strategies import LEGEND

    runner: StrategyRunner = frame.parts.strategies
    pane.show(runner.hosts.values(), runner.broken.values())
    box.set_titles(subtitle=pane.reason or LEGEND)
    return True


def _strategies_stale(frame: Frame, _pane: StrategiesPane) -> bool:
    """While any ran: their PnL and states change without an event for the pane (and the
    broken files are listed from the first frame)."""
    runner: StrategyRunner = frame.parts.strategies
    return bool(runner.hosts or runner.broken)


PANES: tuple[PaneSpec[Any], ...] = (
    PaneSpec(
        "book", "book-pane", "Order book", "1", "Book", "market", _ladder, _draw_book,
        Rate.FRAME, stale=_book_stale,
    ),
    PaneSpec("tape", "tape-pane", "Trades", "2", "Tape", "market", _tape, _draw_tape,
                   Rate.FRAME),
    PaneSpec(
        "scanner", "scanner-pane-box", "Scanner", "3", "Scanner", "scanner", _scanner,
        _draw_scanner, Rate.CALM, focus=lambda pane: pane.table,
        stale=lambda frame, pane: frame.feed_stale != pane.stale,
        urgent=lambda frame, pane: pane.active != frame.label,  # the user picked a symbol
    ),
    PaneSpec(
        "positions", "positions-pane", "Positions", "4", "Positions", "positions", _positions,
        _draw_positions, Rate.SLOW, focus=lambda pane: pane.balances,
    ),
    PaneSpec("log", "log-pane", "Log", "5", "Log", "log", _log, _draw_log, Rate.TICK),
    PaneSpec(
        "orders", "orders-pane", "Orders", "6", "Orders", "trading", _orders, _draw_orders,
        Rate.SLOW, focus=lambda pane: pane.table,
    ),
    PaneSpec(
        "fills", "fills-pane", "Fills", "7", "Fills", "trading", _fills, _draw_fills, Rate.SLOW,
        focus=lambda pane: pane.table,
    ),
    PaneSpec("chart", "chart-pane", "Chart", "8", "Chart", "chart", _chart,
                        _draw_chart, Rate.FRAME),
    PaneSpec(
        "alerts", "alerts-pane", "Alerts", "9", "Alerts", "log", _alerts, _draw_alerts,
        Rate.SLOW, focus=lambda pane: pane.table,
    ),
    PaneSpec(
        "strategies", "strategies-pane", "Strategies", "0", "Strategies", "positions", _strategies,
        _draw_strategies, Rate.SLOW, focus=lambda pane: pane.table,
        stale=_strategies_stale,
    ),
)  # fmt: skip
"""The panes in key order."""

BY_ID: dict[str, PaneSpec[Any]] = {spec.id: spec for spec in PANES}
PANE_IDS = tuple(BY_ID)
PANE_GROUP = {spec.id: spec.group for spec in PANES}
#: What the refresh tick can redraw (see ``ui/bridge.py``): the panes that wait to be marked
#: dirty, the status bar, and the ladder's own-order markers; all of it after a change of
#: layout or account.
ALL = frozenset({s.id for s in PANES if s.rate is not Rate.TICK} | {"status", "own"})
