"""The engine's order path with real parts: checks, holds, journal, paper venue, balances."""

from __future__ import annotations

from pathlib import Path

import pytest
from trading_rig import D, build_stack

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TimeInForce
from tradeterm.domain.errors import OrderRejected, TradetermError

ETH = "ETH/USDT"
BOOK_BIDS = [("3000.00", "1.0"), ("2999.00", "2.0"), ("2998.00", "5.0")]
BOOK_ASKS = [("3001.00", "1.5"), ("3002.00", "2.0"), ("3003.00", "4.0")]


def limit(side: Side, qty: str, price: str, **kw: object) -> PlaceOrder:
    return PlaceOrder(ETH, side, OrderType.LIMIT, qty=D(qty), price=D(price), **kw)  # type: ignore[arg-type]


def market(side: Side, qty: str) -> PlaceOrder:
    return PlaceOrder(ETH, side, OrderType.MARKET, qty=D(qty))


def journal_kinds(path: Path) -> list[str]:
    from tradeterm.engine.ledger import Ledger

    ledger = Ledger(path)
    try:
        return [r.kind for r in ledger.records()]
    finally:
        ledger.close()


async def test_rejections_say_why_and_are_journaled_denied_never_sent(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    cases = {
        limit(Side.BUY, "0.001", "3000.00"): "below min notional 5 USDT",
        limit(Side.BUY, "1", "3000.005"): "not a multiple of tick 0.01",
        limit(Side.BUY, "0.00001", "3000.00"): "not a multiple of lot 0.0001",
        limit(Side.BUY, "4", "2999.00"): "insufficient USDT: need 11,996.00, free 10,000.00",
        limit(Side.SELL, "3", "3100.00"): "insufficient ETH: need 3.0000, free 2.0000",
        limit(Side.BUY, "1", "3005.00", post_only=True): "post-only would cross: best ask 3,001.00",
        PlaceOrder(
            ETH, Side.BUY, OrderType.MARKET, qty=D("1"), price=D("3000")
        ): "takes no limit price",
        PlaceOrder(ETH, Side.SELL, OrderType.STOP_MARKET, qty=D("1")): "needs a trigger price",
    }
    for cmd, reason in cases.items():
        with pytest.raises(OrderRejected, match=reason.replace("(", r"\(")):
            await s.engine.place(cmd)
    await s.settle()
    # each refusal is on record as DENIED with its reasons; nothing reached the venue
    from tradeterm.engine.journal import order_from_record
    from tradeterm.engine.ledger import Ledger

    ledger = Ledger(s.ledger_path)
    denied = [order_from_record(r.payload) for r in ledger.records()]
    ledger.close()
    assert [o.status for o in denied] == [OrderStatus.DENIED] * len(cases)
    assert all(reason in o.reason for o, reason in zip(denied, cases.values(), strict=True))
    assert s.venues["paper"].resting(ETH) == []
    assert {o.status for o in s.account.orders.values()} == {OrderStatus.DENIED}
    assert s.account.open_orders() == []
    assert s.account.balance("USDT").reserved == 0


async def test_resting_limit_holds_funds_and_journals_before_showing(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    on_disk_when_shown: list[list[str]] = []
    s.engine.trading.on_acknowledged.append(
        lambda _order: on_disk_when_shown.append(journal_kinds(s.ledger_path))
    )
    order = await s.engine.place(limit(Side.BUY, "1.5", "2990.00"))
    # the moment the order became visible, its record was already in the file
    assert on_disk_when_shown == [["placed"]]
    await s.settle()
    assert order.status is OrderStatus.OPEN
    assert journal_kinds(s.ledger_path) == ["placed", "accepted"]
    assert s.account.balance("USDT").reserved == D("4485.00")  # 1.5 x 2990
    assert s.account.balance("USDT").free == D("5515.00")
    assert order.queue_ahead is None or order.queue_ahead >= 0


async def test_market_buy_walks_the_book_and_moves_money_exactly(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    order = await s.engine.place(market(Side.BUY, "2.5"))
    await s.settle()
    # 1.5 @ 3001 + 1.0 @ 3002 = 4501.5 + 3002 = 7503.5 USDT; fee 0.1 % of 2.5 ETH in ETH
    assert order.status is OrderStatus.FILLED
    assert order.cost == D("7503.50")
    assert s.account.balance("USDT").total == D("10000") - D("7503.50")
    assert s.account.balance("ETH").total == D("2") + D("2.5") - D("0.0025")
    assert s.account.balance("USDT").reserved == 0
    position = s.account.positions[ETH]
    # the position is what the account holds: 2.5 less the 0.0025 ETH fee, for 7503.50 paid
    assert position.qty == D("2.4975")
    assert position.avg_cost == D("7503.50") / D("2.4975")
    assert [f.price for f in s.account.fills] == [D("3002.00"), D("3001.00")]  # newest first


async def test_market_sell_pays_the_fee_in_quote(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    await s.engine.place(market(Side.SELL, "1.5"))
    await s.settle()
    proceeds = D("1.0") * D("3000.00") + D("0.5") * D("2999.00")
    assert s.account.balance("USDT").total == D("10000") + proceeds - proceeds * D("0.001")
    assert s.account.balance("ETH").total == D("0.5")


async def test_cancel_releases_the_hold(tmp_path: Path) -> None:
    s = await build_stack(tmp_path, latency_ms=50)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    order = await s.engine.place(limit(Side.BUY, "1", "2990.00"))
    s.clock.advance(0.06)
    await s.settle()
    assert order.status is OrderStatus.OPEN
    await s.engine.cancel(order.client_id)
    assert order.status is OrderStatus.PENDING_CANCEL
    s.clock.advance(0.06)
    await s.settle()
    assert order.status is OrderStatus.CANCELED
    assert s.account.balance("USDT").reserved == 0
    assert journal_kinds(s.ledger_path) == ["placed", "accepted", "cancel_req", "canceled"]
    with pytest.raises(TradetermError, match="already canceled"):
        await s.engine.cancel(order.client_id)


async def test_a_cancel_can_lose_the_race_with_a_fill(tmp_path: Path) -> None:
    s = await build_stack(tmp_path, latency_ms=50)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    order = await s.engine.place(limit(Side.SELL, "0.5", "3001.00"))
    s.clock.advance(0.06)
    await s.settle()
    await s.engine.cancel(order.client_id)  # travelling for 50 ms...
    s.trade(ETH, "3002.00", "3", Side.BUY)  # ...while the price trades through the order
    s.clock.advance(0.06)
    await s.settle()
    assert order.status is OrderStatus.FILLED
    assert order.filled == D("0.5")


async def test_amend_says_whether_the_queue_place_is_kept(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    order = await s.engine.place(limit(Side.BUY, "1", "2999.00"))
    await s.settle()
    assert "keeps its place" in s.engine.amend_preview(order.client_id, None, D("0.5"))
    assert "back of the queue" in s.engine.amend_preview(order.client_id, D("2998.00"), D("0.5"))
    assert "back of the queue" in s.engine.amend_preview(order.client_id, None, D("2"))
    await s.engine.amend(order.client_id, None, D("0.5"))
    await s.settle()
    assert (order.qty, order.status) == (D("0.5"), OrderStatus.OPEN)
    assert s.account.balance("USDT").reserved == D("1499.50")
    await s.engine.amend(order.client_id, D("2995.00"), D("2"))
    await s.settle()
    assert (order.qty, order.price) == (D("2"), D("2995.00"))
    assert s.account.balance("USDT").reserved == D("5990.00")
    with pytest.raises(OrderRejected, match="insufficient USDT"):
        await s.engine.amend(order.client_id, None, D("5"))


async def test_cancel_all_takes_a_symbol_pattern(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    sol = s.engine.state.books_on(s.engine.feed.venue)["SOL/USDT"]
    sol_bid = sol.best_bid()
    assert sol_bid is not None
    await s.engine.place(limit(Side.BUY, "0.1", "2990.00"))
    await s.engine.place(limit(Side.BUY, "0.1", "2980.00"))
    low = sol_bid - 5
    await s.engine.place(PlaceOrder("SOL/USDT", Side.BUY, OrderType.LIMIT, qty=D("1"), price=low))
    await s.settle()
    assert await s.engine.cancel_all("ETH*") == 2
    await s.settle()
    assert [o.symbol for o in s.account.open_orders()] == ["SOL/USDT"]


async def test_ioc_remainder_expires_and_releases(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    order = await s.engine.place(limit(Side.BUY, "2", "3001.00", tif=TimeInForce.IOC))
    await s.settle()
    assert (order.status, order.filled) == (OrderStatus.EXPIRED, D("1.5"))
    assert s.account.balance("USDT").reserved == 0


async def test_reset_cancels_orders_and_restores_starting_balances(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    await s.engine.place(market(Side.BUY, "1"))
    await s.engine.place(limit(Side.BUY, "0.5", "2990.00"))
    await s.settle()
    await s.engine.reset_account()
    assert s.account.open_orders() == []
    assert {a: b.total for a, b in s.account.balances.items()} == {
        "USDT": D("10000"),
        "ETH": D("2"),
        "SOL": D("10"),
    }
    assert s.account.positions == {}
    assert journal_kinds(s.ledger_path)[-1] == "reset"


async def test_quote_sized_order(tmp_path: Path) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    order = await s.engine.place(PlaceOrder(ETH, Side.BUY, OrderType.MARKET, quote_qty=D("500")))
    await s.settle()
    assert order.qty == D("0.1666")  # 500 / 3001 truncated to the 0.0001 lot
    assert order.status is OrderStatus.FILLED


async def test_an_amend_needs_the_funds_of_its_new_quantity_at_its_new_price(
    tmp_path: Path,
) -> None:
    s = await build_stack(tmp_path)
    s.book(ETH, BOOK_BIDS, BOOK_ASKS)
    buy = await s.engine.place(limit(Side.BUY, "1", "2999.00"))
    sell = await s.engine.place(limit(Side.SELL, "1", "3100.00"))
    await s.settle()
    # 4 x 3000.00 = 12,000 to hold, 2,999 held already: 9,001 more; 10,000 - 2,999 free
    with pytest.raises(OrderRejected, match=r"insufficient USDT: need 9001\.\d* more, free 7001"):
        await s.engine.amend(buy.client_id, D("3000.00"), D("4"))
    # a sell holds base: 3.5 - 1 held = 2.5 more, of 2 - 1 free
    with pytest.raises(OrderRejected, match=r"insufficient ETH: need 2\.5 more, free 1"):
        await s.engine.amend(sell.client_id, None, D("3.5"))
    await s.engine.amend(buy.client_id, D("3000.00"), D("3"))  # 9,000: fits
    await s.settle()
    assert (buy.qty, buy.price) == (D("3"), D("3000.00"))
    assert s.account.balance("USDT").reserved == D("9000.00")
