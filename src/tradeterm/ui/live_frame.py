"""The frame of the screen for the active account's mode: LIVE dashed while disarmed, heavy
red while armed, redrawn when the account is armed or disarmed. Loaded with the workstation;
the live dialogs (``ui/live.py``) load on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from tradeterm.domain.enums import AccountMode
from tradeterm.domain.events import ArmingChanged

if TYPE_CHECKING:
    from textual.screen import Screen

    from tradeterm.engine.engine import Engine
    from tradeterm.ui.refresh import Refresher


class ShowsMode(Protocol):
    """Redraws the frame for the active account's mode (``TradetermApp.show_account_mode``)."""

    def show_account_mode(self) -> None: ...


class FrameHost(Protocol):
    """What framing the screen uses: the engine's active account, the screen to frame, and
    the refresher that redraws the slow panes."""

    @property
    def engine(self) -> Engine: ...
    @property
    def screen(self) -> Screen[Any]: ...
    @property
    def refresher(self) -> Refresher: ...


def watch(app: ShowsMode, engine: Engine) -> None:
    """Redraw the frame when the active account is armed or disarmed (the idle timer too)."""

    def changed(event: ArmingChanged) -> None:
        if event.account == engine.state.active_account:
            app.show_account_mode()

    engine.bus.subscribe(ArmingChanged, changed)


def show_mode(app: FrameHost) -> None:
    """Frame the screen for the active account: LIVE dashed while disarmed, heavy while armed."""
    account = app.engine.state.account
    app.screen.set_class(account.mode is AccountMode.LIVE, "-live")
    app.screen.set_class(framed(app.engine), "-armed")
    app.refresher.hurry()


def framed(engine: Engine) -> bool:
    """The red frame is on while the active account is live and armed."""
    account = engine.state.account
    return account.mode is AccountMode.LIVE and account.armed
