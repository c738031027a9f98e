"""Turning orders and execution events into journal records and back (JSON, Decimals as text)."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from enum import Enum
from typing import Any

from tradeterm.domain.enums import Liquidity, OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.events import (
    ExecutionEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
)
from tradeterm.domain.fills import Fill
from tradeterm.domain.orders import Order

#: Journal kinds of the execution events that change an order (QueueUpdated is not journaled:
#: a restored order goes to the back of its queue, the honest assumption).
EVENT_KINDS: dict[type, str] = {
    OrderAccepted: "accepted",
    OrderRejected: "rejected",
    OrderFilled: "filled",
    OrderCanceled: "canceled",
    OrderAmended: "amended",
    OrderExpired: "expired",
    OrderTriggered: "triggered",
}
KIND_EVENTS = {kind: cls for cls, kind in EVENT_KINDS.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def dumps(fields: dict[str, Any]) -> str:
    return json.dumps({k: _plain(v) for k, v in fields.items()}, separators=(",", ":"))


def order_record(order: Order) -> str:
    fields = {f.name: getattr(order, f.name) for f in dataclasses.fields(order)}
    return dumps(fields)


_ORDER_DECIMALS = (
    "take_profit",
    "stop_loss",
    "mid_at_send",
    "qty",
    "price",
    "stop_price",
    "filled",
    "cost",
    "fee",
    "trail",
    "queue_ahead",
    "reserved",
)
_ORDER_ENUMS: dict[str, type[Enum]] = {
    "side": Side,
    "type": OrderType,
    "tif": TimeInForce,
    "status": OrderStatus,
}


def order_from_record(text: str) -> Order:
    data: dict[str, Any] = json.loads(text)
    _upgrade(data)
    for key in _ORDER_DECIMALS:
        if data.get(key) is not None:
            data[key] = Decimal(data[key])
    for key, enum in _ORDER_ENUMS.items():
        data[key] = enum(data[key])
    known = {f.name for f in dataclasses.fields(Order)}
    return Order(**{k: v for k, v in data.items() if k in known})


def _upgrade(data: dict[str, Any]) -> None:
    """Read records written before orders had typed emulation fields (schema of 2026-11):
    ``extra`` strings become fields (``OrderStatus`` reads ``pending_new`` itself)."""
    extra: dict[str, str] = data.pop("extra", None) or {}
    for old, new in (("oco", "oco"), ("tp", "take_profit"), ("sl", "stop_loss")):
        if old in extra:
            data[new] = extra[old]
    if "mid_at_send" in extra:
        data["mid_at_send"] = extra["mid_at_send"]
    if "triggered" in extra:
        data["triggered_ns"] = int(extra["triggered"])


def event_record(event: ExecutionEvent) -> str:
    if isinstance(event, OrderFilled):
        fill = event.fill
        return dumps({f.name: getattr(fill, f.name) for f in dataclasses.fields(fill)})
    return dumps({f.name: getattr(event, f.name) for f in dataclasses.fields(event)})


def event_from_record(kind: str, text: str) -> ExecutionEvent:
    data: dict[str, Any] = json.loads(text)
    if kind == "filled":
        for key in ("price", "qty", "fee"):
            data[key] = Decimal(data[key])
        data["side"] = Side(data["side"])
        data["liquidity"] = Liquidity(data["liquidity"])
        return OrderFilled(Fill(**data))
    cls = KIND_EVENTS[kind]
    if cls is OrderAmended:
        data["qty"] = Decimal(data["qty"])
        for key in ("price", "stop_price"):
            data[key] = None if data.get(key) is None else Decimal(data[key])
    event: ExecutionEvent = cls(**data)
    return event
