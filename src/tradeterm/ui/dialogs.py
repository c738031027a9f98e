"""The workstation's dialogs: the order ticket, the amend modal, the account picker, the
questions asked before cancel-all and reset, the fills export, symbol search, help, and why
a scanned symbol scored what it did."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from tradeterm.domain.commands import AmendOrder, CancelAll, ClosePosition
from tradeterm.domain.enums import AccountMode, OrderStatus, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.closing import plan_close
from tradeterm.ui import live
from tradeterm.ui.desk import Desk, Refused
from tradeterm.ui.host import Host
from tradeterm.ui.layout import ALL
from tradeterm.ui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from textual.binding import Binding

    from tradeterm.engine.engine import Engine
    from tradeterm.ui.alerting import Alerting
    from tradeterm.ui.bridge import UiBridge
    from tradeterm.ui.scanning import ScanRunner
    from tradeterm.ui.screens.amend import AmendResult
    from tradeterm.ui.widgets.ladder import Ladder

log = logging.getLogger("tradeterm.ui.orders")


class DialogsHost(Host, live.LiveHost, Protocol):
    """What the dialogs use of the workstation: screens to push, the desk that carries out
    what they ask, the engine and the parts they read (and what the kill switch's question,
    ``live.ask_kill``, uses)."""

    keymap: dict[str, str]
    export_dir: Path | None
    HELP_SECTIONS: ClassVar[list[tuple[str, list[Binding]]]]

    @property
    def desk(self) -> Desk: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def alerting(self) -> Alerting: ...
    @property
    def bridge(self) -> UiBridge: ...
    @property
    def scans(self) -> ScanRunner: ...
    @property
    def ladder(self) -> Ladder: ...

    def select_symbol(self, symbol: str) -> None: ...
    def switch_account(self, name: str) -> None: ...


class Dialogs:
    def __init__(self, app: DialogsHost) -> None:
        self.app = app
        self.engine = app.engine
        self.desk = app.desk

    def help(self) -> None:
        from tradeterm.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.app.keymap, self.app.HELP_SECTIONS))

    def ask_kill(self) -> None:
        """``K``: one confirmation, then cancel every open order on every account."""
        live.ask_kill(self.app)

    def order_history(self) -> None:
        """Every order of the active account, DENIED ones too (``h``)."""
        from tradeterm.ui.screens.history import OrderHistoryScreen

        state = self.engine.state
        markets = state.markets_on(state.account.spec.venue)
        self.app.push_screen(OrderHistoryScreen(lambda: state.account, markets))

    def symbol_search(self) -> None:
        from tradeterm.ui.screens.symbols import SymbolSearch

        state = self.engine.state
        symbols = sorted(state.by_label(state.markets))
        if not symbols:
            self.app.notify("no markets loaded yet", severity="warning")
            return

        def chosen(symbol: str | None) -> None:
            if symbol:
                self.app.select_symbol(symbol)

        self.app.push_screen(SymbolSearch(symbols, state.label(state.active)), chosen)

    def why(self, symbol: str | None) -> None:
        """The components of ``symbol``'s three scores in the latest scan, with the recipes."""
        from tradeterm.ui.screens.why import WhyScreen

        app = self.app
        result = app.scans.result
        if symbol is None:
            app.notify("no scanner row selected", severity="warning", timeout=3)
        elif result is None or symbol not in result.symbols:
            every = app.scans.interval
            when = f"the scanner runs every {every:g} s" if every > 0 else "no scan has run"
            app.notify(f"{symbol} is not scanned yet: {when}", severity="warning", timeout=4)
        else:
            app.push_screen(WhyScreen(result, symbol))

    def order_key(self, action: str, client_id: str | None, ticks: int) -> None:
        """A key in the orders pane: edit, cancel or move the selected order."""
        if action == "edit":
            self.edit(client_id)
        elif client_id is None:
            self.app.notify("no open order selected", severity="warning", timeout=3)
        elif action == "cancel":
            self.desk.cancel(client_id)
        else:
            self.desk.move(client_id, ticks)

    def ticket(self, side: Side) -> None:
        """Open the order ticket for the active symbol; its price starts at the ladder
        cursor, else at the touch."""
        from tradeterm.ui.screens.ticket import TicketScreen

        app = self.app
        state = self.engine.state
        inst = state.active
        if inst not in state.markets:
            app.notify("no markets loaded yet", severity="warning")
            return
        try:
            self.engine.state.local_symbol(state.account, str(inst))
        except TradetermError as exc:  # the active account trades on another venue
            app.notify(str(exc), severity="warning", timeout=6)
            return
        cursor = app.ladder.cursor

        screen = TicketScreen(self.engine, inst, side, cursor, send=self.desk.send,
                              price_from_cursor=cursor is not None)  # fmt: skip
        app.push_screen(screen)

    def edit(self, client_id: str | None) -> None:
        """The amend modal for an open order (it shows whether the queue place is kept)."""
        from tradeterm.ui.screens.amend import AmendScreen

        app = self.app
        if client_id is None:
            app.notify("no open order selected", severity="warning", timeout=3)
            return
        try:
            order = self.desk.find_order(client_id)
            self.desk.prepare(AmendOrder(order.client_id, None, None))
        except Refused as exc:
            app.notify(str(exc), severity="warning")
            return

        def chosen(result: AmendResult | None) -> None:
            if result is not None:
                self.desk.amend(order.client_id, *result)

        app.push_screen(AmendScreen(self.engine, order.client_id), chosen)

    def accounts(self) -> None:
        from tradeterm.ui.screens.accounts import AccountsScreen

        state = self.engine.state

        def chosen(name: str | None) -> None:
            if name:
                self.app.switch_account(name)

        screen = AccountsScreen(state.accounts, state.books_on, state.active_account)
        self.app.push_screen(screen, chosen)

    def ask_remove_alert(self, alert_id: str) -> None:
        """Ask (naming the alert), then remove it: ``d`` sits next to keys that act at once."""
        from tradeterm.analysis.alerts import AlertError

        alert = self.app.alerting.book.alerts.get(alert_id)
        if alert is None:
            return
        question = f"Remove alert {alert_id}: {alert.describe()}?"

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.app.alerting.remove(alert_id)
            except AlertError as exc:
                self.app.notify(str(exc), severity="warning")

        self.app.push_screen(ConfirmScreen("Remove alert", question), answered)

    def ask_cancel_all(self) -> None:
        """Ask (saying how many orders and on which symbols), then cancel every open order."""
        account = self.engine.state.account
        live = [o for o in account.open_orders() if o.status is not OrderStatus.PENDING_CANCEL]
        if not live:
            self.app.notify(f"no open orders in {account.name}", timeout=3)
            return
        counts: dict[str, int] = {}
        for order in live:
            counts[order.symbol] = counts.get(order.symbol, 0) + 1
        symbols = ", ".join(f"{s} ×{n}" if n > 1 else s for s, n in sorted(counts.items()))
        n = len(live)
        question = f"Cancel all {n} open order{'s' if n > 1 else ''} of {account.name}: {symbols}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self.desk.run(CancelAll("*"))

        self.app.push_screen(ConfirmScreen("Cancel all orders", question), answered)

    def ask_close(self, symbol: str | None) -> None:
        """Ask (saying what will be sold or bought, and what dust stays), then close the
        position in ``symbol`` at market, reduce-only."""
        app = self.app
        account = self.engine.state.account
        if symbol is None:
            app.notify(f"no position selected in {account.name}", severity="warning", timeout=3)
            return
        try:
            plan = plan_close(self.engine, account, symbol)
        except TradetermError as exc:
            app.notify(str(exc), severity="warning", timeout=4)
            return
        if not plan.qty:
            app.notify(f"{symbol}: nothing to close: {plan.remark}", severity="warning")
            return
        verb = "Sell" if plan.side is Side.SELL else "Buy back"
        qty = f"{plan.qty.normalize():f}"
        question = f"{verb} {qty} {symbol} at market (reduce-only) to close it in {account.name}?"
        if plan.remark:
            question += f" Afterwards {plan.remark}."

        def answered(yes: bool | None) -> None:
            if yes:
                self.desk.run(ClosePosition(symbol))

        app.push_screen(ConfirmScreen("Close position", question), answered)

    def ask_reset(self) -> None:
        """Ask, then put the active paper account back to its starting balances."""
        account = self.engine.state.account
        if account.mode is not AccountMode.PAPER:
            self.app.notify(
                f"account {account.name} is live: only paper accounts reset", severity="error"
            )
            return
        start = ", ".join(f"{q:,} {a}" for a, q in account.spec.balances.items()) or "nothing"
        question = (
            f"Reset paper account {account.name}? Its {len(account.open_orders())} open "
            f"order(s) are canceled, its positions and fills cleared, and its balances set "
            f"back to {start}."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.desk.work("account.reset", self._reset(account.name))

        self.app.push_screen(ConfirmScreen("Reset account", question), answered)

    async def _reset(self, name: str) -> None:
        try:
            await self.engine.reset_account(name)
        except TradetermError as exc:
            self.desk.refused(f"reset {name}", exc)
            return
        self.app.bridge.dirty |= ALL  # fills and positions were cleared, not just changed
        self.app.notify(f"account {name} is back to its starting balances", timeout=4)
        self.desk.done()

    def export_fills(self) -> None:
        """Write the active account's fills, with the PnL each realized, to a CSV file."""
        from tradeterm.engine.history import export_file, write_csv

        app = self.app
        account = self.engine.state.account
        if app.export_dir is None:
            app.notify("no data directory to export to", severity="error")
            return
        rows = self.engine.fill_history(account.name)
        if not rows:
            app.notify(f"no fills in {account.name} to export", severity="warning")
            return
        try:
            path = export_file(app.export_dir, account.name, self.engine.clock.now_ns())
            write_csv(rows, path)
        except OSError as exc:
            log.error("fills export failed: %s", exc)
            app.notify(f"fills not exported: {exc}", severity="error")
            return
        log.info("exported %d fills of %s to %s", len(rows), account.name, path)
        app.notify(f"{len(rows)} fills written to {path}", timeout=6)
