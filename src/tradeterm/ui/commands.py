"""Command palette entries: every workstation action by name (ctrl+p); an order or any other
command-line text typed into the palette is offered as "Run: ..." (the same grammar as ``:``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tradeterm.domain.commands import (
    AmendOrder,
    Arm,
    CancelAll,
    CancelOrder,
    ClosePosition,
    Disarm,
    Kill,
    PlaceOco,
    PlaceOrder,
    ResetAccount,
    SelectSymbol,
    SetTradingState,
    SwitchAccount,
)
from tradeterm.domain.enums import TimeInForce, TradingState
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.resample import TIMEFRAMES
from tradeterm.ui.cmdalert import AddAlert, RemoveAlert, ShowAlerts
from tradeterm.ui.cmdbacktest import RunBacktest
from tradeterm.ui.cmdlive import AskArm, AskKill, AskReconcile
from tradeterm.ui.cmdorder import PlaceShare
from tradeterm.ui.cmdstrategy import StrategyAction
from tradeterm.ui.cmdwords import CommandError
from tradeterm.ui.commandline import Command
from tradeterm.ui.panes.registry import PANE_IDS

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine
    from tradeterm.strategies.runner import StrategyRunner
    from tradeterm.ui.app import TradetermApp
    from tradeterm.ui.desk import Desk
    from tradeterm.ui.panes.chart import ChartPane
    from tradeterm.ui.panes.scanner import ScannerPane
    from tradeterm.ui.recording import Recording
    from tradeterm.ui.scanning import ScanRunner

LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}

Entry = tuple[str, Callable[[], object], str]


class PaletteHost(Protocol):
    """What the palette offers of the workstation: its actions, the desk that runs commands
    (as the command line does) and the parts whose actions it lists."""

    @property
    def opened(self) -> bool: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def desk(self) -> Desk: ...
    @property
    def recording(self) -> Recording: ...
    @property
    def scanner(self) -> ScannerPane: ...
    @property
    def scans(self) -> ScanRunner: ...
    @property
    def strategies(self) -> StrategyRunner: ...
    @property
    def chart(self) -> ChartPane: ...
    @property
    def theme_names(self) -> list[str]: ...

    def select_symbol(self, symbol: str) -> None: ...
    def apply_theme(self, name: str, *, save: bool) -> None: ...
    def set_log_level(self, level: int) -> None: ...
    def switch_account(self, name: str) -> None: ...
    def action_ticket(self, side: str) -> None: ...
    def action_command_line(self, text: str = "") -> None: ...
    def action_cancel_all(self) -> None: ...
    def action_order_history(self) -> None: ...
    def action_accounts(self) -> None: ...
    def action_reset_account(self) -> None: ...
    def action_export_fills(self) -> None: ...
    def action_toggle_recording(self) -> None: ...
    def action_focus_pane(self, pane: str) -> None: ...
    def action_group(self, delta: int) -> None: ...
    def action_help(self) -> None: ...


def _trading(app: PaletteHost) -> list[Entry]:
    account = app.engine.state.active_account
    return [
        ("Order: buy ticket", partial(app.action_ticket, "buy"), "b: order ticket, side buy"),
        ("Order: sell ticket", partial(app.action_ticket, "sell"), "s: order ticket, side sell"),
        (
            "Order: type on the command line",
            app.action_command_line,
            ":  e.g. buy 0.5 ETH/USDT @ 3100 (or type it here)",
        ),
        ("Orders: cancel all", app.action_cancel_all, "C: asks first, says how many"),
        (
            "Orders: history",
            app.action_order_history,
            "h: filled, canceled, expired and rejected orders, with their reasons",
        ),
        ("Account: pick", app.action_accounts, "a: accounts with mode and equity"),
        (
            f"Account: reset {account}",
            app.action_reset_account,
            "paper only: back to the starting balances (asks first)",
        ),
        *(
            (f"Account: {word} {account}", partial(app.desk.run, SetTradingState(state)), help_)
            for word, state, help_ in (
                ("halt", TradingState.HALTED, ":halt  no new orders; cancels still pass"),
                (
                    "reduce-only",
                    TradingState.REDUCING,
                    ":reduce  only orders that shrink a position",
                ),
                ("resume", TradingState.ACTIVE, ":resume  trade again"),
            )
        ),
        (
            f"Account: arm {account}",
            partial(app.desk.run, AskArm()),
            ":arm  live only: type the account's name; orders then reach the exchange",
        ),
        (f"Account: disarm {account}", partial(app.desk.run, Disarm()), ":disarm"),
        ("Kill switch: cancel every order", partial(app.desk.run, AskKill()), "K  asks once"),
        (
            "Kill switch: cancel every order and flatten",
            partial(app.desk.run, AskKill(flatten=True)),
            ":kill flatten  also closes every position at market (asks once)",
        ),
        ("Fills: export to CSV", app.action_export_fills, "x in the fills pane"),
        (
            "Recording: stop and save" if app.recording.active else "Recording: start",
            app.action_toggle_recording,
            "ctrl+r: books, trades, tickers, candles and your orders to a replayable file",
        ),
    ]


def _scanner(app: PaletteHost) -> list[Entry]:
    def scanner(action: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            app.action_focus_pane("scanner")
            action()

        return run

    return [
        ("Scanner: filter", scanner(app.scanner.action_filter), "f: e.g. rsi < 30 and vol_z > 2"),
        ("Scanner: why this score", scanner(app.scanner.action_why), "w: the selected row"),
        ("Scanner: scan now", app.scans.request, "the scanner runs by itself while prices move"),
        (
            "Alert: set on the command line",
            partial(app.action_command_line, "alert "),
            ":alert BTC/USDT > 70000 · :alert ETH/USDT rsi < 25",
        ),
    ]


def _strategies(app: PaletteHost) -> list[Entry]:
    runner = app.strategies
    entries: list[Entry] = [
        (
            f"Strategy: start {entry.name}",
            partial(app.desk.run, StrategyAction("start", entry.name)),
            f":strategy start {entry.name}  {entry.kind} on {entry.symbol}, {entry.account}",
        )
        for entry in runner.entries.values()
    ]
    entries.append(
        (
            "Backtest: sma_cross on the active symbol",
            partial(app.action_command_line, "backtest sma_cross fast=10 slow=30"),
            ":backtest sma_cross fast=10 slow=30 (edit the parameters, Enter runs it)",
        )
    )
    entries.append(
        (
            "Strategies: show",
            partial(app.action_focus_pane, "strategies"),
            "0: p pause, u resume, x stop",
        )
    )
    return entries


def _chart(chart: ChartPane) -> list[Entry]:
    entries: list[Entry] = [
        ("Chart: next timeframe", partial(chart.action_cycle_timeframe, 1), "m"),
        ("Chart: previous timeframe", partial(chart.action_cycle_timeframe, -1), "M"),
        ("Chart: next overlay", chart.action_cycle_overlay, "o"),
        ("Chart: next lower indicator", chart.action_cycle_lower, "i"),
    ]
    for n, timeframe in enumerate(TIMEFRAMES, start=1):
        action = partial(chart.action_set_timeframe, timeframe)
        entries.append((f"Chart: timeframe {timeframe}", action, f"f{n}"))
    return entries


TYPED_FIRST = 1e9
"""The score of the hit for typed text that is a command: above any name it also matches
(fuzzy scores exceed 1), so Enter at the top of the list runs what was typed."""


class WorkstationCommands(Provider):
    """Symbols, themes, panes, log levels, ladder grouping, trading, chart and accounts."""

    @property
    def host(self) -> PaletteHost:
        station: TradetermApp = cast("TradetermApp", self.app)
        return station  # checked: the app offers all the palette uses

    def _commands(self) -> list[Entry]:
        app = self.host
        if not app.opened:
            return []  # the market is still being built: nothing to act on yet
        state = app.engine.state
        commands: list[Entry] = []
        for symbol in state.by_label(state.markets):
            commands.append(
                (
                    f"Symbol: {symbol}",
                    partial(app.select_symbol, symbol),
                    "make this symbol active everywhere",
                )
            )
        commands += _trading(app)
        for name in app.theme_names:
            commands.append(
                (
                    f"Theme: {name}",
                    partial(app.apply_theme, name, save=True),
                    "switch theme and save the choice",
                )
            )
        for pane in PANE_IDS:
            commands.append(
                (f"Focus: {pane}", partial(app.action_focus_pane, pane), "focus this pane")
            )
        for label, level in LOG_LEVELS.items():
            commands.append(
                (
                    f"Log level: {label}",
                    partial(app.set_log_level, level),
                    "show log entries at this level and above",
                )
            )
        for name in state.accounts:
            commands.append(
                (f"Account: {name}", partial(app.switch_account, name), "switch the active account")
            )
        commands.append(("Ladder: group coarser", partial(app.action_group, 1), "]"))
        commands.append(("Ladder: group finer", partial(app.action_group, -1), "["))
        commands += _scanner(app)
        commands += _chart(app.chart)
        commands += _strategies(app)
        commands.append(("Help: keys", app.action_help, "every key binding"))
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            if not title.startswith(("Symbol:", "Chart: timeframe")):
                yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        app = self.host
        try:
            command = app.desk.parse(query)
        except CommandError:
            pass
        except TradetermError as exc:  # a command, but it would be refused: say why
            yield Hit(TYPED_FIRST, f"Cannot run: {exc}", lambda: None, help=query)
        else:
            title = f"Run: {describe(command)}"
            yield Hit(
                TYPED_FIRST, title, partial(app.desk.run, command), help="as on the command line"
            )
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


def describe(command: Command) -> str:
    """The command in canonical words, as the log and the palette show it."""
    if isinstance(command, PlaceOrder):
        size = f"${command.quote_qty}" if command.quote_qty is not None else f"{command.qty}"
        words = [command.side.value, size, command.symbol]
        for word, value in (
            ("@", command.price),
            ("stop", command.stop_price),
            ("tp", command.take_profit),
            ("sl", command.stop_loss),
            ("trail", command.trail),
        ):
            if value is not None:
                words += [word, str(value)]
        if command.tif is not TimeInForce.GTC:
            words.append(command.tif.value)
        words += ["post"] if command.post_only else []
        words += ["reduce"] if command.reduce_only else []
        return " ".join(words)
    if isinstance(command, PlaceOco):
        return (
            f"oco {command.side.value} {command.qty} {command.symbol} "
            f"tp {command.take_profit} sl {command.stop_loss}"
        )
    if isinstance(command, CancelAll):
        what = "cancel all" if command.pattern == "*" else f"cancel {command.pattern}"
        return what + (f" {command.side.value}s" if command.side is not None else "")
    if isinstance(command, SetTradingState):
        return {"active": "resume", "reducing": "reduce", "halted": "halt"}[command.state.value]
    if isinstance(command, ClosePosition):
        return f"close {command.symbol or 'all'}"
    if isinstance(command, PlaceShare):
        share = "all" if command.percent == 100 else f"{command.percent.normalize():f}%"
        return f"{command.order.side.value} {share} {command.order.symbol}"
    if isinstance(command, CancelOrder):
        return f"cancel {command.client_id}"
    if isinstance(command, AmendOrder):
        parts = [f"amend {command.client_id}"]
        parts += [f"@ {command.price}"] if command.price is not None else []
        parts += [f"qty {command.qty}"] if command.qty is not None else []
        return " ".join(parts)
    if isinstance(command, SwitchAccount):
        return f"account {command.account}"
    if isinstance(command, SelectSymbol):
        return f"symbol {command.symbol}"
    if isinstance(command, AddAlert):
        return f"alert {'repeat ' if command.repeat else ''}{command.symbol} {command.condition}"
    if isinstance(command, RemoveAlert):
        return f"unalert {command.alert_id}"
    if isinstance(command, ShowAlerts):
        return "alerts"
    if isinstance(command, RunBacktest):
        return command.words()
    if isinstance(command, Arm | AskArm):
        return f"arm {command.typed_name}" if isinstance(command, Arm) else "arm"
    if isinstance(command, Disarm):
        return "disarm"
    if isinstance(command, AskReconcile):
        return "reconcile"
    if isinstance(command, Kill | AskKill):
        return "kill flatten" if command.flatten else "kill"
    return "reset" if isinstance(command, ResetAccount) else "help"
