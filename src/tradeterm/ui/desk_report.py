"""What the desk says about a command: the effect of an amend before it is sent, what a
done command did where the panes alone would not show it, and which command a refusal is
about.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tradeterm.domain.commands import (
    AmendOrder,
    CancelAll,
    CancelOrder,
    ClosePosition,
    PlaceOco,
    PlaceOrder,
    SetTradingState,
    SwitchAccount,
)
from tradeterm.ui import live
from tradeterm.ui.cmdalert import AddAlert, RemoveAlert
from tradeterm.ui.commandline import Command

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine
    from tradeterm.ui.desk import DeskHost

log = logging.getLogger("tradeterm.ui.orders")


def amend_effect(engine: Engine, command: Command) -> str:
    """What an amend will do to the queue place, in words, told before it is sent."""
    if isinstance(command, AmendOrder) and command.price is not None:
        order = engine.state.account.orders[command.client_id]
        qty = order.qty if command.qty is None else command.qty
        return engine.amend_preview(command.client_id, command.price, qty)
    return ""


def report(app: DeskHost, engine: Engine, command: Command, result: object, effect: str) -> None:
    """Say what a command did where the panes alone would not show it."""
    if isinstance(command, CancelAll) and isinstance(result, int):
        which = "" if command.pattern == "*" else f" matching {command.pattern}"
        which += f" ({command.side.value}s)" if command.side is not None else ""
        app.notify(
            f"cancel sent for {result} order{'s' if result != 1 else ''}{which}"
            if result
            else f"no open orders{which} to cancel",
            timeout=3,
        )
    elif isinstance(command, AmendOrder) and effect:
        app.notify(f"amending {command.client_id} to {command.price}: it {effect}", timeout=3)
    elif isinstance(command, ClosePosition) and isinstance(result, str):
        log.info("close: %s", result)
        app.notify(result, timeout=6)
    elif text := live.said(command, result):
        app.notify(text, timeout=6)
    elif isinstance(command, SwitchAccount):
        app.show_account_mode()
    elif isinstance(command, SetTradingState):
        state = engine.state.accounts
        name = command.account or engine.state.active_account
        app.notify(f"account {name} is {state[name].trading_state.value.upper()}", timeout=3)


def what(command: Command) -> str:
    """What a refusal message starts with: which command was not done."""
    if isinstance(command, PlaceOrder):
        return f"{command.side.value} {command.symbol} not placed"
    if isinstance(command, PlaceOco):
        return f"OCO on {command.symbol} not placed"
    if isinstance(command, CancelOrder):
        return f"cancel {command.client_id}"
    if isinstance(command, CancelAll):
        return "cancel all" if command.pattern == "*" else f"cancel {command.pattern}"
    if isinstance(command, AmendOrder):
        return f"amend {command.client_id}"
    if isinstance(command, ClosePosition):
        return f"close {command.symbol or 'all'}"
    if isinstance(command, AddAlert | RemoveAlert):
        return "alert not set" if isinstance(command, AddAlert) else f"unalert {command.alert_id}"
    return type(command).__name__
