"""Closing positions through the engine: held quantity to the lot, dust, shorts, close all."""

from __future__ import annotations

from pathlib import Path

import pytest
from trading_rig import D, Stack, build_stack

from tradeterm.domain.commands import ClosePosition, PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import TradetermError

BTC, ETH = "BTC/USDT", "ETH/USDT"


async def bought(tmp_path: Path, **kwargs: object) -> Stack:
    s = await build_stack(tmp_path, **kwargs)  # type: ignore[arg-type]
    s.book(BTC, [("60990.0", "1")], [("61000.0", "1")])
    s.book(ETH, [("3000.00", "5")], [("3001.00", "5")])
    return s


async def buy(s: Stack, symbol: str, qty: str) -> None:
    await s.engine.place(PlaceOrder(symbol, Side.BUY, OrderType.MARKET, qty=D(qty)))
    await s.settle()


async def test_close_sells_what_is_held_to_the_lot_and_names_the_dust(tmp_path: Path) -> None:
    s = await bought(tmp_path, balances={"USDT": D("10000")})
    assert s.engine.state.markets_on(s.engine.feed.venue)[BTC].lot_size == D("0.00001")
    await buy(s, BTC, "0.00123")
    # the 0.1 % fee is 0.00000123 BTC: 0.00122877 is held; the lot 0.00001 sells 0.00122
    assert s.account.positions[BTC].qty == D("0.00122877")
    said = await s.engine.close_position(ClosePosition(BTC))
    assert said == (
        "selling 0.00122 BTC/USDT at market; dust 0.00000877 BTC remains (below the lot 0.00001)"
    )
    await s.settle()
    order = list(s.account.orders.values())[-1]  # the newest
    assert (order.side, order.type, order.reduce_only) == (Side.SELL, OrderType.MARKET, True)
    assert order.status is OrderStatus.FILLED and order.qty == D("0.00122")
    assert s.account.positions[BTC].qty == D("0.00000877") == s.account.balance("BTC").total
    # closing again: the dust is below the lot, so nothing is sent and that is said
    orders = len(s.account.orders)
    said = await s.engine.close_position(ClosePosition(BTC))
    assert said == "dust 0.00000877 BTC remains (below the lot 0.00001)"
    assert len(s.account.orders) == orders


async def test_close_without_a_position_says_so(tmp_path: Path) -> None:
    s = await bought(tmp_path)
    with pytest.raises(TradetermError, match="no BTC/USDT position to close in account paper"):
        await s.engine.close_position(ClosePosition(BTC))
    with pytest.raises(TradetermError, match="unknown symbol 'NOPE/USDT'"):
        await s.engine.close_position(ClosePosition("NOPE/USDT"))
    said = await s.engine.close_position(ClosePosition())
    assert said == "no positions to close in account paper"


async def test_close_all_sells_each_position_and_skips_what_is_below_min_notional(
    tmp_path: Path,
) -> None:
    s = await bought(tmp_path, balances={"USDT": D("10000")})
    await buy(s, BTC, "0.01")  # holds 0.00999 BTC
    await buy(s, ETH, "0.003")  # holds 0.003 - 0.000003 = 0.002997 ETH
    await s.engine.place(PlaceOrder(ETH, Side.SELL, OrderType.MARKET, qty=D("0.0017")))
    await s.settle()  # holds 0.001297 ETH, worth 3.891 USDT at the 3000 bid
    said = await s.engine.close_position(ClosePosition(None))
    assert said == (
        "selling 0.00999 BTC/USDT at market; "
        "0.001297 ETH stays (worth less than the minimum order 5 USDT)"
    )
    await s.settle()
    assert s.account.positions[BTC].qty == 0 and s.account.balance("BTC").total == 0
    assert s.account.positions[ETH].qty == D("0.001297")


async def test_close_leaves_what_open_orders_hold(tmp_path: Path) -> None:
    s = await bought(tmp_path, balances={"USDT": D("10000")})
    await buy(s, BTC, "0.01")  # holds 0.00999 BTC
    await s.engine.place(
        PlaceOrder(BTC, Side.SELL, OrderType.LIMIT, qty=D("0.004"), price=D("70000.0"))
    )
    await s.settle()
    said = await s.engine.close_position(ClosePosition(BTC))
    # 0.00999 held, 0.004 of it on the resting sell: 0.00599 is free to sell
    assert said == (
        "selling 0.00599 BTC/USDT at market; "
        "0.004 BTC stays (held by open orders: cancel them first)"
    )


async def test_close_buys_back_a_short(tmp_path: Path) -> None:
    s = await bought(tmp_path)  # starts with 2 ETH, so selling 1 is a short position
    await s.engine.place(PlaceOrder(ETH, Side.SELL, OrderType.MARKET, qty=D("1")))
    await s.settle()
    assert s.account.positions[ETH].qty == D("-1")
    said = await s.engine.close_position(ClosePosition(ETH))
    assert said == "buying 1 ETH/USDT at market"
    await s.settle()
    order = list(s.account.orders.values())[-1]  # the newest
    assert (order.side, order.qty, order.status) == (Side.BUY, D("1"), OrderStatus.FILLED)
    # the buy's 0.1 % fee is taken in ETH: 0.001 of the short is still owed
    assert s.account.positions[ETH].qty == D("-0.001")
