"""A position is what the account holds: fees paid in the base asset, costs and realized PnL
net of fees, the same after a restart from the ledger."""

from __future__ import annotations

from pathlib import Path

from trading_rig import D, build_stack

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side

BTC = "BTC/USDT"
BIDS = [("60990.0", "1")]
ASKS = [("61000.0", "1")]


def market(side: Side, qty: str) -> PlaceOrder:
    return PlaceOrder(BTC, side, OrderType.MARKET, qty=D(qty))


async def test_a_bought_position_is_what_the_account_holds_and_sells_out_flat(
    tmp_path: Path,
) -> None:
    s = await build_stack(tmp_path, balances={"USDT": D("10000")})
    s.book(BTC, BIDS, ASKS)
    await s.engine.place(market(Side.BUY, "0.01"))
    await s.settle()
    # 0.01 @ 61000 = 610 USDT; the 0.1 % taker fee is 0.00001 BTC, so 0.00999 BTC is held
    assert s.account.balance("BTC").total == D("0.00999")
    position = s.account.positions[BTC]
    assert position.qty == D("0.00999")
    assert position.avg_cost == D("610") / D("0.00999")  # the fee is part of the cost
    # selling what the position says is held is accepted and leaves nothing behind
    order = await s.engine.place(market(Side.SELL, str(position.qty)))
    await s.settle()
    assert order.status is OrderStatus.FILLED
    assert s.account.balance("BTC").total == 0
    assert position.qty == 0
    # 0.00999 @ 60990 = 609.2901, less the 0.1 % USDT fee 0.6092901 = 608.6808099 in,
    # against the 610 paid: realized -1.3191901, which is exactly the change in USDT
    assert position.realized_pnl == D("608.6808099") - D("610") == D("-1.3191901")
    assert s.account.balance("USDT").total == D("10000") + position.realized_pnl
    before = (position.qty, position.realized_pnl, position.fees)
    s.engine.trading.ledger.close()  # type: ignore[union-attr]

    again = await build_stack(tmp_path, balances={"USDT": D("10000")})
    restored = again.account.positions[BTC]
    assert (restored.qty, restored.realized_pnl, restored.fees) == before
    assert before[2] == D("0.00001") * 61000 + D("0.6092901")


async def test_an_open_position_restores_with_its_fee_adjusted_cost(tmp_path: Path) -> None:
    s = await build_stack(tmp_path, balances={"USDT": D("10000")})
    s.book(BTC, BIDS, ASKS)
    await s.engine.place(market(Side.BUY, "0.02"))
    await s.settle()
    position = s.account.positions[BTC]
    # 0.02 less the 0.00002 BTC fee is held, for 0.02 x 61000 = 1220 USDT
    assert (position.qty, position.avg_cost) == (D("0.01998"), D("1220") / D("0.01998"))
    s.engine.trading.ledger.close()  # type: ignore[union-attr]
    again = await build_stack(tmp_path, balances={"USDT": D("10000")})
    restored = again.account.positions[BTC]
    assert (restored.qty, restored.avg_cost) == (D("0.01998"), D("1220") / D("0.01998"))
    assert again.account.balance("BTC").total == restored.qty
