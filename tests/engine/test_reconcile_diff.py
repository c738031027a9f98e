"""The pure comparison of a live account's ledger with its exchange (engine.reconcile)."""

from __future__ import annotations

from decimal import Decimal

from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.orders import Order
from tradeterm.engine.reconcile import (
    Action,
    ExchangeView,
    Kind,
    LedgerSide,
    SeenOrder,
    SeenTrade,
    differences,
)

D = Decimal


def mine(client_id: str, exchange_id: str, filled: str = "0") -> Order:
    return Order(client_id, "acct", "BTC/USDT", Side.BUY, OrderType.LIMIT, D("0.01"),
                 price=D("60000"), status=OrderStatus.OPEN, filled=D(filled),
                 venue_order_id=exchange_id)  # fmt: skip


def seen(client_id: str, exchange_id: str, status: str, filled: str = "0") -> SeenOrder:
    return SeenOrder(exchange_id, client_id, "BTC/USDT", "buy", D("0.01"), D("60000"),
                     D(filled), status)  # fmt: skip


def trade(trade_id: str, order_id: str) -> SeenTrade:
    return SeenTrade(trade_id, order_id, "BTC/USDT", "sell", D("0.02"), D("61000"), 1)


def ledger(*orders: Order, balances: dict[str, Decimal] | None = None) -> LedgerSide:
    return LedgerSide(
        list(orders),
        balances or {},
        exchange_order_ids={o.venue_order_id for o in orders},
        client_ids={o.client_id for o in orders},
    )


def view(
    states: dict[str, SeenOrder],
    listed: list[SeenOrder] | None = None,
    trades: list[SeenTrade] | None = None,
    balances: dict[str, Decimal] | None = None,
) -> ExchangeView:
    return ExchangeView(listed or [], states, balances or {}, trades or [], "Binance")


def test_no_differences_when_the_exchange_agrees() -> None:
    a = mine("a", "1")
    side = ledger(a, balances={"USDT": D("5000")})
    seen_a = seen("a", "1", "open")
    assert differences(side, view({"a": seen_a}, [seen_a], [], {"USDT": D("5000")})) == []


def test_orders_that_ended_while_down_are_named_by_what_happened() -> None:
    side = ledger(mine("a", "1"), mine("b", "2"), mine("c", "3"), mine("d", "4"))
    states = {"a": seen("a", "1", "closed", "0.01"), "b": seen("b", "2", "canceled"),
              "c": seen("c", "3", "missing"), "d": seen("d", "4", "open", "0.004")}  # fmt: skip
    found = differences(side, view(states, [states["d"]]))
    assert [(d.kind, d.client_id) for d in found] == [
        (Kind.FILLED_WHILE_DOWN, "a"),
        (Kind.CANCELED_ELSEWHERE, "b"),
        (Kind.MISSING, "c"),
        (Kind.PART_FILLED_WHILE_DOWN, "d"),
    ]
    assert all(d.actions == (Action.ACCEPT,) for d in found)
    assert "0.004 filled at Binance, 0 in the ledger" in found[3].text


def test_an_open_order_placed_elsewhere_can_be_adopted_cancelled_or_ignored() -> None:
    stranger = SeenOrder("77", "web1", "BTC/USDT", "sell", D("0.02"), D("70000"), D(0), "open")
    known = seen("a", "1", "open")
    [diff] = differences(ledger(mine("a", "1")), view({"a": known}, [known, stranger]))
    assert diff.kind is Kind.UNKNOWN_ORDER
    assert diff.actions == (Action.ADOPT, Action.CANCEL, Action.IGNORE)
    assert diff.order == stranger
    assert diff.text == "order 77: sell 0.02 BTC/USDT @ 70000, not placed by tradeterm"


def test_trades_of_orders_the_ledger_does_not_know_are_unknown_fills_once() -> None:
    side = ledger(mine("a", "1"))
    trades = [trade("t1", "1"), trade("t2", "99"), trade("t3", "98")]
    side.recorded_trades.add("t3")
    [diff] = differences(side, view({"a": seen("a", "1", "open")}, trades=trades))
    assert diff.kind is Kind.UNKNOWN_FILL and diff.trade == trades[1]
    assert diff.actions == (Action.RECORD, Action.IGNORE)
    assert diff.text == "Binance trade t2 (order 99): sell 0.02 BTC/USDT @ 61000"


def test_balances_that_differ_are_listed_with_both_numbers() -> None:
    side = ledger(balances={"USDT": D("5000"), "ETH": D("1")})
    found = differences(side, view({}, balances={"USDT": D("4400.5"), "BTC": D("0.01")}))
    assert [(d.kind, d.symbol) for d in found] == [
        (Kind.BALANCE, "BTC"), (Kind.BALANCE, "ETH"), (Kind.BALANCE, "USDT")]  # fmt: skip
    assert found[2].text == "USDT: 4400.5 at Binance, 5000 in the ledger"


def test_a_first_session_has_no_balances_to_compare() -> None:
    assert differences(ledger(), view({}, balances={"USDT": D("5000")})) == []
