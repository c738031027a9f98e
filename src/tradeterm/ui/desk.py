"""The trading desk: carries out what the keys, the ticket, the command line and the palette
ask for (place, cancel, cancel all, amend, move by a tick), at once in the key's own turn
(a named worker carries on whatever must wait, see ``ui/eager.py``), and says how it went.

Every refusal is shown in plain words (under the command line, in the ticket, or in a
notification) and logged; nothing is sent when a check fails. After each action the orders
pane redraws at once and the slow panes follow (``Refresher.hurry``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from tradeterm.domain.commands import (
    AmendOrder,
    CancelOrder,
    ClosePosition,
    PlaceOco,
    PlaceOrder,
    ResetAccount,
)
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.orders import Order
from tradeterm.engine.algos import PlaceAlgo, algo_desk
from tradeterm.engine.closing import buy_share, plan_close, sell_share
from tradeterm.ui import live
from tradeterm.ui.backtesting import BacktestHost, start_backtest
from tradeterm.ui.cmdalert import AddAlert, RemoveAlert, ShowAlerts
from tradeterm.ui.cmdalgo import check_algo, started_text
from tradeterm.ui.cmdbacktest import RunBacktest
from tradeterm.ui.cmdlive import AskArm, AskKill, AskReconcile
from tradeterm.ui.cmdorder import PlaceShare
from tradeterm.ui.cmdstrategy import ShowStrategies, StrategyAction
from tradeterm.ui.cmdwords import CommandError
from tradeterm.ui.commandline import Command, ShowHelp, parse_command
from tradeterm.ui.desk_report import amend_effect, report, what
from tradeterm.ui.eager import run_now
from tradeterm.ui.host import Host
from tradeterm.ui.strategizing import StrategizingHost, act

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine
    from tradeterm.ui.alerting import Alerting
    from tradeterm.ui.panes.orders import OrdersPane
    from tradeterm.ui.refresh import Refresher
    from tradeterm.ui.widgets.cmdline import CommandLine
    from tradeterm.ui.widgets.ladder import Ladder

log = logging.getLogger("tradeterm.ui.orders")


class Refused(TradetermError):
    """A command that cannot run as asked; the message says why and what is allowed."""


class DeskHost(Host, live.LiveHost, StrategizingHost, BacktestHost, Protocol):
    """What the desk uses of the workstation: the engine, the panes it reads and redraws, and
    the workstation's own actions for commands that are not trading (help, reset...); and
    what the live dialogs, the strategy actions and ``:backtest`` it hands commands to use."""

    @property
    def engine(self) -> Engine: ...
    @property
    def alerting(self) -> Alerting: ...
    @property
    def refresher(self) -> Refresher: ...
    @property
    def ladder(self) -> Ladder: ...
    @property
    def orders(self) -> OrdersPane: ...

    def call_after_refresh(self, callback: Callable[[], object]) -> bool: ...
    def action_help(self) -> None: ...
    def action_focus_pane(self, pane: str) -> None: ...
    def action_reset_account(self) -> None: ...
    def show_account_mode(self) -> None: ...


class Desk:
    def __init__(self, app: DeskHost) -> None:
        self.app = app
        self.engine = app.engine

    # --- checks before anything is sent -------------------------------------------------

    def find_order(self, text: str) -> Order:
        """The active account's open order with id ``text`` (or the one id ending in it)."""
        account = self.engine.state.account
        orders = {o.client_id: o for o in account.open_orders()}
        if text in orders:
            return orders[text]
        tail = [o for cid, o in orders.items() if cid.lower().endswith(text.lower())]
        if len(tail) == 1:
            return tail[0]
        if len(tail) > 1:
            raise Refused(f"{text!r} matches {len(tail)} orders; give more of the id")
        raise Refused(
            f"no open order {text!r} in account {account.name}; the orders pane (6) shows ids"
        )

    def parse(self, text: str) -> Command:
        """A command line, parsed and prepared (see ``prepare``).

        Raises:
            CommandError: the text is not a command (the error points at the word).
            Refused: it is one, but it cannot run as asked.
        """
        state = self.engine.state
        symbols, accounts = list(state.by_label(state.markets)), list(state.accounts)
        return self.prepare(parse_command(text, symbols, state.label(state.active), accounts))

    def prepare(self, command: Command) -> Command:
        """``command`` ready to run, with order ids resolved.

        Raises:
            Refused: a rule is broken (the preview's problems, an unknown order id...).
        """
        engine = self.engine
        if isinstance(command, PlaceShare):
            command = self._sized(command)
        if isinstance(command, ClosePosition) and command.symbol is not None:
            try:
                plan_close(engine, engine.state.account, command.symbol)
            except TradetermError as exc:
                raise Refused(str(exc)) from None
        elif isinstance(command, PlaceOrder):
            if problems := engine.preview(command).problems:
                raise Refused("not sent: " + "; ".join(problems))
        elif isinstance(command, PlaceOco):
            leg = PlaceOrder(command.symbol, command.side, OrderType.LIMIT, qty=command.qty,
                             price=command.take_profit)  # fmt: skip
            if problems := engine.preview(leg).problems:
                raise Refused("not sent (take-profit leg): " + "; ".join(problems))
        elif isinstance(command, PlaceAlgo):
            if why := check_algo(engine, command):
                raise Refused(why)
        elif (
            isinstance(command, CancelOrder)
            and command.client_id.upper() in algo_desk(engine).algos
        ):
            return command  # a parent: cancelled as one, with its children
        elif isinstance(command, CancelOrder):
            return CancelOrder(self.find_order(command.client_id).client_id)
        elif isinstance(command, AmendOrder):
            order = self.find_order(command.client_id)
            if not order.type.has_limit_price:
                raise Refused(self._not_amendable(order))
            return AmendOrder(order.client_id, command.price, command.qty)
        elif isinstance(command, RemoveAlert):
            found = self.app.alerting.find(command.alert_id)
            if found is None:
                known = ", ".join(self.app.alerting.book.alerts) or "none"
                raise Refused(f"no alert {command.alert_id!r}; alerts: {known}")
            return RemoveAlert(found)
        return command

    def _sized(self, command: PlaceShare) -> PlaceOrder:
        """A share of what is held, as an order with a quantity (sells) or a value (buys)."""
        order, percent = command.order, command.percent
        state = self.engine.state
        account = state.account
        try:
            symbol = self.engine.state.local_symbol(account, order.symbol)
        except TradetermError as exc:
            raise Refused(str(exc)) from None
        market = state.markets_on(account.spec.venue).get(symbol)
        if market is None:
            raise Refused(f"unknown symbol {order.symbol}")
        share = f"{percent.normalize():f}%"
        if order.side is Side.SELL:
            qty = sell_share(account, market, percent)
            if not qty:
                raise Refused(
                    f"nothing to sell: {share} of the {market.base} held is below the lot "
                    f"{market.lot_size} (or none is held)"
                )
            return replace(order, qty=qty)
        at_market = order.type is OrderType.MARKET
        value = buy_share(account, market, percent, at_market)
        if not value:
            raise Refused(f"nothing to buy with: no free {market.quote}")
        return replace(order, quote_qty=value)

    @staticmethod
    def _not_amendable(order: Order) -> str:
        kind = order.type.value.replace("_", "-")
        return f"a {kind} order has no limit price to change; cancel it (c) and place a new one"

    # --- running ---------------------------------------------------------------------------

    async def execute(self, command: Command) -> str | None:
        """Carry out a prepared command now; returns why it was refused (also logged), or
        None when it was done. Trading commands go to ``Engine.execute`` and return once
        the engine acknowledged them; the rest (help, alerts, the reset question) are the
        workstation's own."""
        app = self.app
        try:
            if isinstance(command, ResetAccount) and command.account is None:
                app.action_reset_account()  # it asks first, then executes ResetAccount(name)
            elif isinstance(command, ShowHelp):
                app.action_help()
            elif isinstance(command, AddAlert):
                app.alerting.add(command)
            elif isinstance(command, RemoveAlert):
                app.alerting.remove(command.alert_id)
            elif isinstance(command, ShowAlerts):
                app.action_focus_pane("alerts")
            elif isinstance(command, ShowStrategies):
                app.action_focus_pane("strategies")
            elif isinstance(command, RunBacktest):
                start_backtest(app, command)
            elif isinstance(command, StrategyAction):
                act(app, command.action, command.name, command.cancel)
            elif isinstance(command, PlaceAlgo):
                app.notify(started_text(algo_desk(self.engine).start(command)), timeout=4)
            elif isinstance(command, CancelOrder) and (
                command.client_id.upper() in algo_desk(self.engine).algos
            ):
                algo_desk(self.engine).cancel(command.client_id)
            elif isinstance(command, AskArm | AskKill | AskReconcile):
                live.ask(app, command)
            else:
                if isinstance(command, PlaceShare):  # sized now, from what is held now
                    command = self._sized(command)
                effect = amend_effect(self.engine, command)
                result = await self.engine.execute(command)
                report(app, self.engine, command, result, effect)
        except TradetermError as exc:
            text = f"{what(command)}: {exc}"
            log.warning("%s", text)
            self.done()
            return text
        self.done()
        return None

    def run_line(self, text: str, line: CommandLine) -> None:
        """Run what was typed on the command line. An error stays under the line with the
        text; the line closes once the command is done (an order: acknowledged), so its
        closing redraw never delays the order."""
        try:
            command = self.parse(text)
        except CommandError as exc:
            log.warning("command %r: %s", text, exc)
            line.fail(exc.message, exc.position, exc.expected)
            return
        except Refused as exc:
            log.warning("command %r: %s", text, exc)
            line.fail(str(exc))
            return

        async def job() -> None:
            problem = await self.execute(command)
            if problem is None:
                line.accept(text)
            else:
                line.fail(problem)

        self.work("command", job())

    def run(self, command: Command) -> None:
        """Carry out a prepared command in a worker; a refusal is notified (and logged)."""

        async def job() -> None:
            problem = await self.execute(command)
            if problem is not None:
                self.app.notify(problem, severity="error", timeout=6)

        self.work(f"order.{type(command).__name__}", job())

    def work(self, name: str, job: Coroutine[Any, Any, None]) -> None:
        """Run ``job`` now, in this turn (an order is acknowledged without waiting on
        anything); a worker named ``name`` in group ``orders`` finishes it if it must wait."""
        run_now(self.app, job, name=name, group="orders")

    def done(self) -> None:
        """Show the outcome now: the orders pane at once, the other panes once the screen has
        been repainted with it (so they never delay the order's row), and the slow panes
        follow at once for a moment."""
        refresher = self.app.refresher
        refresher.hurry()
        refresher.draw_orders()
        self.app.call_after_refresh(refresher.tick)

    def refused(self, what: str, exc: TradetermError) -> None:
        log.warning("%s: %s", what, exc)
        self.app.notify(f"{what}: {exc}", severity="error", timeout=6)
        self.done()

    async def send(self, cmd: PlaceOrder | PlaceAlgo) -> str | None:
        """Place an order now (for the ticket); returns why it was refused, or None."""
        return await self.execute(cmd)

    def cancel(self, client_id: str) -> None:
        self.run(CancelOrder(client_id))

    def amend(self, client_id: str, price: Decimal | None, qty: Decimal) -> None:
        self.run(AmendOrder(client_id, price, qty))

    def move(self, client_id: str, ticks: int) -> Decimal | None:
        """Amend an order's price by ``ticks`` ticks; returns the new price (None: refused)."""
        account = self.engine.state.account
        order = account.orders.get(client_id)
        if order is None or not order.is_open:
            self.app.notify("no open order selected", severity="warning", timeout=3)
            return None
        if order.price is None or not order.type.has_limit_price:
            self.refused(f"move {client_id}", Refused(self._not_amendable(order)))
            return None
        if order.status in (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_AMEND):
            self.app.notify(f"{client_id} is {order.status.value}: wait a moment", timeout=3)
            return None
        state = self.engine.state
        tick = state.markets[state.order_instrument(order)].tick_size
        price = order.price + tick * ticks
        if price <= 0:
            self.refused(f"move {client_id}", Refused("the price cannot go below one tick"))
            return None
        self.amend(client_id, price, order.qty)
        return price

    def move_at(self, price: Decimal | None, ticks: int) -> None:
        """Move the own order on the ladder row at ``price``; the cursor follows it."""
        if price is None:
            self.app.notify("put the ladder cursor on an order first (↑ ↓)", timeout=3)
            return
        app = self.app
        state = self.engine.state
        here = [
            o
            for o in state.account.open_orders()  # oldest first
            if o.symbol == state.active_symbol
            and o.price is not None
            and app.ladder.bucket(o.price, o.side is Side.BUY) == price
        ]
        if not here:
            app.notify(f"no order of yours at {price}", severity="warning", timeout=3)
            return
        selected = app.orders.selected
        chosen = next((o for o in here if o.client_id == selected), here[0])
        moved = self.move(chosen.client_id, ticks)
        if moved is not None:
            app.ladder.set_cursor(app.ladder.bucket(moved, chosen.side is Side.BUY))
