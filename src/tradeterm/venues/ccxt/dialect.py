"""How exchanges differ behind ccxt's unified calls: finding an order by its client id, and
what an amend is (a new order, or the same order changed in place).

- Binance (and the default): ``fetch_order`` takes the client id (``origClientOrderId``).
- Kraken: QueryOrders takes exchange ids only, so an order whose id tradeterm never heard is
  found in OpenOrders, then ClosedOrders, filtered by its ``cl_ord_id``. Its AmendOrder
  changes the order in place (same id, the whole new quantity) and keeps its queue place
  when only the quantity goes down at the same price.
- Binance USD-M futures (``binanceusdm``, or ``binance`` with ``defaultType`` future): the
  dead-man's switch is ``countdownCancelAll``, one timer per symbol, which ccxt's
  ``cancel_all_orders_after`` does not cover.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tradeterm.domain.errors import OrderRejected
from tradeterm.venues.ccxt.errors import Translated

Call = Callable[..., Awaitable[Any]]
Find = Callable[[str, str, str], Awaitable[Mapping[str, Any]]]
"""(symbol, client id, exchange id or "") -> ccxt's order; raises ``Translated`` (not found:
an ``OrderNotFound`` inside)."""

LISTS_BY_CLIENT_ID = frozenset({"kraken"})
AMENDS_IN_PLACE = frozenset({"kraken"})
LABELS = {"binanceusdm": "Binance USD-M"}


def label(exchange_id: str) -> str:
    """The exchange's name in messages ("Kraken", "Binance USD-M")."""
    return LABELS.get(exchange_id, exchange_id.capitalize())


def plain_id(symbol: str) -> str:
    """Binance's id of a symbol before the markets are loaded: BTC/USDT:USDT -> BTCUSDT."""
    return symbol.split(":", maxsplit=1)[0].replace("/", "")


def uses_countdown(exchange_id: str, options: Mapping[str, Any]) -> bool:
    """True for Binance USD-M futures, whose dead-man's switch is ``countdownCancelAll``."""
    futures = options.get("defaultType") in ("future", "swap")
    return exchange_id == "binanceusdm" or (exchange_id == "binance" and futures)


def amends_in_place(exchange_id: str) -> bool:
    """True when the exchange's edit changes the same order (whole quantity, queue kept on a
    smaller size at the same price); False when it is a new order (remaining quantity)."""
    return exchange_id in AMENDS_IN_PLACE


def finder(call: Call, exchange_id: str, label: str) -> Find:
    """How this exchange finds one order by client id (see the module doc)."""

    async def by_client_id(symbol: str, client_id: str, known_id: str) -> Mapping[str, Any]:
        if exchange_id not in LISTS_BY_CLIENT_ID:
            answer: Mapping[str, Any] = await call(
                "fetch_order", "", symbol, {"clientOrderId": client_id}
            )
            return answer
        if known_id:
            found: Mapping[str, Any] = await call("fetch_order", known_id, symbol)
            return found
        for method in ("fetch_open_orders", "fetch_closed_orders"):
            for listed in await call(method, symbol, None, None, {"clientOrderId": client_id}):
                if str(listed.get("clientOrderId")) == client_id:
                    return dict(listed)
        raise not_found(label, client_id)

    return by_client_id


def not_found(label: str, client_id: str) -> Translated:
    import ccxt

    original = ccxt.OrderNotFound(f"{label}: no order with client id {client_id}")
    return Translated(original, OrderRejected(f"{label}: no such order on the exchange"))
