"""Opening the workstation on a session: building its parts and starting them. ``ui/app.py``
loads this module only when it has a session: at once when given one, else once its first
frame is on screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import ConfigError, TradetermError
from tradeterm.ui import live_frame
from tradeterm.ui.panes.alerts import LEGEND
from tradeterm.ui.panes.registry import PANE_IDS
from tradeterm.ui.screens.workstation import Chrome, WorkstationScreen
from tradeterm.ui.session import Session
from tradeterm.ui.workers import start_engine
from tradeterm.ui.workstation import Workstation

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp


FIRST = "book"
"""The pane whose content ``open_later`` mounts and draws first: the market to act on. The
others mount in the frame after it (mounting and drawing them all before the book was about
half the work from the first frame to the first book)."""


def build(
    app: TradetermApp, session: Session, chrome: Chrome, later: set[str] | None = None
) -> Workstation:
    """Make ``app``'s parts that need the session (``app.workstation``), from a ready one,
    showing pane state in ``chrome``'s boxes and status bar. The panes in ``later`` (pane
    ids; their contents are not mounted yet) are not drawn, as if hidden, until the caller
    takes them out of it."""
    shown = app.arrangement.pane_visible
    workstation = Workstation(
        session,
        app,
        chrome.boxes,
        chrome.status,
        shown if later is None else _except(later, shown),
        refresh_hz=app.refresh_hz,
        scan_interval=app.scan_interval,
        notifier=app.notifier,
    )
    app.workstation = workstation
    wire_pane_keys(app, workstation)
    live_frame.watch(app, session.engine)
    return workstation


def _except(later: set[str], shown: Callable[[str], bool]) -> Callable[[str], bool]:
    """``shown``, but False for the panes in ``later`` while it holds them."""
    return lambda pane: pane not in later and shown(pane)


def wire_pane_keys(app: TradetermApp, workstation: Workstation) -> None:
    """Pane keys that open a screen act in the key's own handler, so the screen takes the rest
    of a burst (the dialogs module loads on first use, not at the first frame)."""

    def order_key(action: str, client_id: str | None, ticks: int) -> None:
        app.dialogs.order_key(action, client_id, ticks)

    def why(symbol: str | None) -> None:
        app.dialogs.why(symbol)

    workstation.orders.act = order_key
    workstation.scanner.why = why


def start(app: TradetermApp) -> None:
    """Start a workstation whose panes are filled: the refresh tick, the scanner, the engine
    and its feeds; give the keys to a pane on screen."""
    begin(app)
    if app.workstation is not None:
        start_engine(app, app.workstation, start_feed=app.start_feed)
        if app.start_feed:
            reconcile_at_start(app)


async def open_later(app: TradetermApp, opener: Callable[[], Session]) -> None:
    """Build the session after the first frame, then fill the frame on screen with the
    workstation made from it (``WorkstationScreen.open``) and start. A market that cannot
    be built ends the app with its reason (exit 2 for config, else 1)."""
    try:
        session = opener()
    except TradetermError as exc:
        code = 2 if isinstance(exc, ConfigError) else 1
        app.exit(return_code=code, message=Text(f"tradeterm: {exc}"))
        return
    if not app.chrome.body.is_attached:
        return  # the app was closed meanwhile (quit before the market was open)
    # the frame's screen, which need not be on top: a screen pushed meanwhile (the palette,
    # ctrl+p) stays over it, and the market opens underneath (else it never would, and the
    # collector the CLI turns on in on_open would stay off)
    screen = app.chrome.body.screen
    if not isinstance(screen, WorkstationScreen):
        return
    later = {pane for pane in PANE_IDS if pane != FIRST}
    workstation = build(app, session, app.chrome, later)
    mounted = screen.open(workstation, [FIRST])
    start_engine(app, workstation, start_feed=app.start_feed)  # it connects while it mounts
    if app.start_feed:
        reconcile_at_start(app)
    for mounting in mounted:
        await mounting
    workstation.refresher.tick()  # the market connected meanwhile: draw the book
    app.call_after_refresh(_open_the_rest, app, screen, later)  # once that is on screen


async def _open_the_rest(app: TradetermApp, screen: WorkstationScreen, later: set[str]) -> None:
    """Mount the contents of the panes in ``later`` (the book is on screen), draw them and
    start: the keys work from here."""
    workstation = screen.workstation
    if workstation is None or not screen.is_attached:
        return  # the app was closed meanwhile
    for mounting in screen.open(workstation, [p for p in workstation.contents if p in later]):
        await mounting
    later.clear()  # they are drawn from here
    begin(app)
    workstation.refresher.tick()  # every pane, in this frame
    app.refresh_bindings()
    if app.on_open is not None:
        app.call_after_refresh(app.on_open)  # once that is drawn


def reconcile_at_start(app: TradetermApp) -> None:
    """Reconcile the live accounts with their exchanges; the reconciliation screen and its
    table load only when a live account is configured."""
    if any(a.mode is AccountMode.LIVE for a in app.engine.state.accounts.values()):
        from tradeterm.ui.reconcile import at_start_up

        at_start_up(app)


def begin(app: TradetermApp) -> None:
    app.opened = True
    app.show_account_mode()  # a live first account is framed from the first frame
    app.boxes["log"].set_titles(subtitle=f"≥ {app.log_pane.level_name} (l)")
    app.boxes["scanner"].set_titles(subtitle=app.scanner.summary)
    app.boxes["alerts"].set_titles(subtitle=LEGEND)
    app.arrangement.layout(app.size)
    app.refresher.start()
    app.scans.start()
    app.arrangement.focus_shown()
