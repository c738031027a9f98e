"""What live trading adds to the workstation: ``:arm`` (the typed-name dialog), ``:disarm``,
``:kill [flatten]`` and ``K`` (one confirmation), the idle timer's key presses. Every change
goes through ``Engine.execute``; the red frame of an armed account is ``ui/live_frame.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tradeterm.domain.commands import Arm, Disarm, Kill
from tradeterm.domain.enums import AccountMode
from tradeterm.ui.cmdlive import AskArm, AskKill, AskReconcile
from tradeterm.ui.reconcile import ReconcileHost, ask_reconcile
from tradeterm.ui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from tradeterm.ui.commandline import Command


class Runs(Protocol):
    """Carries out a command in a worker, telling the user when it is refused (the desk)."""

    def run(self, command: Command) -> None: ...


class LiveHost(ReconcileHost, Protocol):
    """What the live dialogs use of the workstation: the engine (the active account, its
    venue), the desk that runs what they confirm, toasts and screens to push (and, for
    ``:reconcile``, a worker)."""

    @property
    def desk(self) -> Runs: ...


class ArmScreen(ModalScreen[str | None]):
    """Asks for the live account's name; dismisses with what was typed (None: Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="arm.cancel"),
    ]

    def __init__(self, account: str, note: str = "") -> None:
        super().__init__()
        self.account = account
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box") as box:
            box.border_title = f"Arm LIVE account {self.account}"
            box.border_subtitle = "enter: arm · esc: stay disarmed"
            yield Static(
                f"Orders on {self.account} will reach the exchange. "
                f"Type the account's name to arm it:",
                id="confirm-question",
                markup=False,
            )
            if self.note:
                yield Static(self.note, id="arm-note", markup=False)
            yield Input(placeholder=self.account, id="arm-name")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask(app: LiveHost, command: AskArm | AskKill | AskReconcile) -> None:
    if isinstance(command, AskArm):
        ask_arm(app)
    elif isinstance(command, AskReconcile):
        ask_reconcile(app)
    else:
        ask_kill(app, command.flatten)


def ask_arm(app: LiveHost) -> None:
    """The typed-name dialog for the active account (a paper account is told it is not live)."""
    account = app.engine.state.account
    if account.mode is not AccountMode.LIVE:
        app.notify(f"account {account.name} is paper: only live accounts are armed", timeout=4)
        return
    if account.armed:
        app.notify(f"account {account.name} is already ARMED", timeout=3)
        return

    def typed(name: str | None) -> None:
        if name is not None:
            app.desk.run(Arm(name, account.name))

    note = getattr(app.engine.venues.get(account.name), "dead_man_note", None)
    app.push_screen(ArmScreen(account.name, note() if callable(note) else ""), typed)


def ask_kill(app: LiveHost, flatten: bool = False) -> None:
    """One confirmation, then cancel every open order on every account (armed or not)."""
    state = app.engine.state
    count = sum(len(a.open_orders()) for a in state.accounts.values())
    what = f"Cancel all {count} open order(s) on every account"
    if flatten:
        what += " and close every position at market"

    def answered(yes: bool | None) -> None:
        if yes:
            app.desk.run(Kill(flatten))

    app.push_screen(ConfirmScreen("KILL SWITCH", what + "?"), answered)


def said(command: object, result: object) -> str:
    """What a live command did, for a notification ("" for other commands)."""
    if isinstance(command, Kill) and isinstance(result, str):
        return result
    if isinstance(command, Arm):
        return "account ARMED: its orders now reach the exchange"
    if isinstance(command, Disarm):
        return "account DISARMED: no new order reaches the exchange"
    return ""
