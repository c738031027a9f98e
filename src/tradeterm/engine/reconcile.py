"""Reconciliation: the differences between a live account's ledger and its exchange.

A pure comparison (no I/O): what the ledger believed was open, what it last knew of the
balances and which trades it has, against what the exchange says now (``ExchangeView``).
Each ``Difference`` says in words what differs and which actions the reconciliation screen
offers for it: an order placed elsewhere can be adopted, cancelled or ignored; an order
that ended while tradeterm was down is taken in by the ledger (the exchange is the truth);
a trade tradeterm never knew is recorded with its source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Protocol, runtime_checkable

from tradeterm.domain.orders import Order


class Kind(Enum):
    FILLED_WHILE_DOWN = "filled while tradeterm was down"
    PART_FILLED_WHILE_DOWN = "partly filled while tradeterm was down"
    CANCELED_ELSEWHERE = "cancelled at the exchange"
    ENDED_ELSEWHERE = "ended at the exchange"
    MISSING = "unknown to the exchange"
    UNKNOWN_ORDER = "open order tradeterm never knew"
    UNKNOWN_FILL = "fill tradeterm never knew"
    BALANCE = "balance differs"


class Action(Enum):
    ADOPT = "adopt"
    CANCEL = "cancel"
    IGNORE = "ignore"
    RECORD = "record"
    ACCEPT = "accept"


@dataclass(frozen=True, slots=True)
class SeenOrder:
    """An order as the exchange reports it."""

    exchange_id: str
    client_id: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal | None
    filled: Decimal
    status: str
    """open, closed, canceled, expired, rejected, or missing (the exchange does not know it)."""


@dataclass(frozen=True, slots=True)
class SeenTrade:
    """One of the account's trades as the exchange reports it."""

    trade_id: str
    exchange_order_id: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    ts_ns: int


@dataclass(frozen=True, slots=True)
class ExchangeView:
    """What the exchange says now about one account."""

    open_orders: Sequence[SeenOrder]
    ledger_orders: Mapping[str, SeenOrder]
    """The exchange's state of each order the ledger had open, by client id."""
    balances: Mapping[str, Decimal]
    trades: Sequence[SeenTrade]
    source: str
    """Where it came from, in words ("Binance"), for the records."""


@dataclass(frozen=True, slots=True)
class Difference:
    kind: Kind
    symbol: str
    text: str
    actions: tuple[Action, ...]
    client_id: str = ""
    order: SeenOrder | None = None
    trade: SeenTrade | None = None


@dataclass(slots=True)
class LedgerSide:
    """What the ledger believes about one account."""

    open_orders: Sequence[Order]
    balances: Mapping[str, Decimal]
    exchange_order_ids: set[str] = field(default_factory=set)
    """Exchange ids of every order the ledger knows (open or not)."""
    client_ids: set[str] = field(default_factory=set)
    recorded_trades: set[str] = field(default_factory=set)
    """Trade ids already recorded as fills from elsewhere."""


@runtime_checkable
class Reconcilable(Protocol):
    """An execution venue that can be reconciled (a live exchange account)."""

    label: str

    async def look(self, ledger: LedgerSide, since_ns: int | None) -> ExchangeView: ...

    async def cancel_elsewhere(self, order: SeenOrder) -> None: ...

    def adopt(self, order: Order) -> None: ...

    def restored_orders(self) -> list[Order]: ...


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _order_words(o: SeenOrder) -> str:
    price = f" @ {_qty(o.price)}" if o.price is not None else ""
    return f"{o.side} {_qty(o.qty)} {o.symbol}{price}"


def differences(ledger: LedgerSide, seen: ExchangeView) -> list[Difference]:
    """Every difference between ``ledger`` and ``seen``: the ledger's open orders first,
    then open orders placed elsewhere, trades never recorded, and balances."""
    found: list[Difference] = []
    found += _ledger_orders(ledger.open_orders, seen)
    found += _foreign_orders(ledger, seen.open_orders)
    found += _foreign_trades(ledger, seen.trades, seen.source)
    if ledger.balances:  # a first session has no balances in its ledger to compare
        found += _balances(ledger.balances, seen.balances, seen.source)
    return found


def _ledger_orders(open_orders: Iterable[Order], seen: ExchangeView) -> list[Difference]:
    out: list[Difference] = []
    for order in open_orders:
        at = seen.ledger_orders.get(order.client_id)
        if at is None:
            continue
        what = f"order {order.client_id} {order.side.value} {_qty(order.qty)} {order.symbol}"
        accept = (Action.ACCEPT,)
        if at.status == "open":
            if at.filled > order.filled:
                text = (f"{what}: {_qty(at.filled)} filled at {seen.source}, "
                        f"{_qty(order.filled)} in the ledger")  # fmt: skip
                out.append(Difference(Kind.PART_FILLED_WHILE_DOWN, order.symbol, text, accept,
                                      order.client_id, at))  # fmt: skip
            continue
        if at.status == "closed":
            kind, text = Kind.FILLED_WHILE_DOWN, f"{what}: filled at {seen.source}"
        elif at.status in ("canceled", "cancelled"):
            kind = Kind.CANCELED_ELSEWHERE
            text = f"{what}: cancelled at {seen.source} ({_qty(at.filled)} filled)"
        elif at.status == "missing":
            kind, text = Kind.MISSING, f"{what}: {seen.source} does not know it"
        else:
            kind, text = Kind.ENDED_ELSEWHERE, f"{what}: {at.status} at {seen.source}"
        out.append(Difference(kind, order.symbol, text, accept, order.client_id, at))
    return out


def _foreign_orders(ledger: LedgerSide, listed: Iterable[SeenOrder]) -> list[Difference]:
    out: list[Difference] = []
    for o in listed:
        if o.exchange_id in ledger.exchange_order_ids or o.client_id in ledger.client_ids:
            continue
        text = f"order {o.exchange_id}: {_order_words(o)}, not placed by tradeterm"
        actions = (Action.ADOPT, Action.CANCEL, Action.IGNORE)
        out.append(Difference(Kind.UNKNOWN_ORDER, o.symbol, text, actions, order=o))
    return out


def _foreign_trades(
    ledger: LedgerSide, trades: Iterable[SeenTrade], source: str
) -> list[Difference]:
    out: list[Difference] = []
    for t in trades:
        if t.exchange_order_id in ledger.exchange_order_ids or t.trade_id in ledger.recorded_trades:
            continue
        text = (f"{source} trade {t.trade_id} (order {t.exchange_order_id}): {t.side} "
                f"{_qty(t.qty)} {t.symbol} @ {_qty(t.price)}")  # fmt: skip
        actions = (Action.RECORD, Action.IGNORE)
        out.append(Difference(Kind.UNKNOWN_FILL, t.symbol, text, actions, trade=t))
    return out


def _balances(
    ledger: Mapping[str, Decimal], exchange: Mapping[str, Decimal], source: str
) -> list[Difference]:
    out: list[Difference] = []
    for asset in sorted(set(ledger) | set(exchange)):
        mine, theirs = ledger.get(asset, Decimal(0)), exchange.get(asset, Decimal(0))
        if mine != theirs:
            text = f"{asset}: {_qty(theirs)} at {source}, {_qty(mine)} in the ledger"
            out.append(Difference(Kind.BALANCE, asset, text, (Action.ACCEPT,)))
    return out
