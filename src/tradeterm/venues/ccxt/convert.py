"""ccxt's unified order and trade structures turned into tradeterm's values (the one place
where ccxt's floats become Decimals) and requests built from tradeterm's orders."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tradeterm.domain.enums import Liquidity, OrderType, Side, TimeInForce
from tradeterm.domain.fills import Fill
from tradeterm.domain.orders import Order

ENDED = {"closed", "canceled", "cancelled", "expired", "rejected"}


def dec(value: Any) -> Decimal:
    """A ccxt number (float, int or numeric string) as an exact Decimal of its shortest text."""
    if value is None:
        return Decimal(0)
    return Decimal(str(value))


def order_request(order: Order) -> tuple[str, str, str, str | None, dict[str, Any]]:
    """(type, side, amount, price, params) for ``create_order``: amounts as text, so
    no float ever rounds them."""
    params: dict[str, Any] = {"clientOrderId": order.client_id}
    kind = "market" if order.type is OrderType.MARKET else "limit"
    if kind == "limit":
        if order.post_only:
            params["postOnly"] = True
        elif order.tif is not TimeInForce.GTC:
            params["timeInForce"] = order.tif.name
    price = str(order.price) if kind == "limit" and order.price is not None else None
    return kind, order.side.value, str(order.remaining), price, params


def fill_from_trade(
    account: str, venue: str, client_id: str, symbol: str, trade: Mapping[str, Any]
) -> Fill:
    fee = trade.get("fee") or {}
    maker = trade.get("takerOrMaker") == "maker"
    return Fill(
        fill_id=f"{venue}:{trade['id']}",
        client_id=client_id,
        account=account,
        symbol=symbol,
        side=Side.BUY if trade["side"] == "buy" else Side.SELL,
        price=dec(trade["price"]),
        qty=dec(trade["amount"]),
        fee=dec(fee.get("cost")),
        fee_asset=str(fee.get("currency") or ""),
        liquidity=Liquidity.MAKER if maker else Liquidity.TAKER,
        ts_ns=int(trade.get("timestamp") or 0) * 1_000_000,
    )
