"""The reconciliation screen: what differs between a live account's ledger and its exchange,
one row each, with adopt / cancel / record / ignore / accept from the keyboard. The account
takes no new orders until the user leaves the screen (esc). Opened at start-up for every live
account whose exchange disagrees with the ledger, and by ``:reconcile``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import WorkerCancelled, WorkerFailed

from tradeterm.domain.enums import AccountMode
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.reconcile import Action, Difference, Reconcilable
from tradeterm.engine.reconciling import Reconciliation
from tradeterm.ui.host import Notifies, Screens, Works

if TYPE_CHECKING:
    from textual.worker_manager import WorkerManager

    from tradeterm.engine.accounts import AccountState
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.ui")

Act = Callable[[int, Action], Awaitable[str]]


class ReconcileHost(Notifies, Screens, Works, Protocol):
    """What reconciling uses of the workstation: the engine (its accounts and venues), a
    worker to compare in, toasts, and the screen to push."""

    @property
    def engine(self) -> Engine: ...


class StartUpHost(ReconcileHost, Protocol):
    """At start-up, reconciling also waits for the engine's start worker."""

    @property
    def workers(self) -> WorkerManager: ...


KEYS = {"a": Action.ADOPT, "c": Action.CANCEL, "r": Action.RECORD, "i": Action.IGNORE,
        "enter": Action.ACCEPT}  # fmt: skip


class ReconcileScreen(Screen[None]):
    """The differences of one account; each row's actions by key, esc to leave."""

    DEFAULT_CSS = """
    ReconcileScreen { layout: vertical; }
    ReconcileScreen #rec-title { height: 1; text-style: bold; background: $error; color: $text; }
    ReconcileScreen #rec-help { height: 2; color: $text-muted; }
    ReconcileScreen DataTable { height: 1fr; }
    ReconcileScreen #rec-said { height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "act('adopt')", "Adopt", id="reconcile.adopt"),
        Binding("c", "act('cancel')", "Cancel", id="reconcile.cancel"),
        Binding("r", "act('record')", "Record", id="reconcile.record"),
        Binding("i", "act('ignore')", "Ignore", id="reconcile.ignore"),
        Binding("enter", "act('accept')", "Accept", id="reconcile.accept", priority=True),
        Binding("escape", "leave", "Done", id="reconcile.leave"),
    ]

    def __init__(
        self, account: str, source: str, found: Sequence[Difference], act: Act,
        finish: Callable[[], None],
    ) -> None:  # fmt: skip
        super().__init__()
        self.account = account
        self.source = source
        self.found = list(found)
        self._act = act
        self._finish = finish
        self.done: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(
            f" RECONCILING {self.account} with {self.source}: {len(self.found)} difference(s);"
            " no new orders on this account until you leave (esc)",
            id="rec-title",
            markup=False,
        )
        yield Static(
            " a: adopt (tradeterm follows it) · c: cancel at the exchange · r: record the fill "
            "with its source\n i: ignore · enter: accept (the ledger follows the exchange) · "
            "esc: done, trade again",
            id="rec-help",
            markup=False,
        )
        table: DataTable[str] = DataTable(id="rec-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("#", "difference", "keys", "done", "what")
        for i, diff in enumerate(self.found):
            keys = " ".join(_key(a) for a in diff.actions)
            table.add_row(str(i + 1), diff.kind.value, keys, "", diff.text, key=str(i))
        yield table
        yield Static("", id="rec-said", markup=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    @property
    def row(self) -> int:
        return self.query_one(DataTable).cursor_row

    async def action_act(self, name: str) -> None:
        if not self.found:
            return
        index, action = self.row, Action(name)
        said = self.query_one("#rec-said", Static)
        try:
            text = await self._act(index, action)
        except TradetermError as exc:
            said.update(f"#{index + 1}: {exc}")
            return
        self.done[index] = text
        table = self.query_one(DataTable)
        table.update_cell(str(index), table.ordered_columns[3].key, action.value, update_width=True)
        said.update(f"#{index + 1}: {text}")

    def action_leave(self) -> None:
        self._finish()
        self.dismiss(None)


def _key(action: Action) -> str:
    return next(k for k, a in KEYS.items() if a is action)


def reconcilable(app: ReconcileHost) -> list[tuple[AccountState, Reconcilable]]:
    """The live accounts whose venue can be reconciled."""
    engine = app.engine
    out: list[tuple[AccountState, Reconcilable]] = []
    for account in engine.state.accounts.values():
        venue = engine.venues.get(account.name)
        if account.mode is AccountMode.LIVE and isinstance(venue, Reconcilable):
            out.append((account, venue))
    return out


async def reconcile(app: ReconcileHost, account: AccountState, venue: Reconcilable, *,
                    quiet: bool = True) -> None:  # fmt: skip
    """Compare, then show the screen (with ``quiet``, only when something differs); the
    account trades again once the user leaves it."""
    rec = Reconciliation(app.engine, account, venue)
    try:
        found = await rec.start()
    except TradetermError as exc:  # the account stays stopped: its exchange is unknown
        text = f"{account.name}: not reconciled, no orders on it until it is: {exc}; :reconcile"
        log.error("%s", text)
        app.notify(f"{text} to try again", severity="error", timeout=8)
        return
    if not found and quiet:
        rec.finish()
        log.info("%s: the ledger agrees with %s", account.name, venue.label)
        return
    app.push_screen(ReconcileScreen(account.name, venue.label, found, rec.act, rec.finish))


def at_start_up(app: StartUpHost) -> None:
    """Stop every reconcilable live account at once, then reconcile each once the engine has
    started (its ledger restored)."""
    pairs = reconcilable(app)
    for account, _ in pairs:
        account.reconciling = True

    starting = [w for w in app.workers if w.name == "engine.start"]

    async def when_started() -> None:
        # the markets are loaded before the ledger is replayed: wait for the whole start
        for worker in starting:
            try:
                await worker.wait()
            except (WorkerFailed, WorkerCancelled):
                return  # reported by the worker's handler; the accounts stay stopped
        while not app.engine.started:
            await asyncio.sleep(0.02)
        for account, venue in pairs:
            await reconcile(app, account, venue)

    if pairs:
        app.run_worker(when_started(), name="reconcile", group="reconcile", exit_on_error=False)


def ask_reconcile(app: ReconcileHost) -> None:
    """``:reconcile``: the active account, differences or not."""
    account = app.engine.state.account
    pairs = [(a, v) for a, v in reconcilable(app) if a is account]
    if not pairs:
        app.notify(f"account {account.name} is not a live exchange account: nothing to "
                   "reconcile", timeout=4)  # fmt: skip
        return
    _, venue = pairs[0]
    app.run_worker(reconcile(app, account, venue, quiet=False), name="reconcile",
                   group="reconcile", exit_on_error=False)  # fmt: skip
