"""Rebuilding account state from the ledger after a restart, then resuming open orders."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.enums import OrderStatus
from tradeterm.domain.orders import Order, can_transition
from tradeterm.engine.accounting import apply_execution, hold
from tradeterm.engine.algo_journal import ALGO_KINDS
from tradeterm.engine.balances import restore_totals
from tradeterm.engine.execute import restore_trading_state
from tradeterm.engine.foreign_fills import apply_foreign_fill
from tradeterm.engine.journal import KIND_EVENTS, event_from_record, order_from_record
from tradeterm.engine.ledger import Record

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.engine.ledger")


@dataclass(slots=True)
class Restored:
    records: int = 0
    orders: int = 0
    open_orders: int = 0
    skipped: int = 0
    amends: dict[str, tuple[Decimal | None, Decimal, Decimal | None]] = field(default_factory=dict)
    """Amends journaled but never answered: client id -> (price, qty, trigger) to send again."""
    algos: list[Record] = field(default_factory=list)
    """TWAP/VWAP parents' records (``engine.algo_restore`` resumes them)."""


def replay_ledger(engine: Engine) -> Restored:
    """Apply every journal record to fresh account state (nothing is sent anywhere)."""
    trading = engine.trading
    ledger = trading.ledger
    report = Restored()
    if ledger is None:
        return report
    state = engine.state
    for rec in ledger.records():
        report.records += 1
        account = state.accounts.get(rec.account)
        if account is None:
            report.skipped += 1
            continue
        if rec.kind == "reset":
            account.reset()
            report.algos = [r for r in report.algos if r.account != rec.account]
            continue
        if rec.kind in ALGO_KINDS:
            report.algos.append(rec)
            continue
        if rec.kind == "arming":  # an audit trail: a restart never re-arms
            continue
        if rec.kind == "balances":
            restore_totals(account, rec.payload)
            continue
        if rec.kind == "trading_state":
            restore_trading_state(account, rec.payload)
            continue
        if rec.kind == "foreign_fill":
            apply_foreign_fill(state, account, rec.payload)
            continue
        if rec.kind == "placed":
            order = order_from_record(rec.payload)
            if order.status is OrderStatus.DENIED:  # never left: kept for the order history
                account.orders[order.client_id] = order
                continue
            market = state.markets.get(state.instrument(account, order.symbol))
            if market is None:
                log.error(
                    "ledger: order %s is on %s, which the venue no longer lists",
                    order.client_id,
                    order.symbol,
                )
                report.skipped += 1
                continue
            reserved, order.reserved = order.reserved, Decimal(0)
            hold(account, order, market, reserved)
            account.orders[order.client_id] = order
            trading.own(order.client_id, account.name)
            report.orders += 1
            continue
        order_or_none = account.orders.get(rec.client_id or "")
        if order_or_none is None:
            report.skipped += 1
            continue
        order = order_or_none
        if rec.kind == "cancel_req":
            _move(order, OrderStatus.PENDING_CANCEL)
        elif rec.kind == "amend_req":
            data = json.loads(rec.payload)
            price, stop = (
                None if data.get(key) is None else Decimal(data[key])
                for key in ("price", "stop_price")
            )
            report.amends[order.client_id] = (price, Decimal(data["qty"]), stop)
            _move(order, OrderStatus.PENDING_AMEND)
        elif rec.kind in KIND_EVENTS:
            market = state.markets[state.instrument(account, order.symbol)]
            apply_execution(
                account, order, market, event_from_record(rec.kind, rec.payload), rec.ts_ns
            )
    report.open_orders = sum(len(a.open_orders()) for a in state.accounts.values())
    return report


def _move(order: Order, status: OrderStatus) -> None:
    if can_transition(order.status, status):
        order.status = status


async def resume_orders(engine: Engine, restored: Restored) -> None:
    """Hand restored open orders back to their venues (or the emulator), and finish what
    was in flight: cancels and amends that were requested but never answered."""
    trading = engine.trading
    for account in engine.state.accounts.values():
        venue = engine.venues.get(account.name)
        for order in account.open_orders():
            if order.emulated and not order.triggered_ns:
                engine.emulator.track(order)
            elif order.emulated:
                engine.emulator.resume_triggered(order)  # fired before: never fires again
            elif venue is not None:
                venue.restore(order, None)
            if order.status is OrderStatus.PENDING_CANCEL:
                order.status = order.working_status()
                await trading.cancel(order.client_id)
            elif order.status is OrderStatus.PENDING_AMEND:
                price, qty, stop = restored.amends[order.client_id]
                order.status = order.working_status()
                try:
                    await trading.amend(order.client_id, price, qty, stop)
                except Exception as exc:
                    log.warning("amend of %s not resumed: %s", order.client_id, exc)
        for order in list(account.orders.values()):
            if order.status.is_final and order.filled:
                engine.emulator.on_order(order)  # place missing bracket exits
    if restored.algos:  # imported only then: most sessions have no parent to resume
        from tradeterm.engine.algo_restore import resume_algos

        resume_algos(engine, restored.algos)
