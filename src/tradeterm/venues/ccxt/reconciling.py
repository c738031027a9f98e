"""What a ccxt exchange says about a live account, for reconciliation: every open order,
the state of each order the ledger had open (by client id), the balances and the trades
since the last session, as an ``ExchangeView`` (see ``engine.reconcile``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from tradeterm.engine.reconcile import ExchangeView, LedgerSide, SeenOrder, SeenTrade
from tradeterm.venues.ccxt.convert import dec
from tradeterm.venues.ccxt.dialect import Find
from tradeterm.venues.ccxt.errors import Translated, is_not_found

Call = Callable[..., Awaitable[Any]]


def seen_order(answer: Mapping[str, Any]) -> SeenOrder:
    price = answer.get("price")
    return SeenOrder(
        exchange_id=str(answer.get("id") or ""),
        client_id=str(answer.get("clientOrderId") or ""),
        symbol=str(answer.get("symbol") or ""),
        side=str(answer.get("side") or ""),
        qty=dec(answer.get("amount")),
        price=dec(price) if price else None,
        filled=dec(answer.get("filled")),
        status=str(answer.get("status") or "open"),
    )


def seen_trade(trade: Mapping[str, Any]) -> SeenTrade:
    return SeenTrade(
        trade_id=str(trade["id"]),
        exchange_order_id=str(trade.get("order") or ""),
        symbol=str(trade.get("symbol") or ""),
        side=str(trade.get("side") or ""),
        qty=dec(trade.get("amount")),
        price=dec(trade.get("price")),
        ts_ns=int(trade.get("timestamp") or 0) * 1_000_000,
    )


async def look(
    call: Call, find: Find, label: str, ledger: LedgerSide, since_ns: int | None
) -> ExchangeView:
    """Ask the exchange (raises ``Translated`` when it cannot be asked); ``find`` finds one
    order by client id (see ``dialect``)."""
    listed = [seen_order(o) for o in await call("fetch_open_orders")]
    states: dict[str, SeenOrder] = {}
    for order in ledger.open_orders:
        try:
            answer = await find(order.symbol, order.client_id, order.venue_order_id or "")
        except Translated as exc:
            if not is_not_found(exc.original):
                raise
            states[order.client_id] = SeenOrder(
                order.venue_order_id, order.client_id, order.symbol, order.side.value,
                order.qty, order.price, order.filled, "missing",
            )  # fmt: skip
            continue
        states[order.client_id] = seen_order(answer)
    symbols = sorted({o.symbol for o in ledger.open_orders} | {o.symbol for o in listed})
    since_ms = since_ns // 1_000_000 if since_ns else None
    trades: list[SeenTrade] = []
    for symbol in symbols:
        trades += [seen_trade(t) for t in await call("fetch_my_trades", symbol, since_ms)]
    balance = await call("fetch_balance")
    totals: dict[str, Decimal] = {a: dec(q) for a, q in (balance.get("total") or {}).items() if q}
    return ExchangeView(listed, states, totals, trades, label)
