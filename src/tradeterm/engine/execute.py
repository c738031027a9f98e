"""``Engine.execute``: every command that changes trading state, from any driver (keys,
command line, palette, strategies, scripts, tests), and the account-wide ones it runs
itself: cancel-all with filters, trading states, paper resets."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from tradeterm.domain.commands import (
    AmendOrder,
    Arm,
    CancelAll,
    CancelOrder,
    ClosePosition,
    Command,
    Disarm,
    Kill,
    PlaceOco,
    PlaceOrder,
    ResetAccount,
    SelectSymbol,
    SetTradingState,
    SwitchAccount,
)
from tradeterm.domain.enums import AccountMode, OrderStatus, TradingState
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import (
    AccountReset,
    BalancesChanged,
    KillSwitchPulled,
    OrderUpdated,
    TradingStateChanged,
)
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.closing import close_position
from tradeterm.engine.ledger import Record

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.orders")

Result = Order | tuple[Order, Order] | int | str | None
"""An order placed, an OCO pair, how many orders a cancel-all asked to cancel, what a close
did in words, or nothing."""


async def execute(engine: Engine, command: Command) -> Result:
    """Carry out ``command``; see ``Engine.execute``."""
    trading = engine.trading
    match command:
        case PlaceOrder():
            return await trading.place(command)
        case PlaceOco():
            account = trading.account(command.account)
            return await engine.emulator.place_exits(
                engine.state.local_symbol(account, command.symbol),
                command.side,
                command.qty,
                command.take_profit,
                command.stop_loss,
                account.name,
            )
        case CancelOrder():
            await trading.cancel(command.client_id)
        case CancelAll():
            return await cancel_all(engine, command)
        case AmendOrder():
            _, order = trading.order(command.client_id)
            qty = order.qty if command.qty is None else command.qty
            await trading.amend(command.client_id, command.price, qty, command.stop_price)
        case SwitchAccount():
            engine.switch_account(command.account)
        case SelectSymbol():
            engine.select_symbol(command.symbol)
        case SetTradingState():
            account = trading.account(command.account)
            await set_trading_state(engine, account, command.state, command.reason)
        case ResetAccount():
            await reset(engine, command.account)
        case ClosePosition():
            if command.symbol is not None:
                account = trading.account(command.account)
                symbol = engine.state.local_symbol(account, command.symbol)
                command = replace(command, symbol=symbol)
            return await close_position(engine, command)
        case Arm():
            await engine.arming.arm(trading.account(command.account), command.typed_name)
        case Disarm():
            await engine.arming.disarm(trading.account(command.account), command.reason)
        case Kill():
            return await kill(engine, command.flatten)
        case _:
            raise TradetermError(f"not a command the engine knows: {type(command).__name__}")
    return None


def matching_orders(engine: Engine, command: CancelAll) -> list[Order]:
    """The open orders ``command`` targets (none already being cancelled)."""
    state = engine.state
    if command.account == "*":
        accounts = list(state.accounts.values())
    else:
        accounts = [engine.trading.account(command.account)]
    wanted = command.pattern.upper()
    return [
        order
        for account in accounts
        for order in account.open_orders()
        if order.status is not OrderStatus.PENDING_CANCEL
        and (command.side is None or order.side is command.side)
        and (fnmatchcase(order.symbol, wanted) or fnmatchcase(order.symbol.split("/")[0], wanted))
    ]


async def cancel_all(engine: Engine, command: CancelAll) -> int:
    """Ask to cancel every order ``command`` targets; returns how many were asked."""
    targets = matching_orders(engine, command)
    for order in targets:
        await engine.trading.cancel(order.client_id)
    return len(targets)


async def kill(engine: Engine, flatten: bool) -> str:
    """Cancel every open order on every account (armed or not) and disarm every live account;
    with ``flatten`` also close every position at market. Returns what was done and what is
    still open, in words. The strategies stop first (``KillSwitchPulled``)."""
    engine.bus.publish(KillSwitchPulled(flatten))
    asked = await cancel_all(engine, CancelAll("*", "*"))
    parts = [f"kill: asked to cancel {asked} open order(s) on every account"]
    if flatten:
        for account in engine.state.accounts.values():
            if not any(p.qty for p in account.positions.values()):
                continue
            try:
                parts.append(await close_position(engine, ClosePosition(None, account.name)))
            except TradetermError as exc:
                parts.append(f"{account.name} not flattened: {exc}")
    for account in engine.state.accounts.values():
        if account.armed:  # and its exchange's dead-man's switch goes off with it
            await engine.arming.disarm(account, "kill switch")
            parts.append(f"{account.name} disarmed")
    unsent = [  # a cancel that could not be sent (a venue down) leaves the order working
        f"{order.account} {order.client_id}"
        for account in engine.state.accounts.values()
        for order in account.open_orders()
        if order.status is not OrderStatus.PENDING_CANCEL
    ]
    waiting = sum(
        order.status is OrderStatus.PENDING_CANCEL
        for account in engine.state.accounts.values()
        for order in account.open_orders()
    )
    if waiting:
        parts.append(f"{waiting} cancel(s) not yet confirmed")
    if unsent:
        parts.append(f"still open: {', '.join(unsent)} (:kill again to retry)")
    log.warning("; ".join(parts))
    return "; ".join(parts)


async def set_trading_state(
    engine: Engine, account: AccountState, state: TradingState, reason: str
) -> None:
    """Journal the account's new trading state, then apply and publish it."""
    if account.trading_state is state:
        return
    payload = json.dumps({"state": state.value, "reason": reason}, separators=(",", ":"))
    record = Record(engine.clock.now_ns(), account.name, "trading_state", None, payload)

    def acknowledge() -> None:
        account.trading_state, account.state_reason = state, reason
        engine.bus.publish(TradingStateChanged(account.name, state, reason))

    await engine.trading.durable([record], acknowledge)
    level = logging.INFO if state is TradingState.ACTIVE else logging.WARNING
    log.log(level, "account %s is %s: %s", account.name, state.value.upper(), reason)


async def _all_ended(engine: Engine, account: AccountState, timeout_s: float) -> bool:
    """Wait, on the engine's clock (simulated or live), until the account has no open order;
    False when ``timeout_s`` passed first."""
    if not account.open_orders():
        return True
    ended: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def check(_event: object) -> None:
        if not account.open_orders() and not ended.done():
            ended.set_result(True)

    def give_up() -> None:
        if not ended.done():
            ended.set_result(False)

    unsubscribe = engine.bus.subscribe(OrderUpdated, check)
    timer = engine.clock.call_at(engine.clock.now_ns() + int(timeout_s * 1e9), give_up)
    try:
        return await ended
    finally:
        unsubscribe()
        timer.cancel()


def restore_trading_state(account: AccountState, payload: str) -> None:
    """Apply a journaled ``trading_state`` record (restart)."""
    data = json.loads(payload)
    account.trading_state = TradingState(data["state"])
    account.state_reason = data.get("reason", "")


async def reset(engine: Engine, account_name: str | None, timeout_s: float = 5.0) -> None:
    """Cancel a paper account's open orders, then journal a reset to its starting funds.

    Raises:
        TradetermError: the account is live, or its orders would not all cancel in time.
    """
    account = engine.trading.account(account_name)
    if account.mode is not AccountMode.PAPER:
        raise TradetermError(f"account {account.name} is live: only paper accounts reset")
    await cancel_all(engine, CancelAll("*", account.name))
    if not await _all_ended(engine, account, timeout_s):
        left = len(account.open_orders())
        raise TradetermError(f"{left} order(s) of {account.name} did not cancel; not reset")

    def acknowledge() -> None:
        account.reset()
        engine.bus.publish(AccountReset(account.name))
        engine.bus.publish(BalancesChanged(account.name))

    record = Record(engine.clock.now_ns(), account.name, "reset", None, "{}")
    await engine.trading.durable([record], acknowledge)
    log.info("account %s reset to its starting balances", account.name)
