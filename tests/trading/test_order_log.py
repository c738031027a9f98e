"""What IOC and FOK orders will do, said before sending; and one INFO log line for each fill,
cancel, amend, expiry and rejection, with real parts (sim feed, paper venue, SQLite ledger)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from trading_rig import D, build_stack

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TimeInForce

ETH = "ETH/USDT"  # tick 0.01, lot 0.0001
BIDS = [("3000.00", "1.0"), ("2999.00", "2.0"), ("2998.00", "5.0")]
ASKS = [("3001.00", "1.5"), ("3002.00", "2.0"), ("3003.00", "4.0")]
FUNDS = {"USDT": D("100000"), "ETH": D("10")}


def order(side: Side, qty: str, price: str | None, tif: TimeInForce) -> PlaceOrder:
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    return PlaceOrder(ETH, side, kind, qty=D(qty), price=None if price is None else D(price),
                      tif=tif)  # fmt: skip


def order_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tradeterm.engine.orders"]


async def test_preview_says_what_fok_and_ioc_do_against_the_book(tmp_path: Path) -> None:
    s = await build_stack(tmp_path, balances=FUNDS)
    s.book(ETH, BIDS, ASKS)
    fok, ioc = TimeInForce.FOK, TimeInForce.IOC
    # 1.0 at 3000 and 1.0 at 2999: avg 2999.5
    plan = s.engine.preview(order(Side.SELL, "2", "2999", fok))
    assert plan.outcome == "fills all 2.0000 ETH at avg 2,999.5000"
    # only 1.0 + 2.0 bid at 2999 or better
    plan = s.engine.preview(order(Side.SELL, "3.5", "2999", fok))
    assert plan.outcome == "would be killed: only 3.0000 ETH available at or better than 2,999.00"
    assert plan.ok  # the user may still send it; the preview says what will happen
    # IOC takes the 3.0 (avg (3000 + 2 * 2999) / 3 = 2999.3333...) and cancels the rest
    plan = s.engine.preview(order(Side.SELL, "3.5", "2999", ioc))
    assert plan.outcome == "fills 3.0000 ETH at avg 2,999.3333, the rest (0.5000) is cancelled"
    plan = s.engine.preview(order(Side.BUY, "1", "2990", ioc))
    assert plan.outcome == "would be cancelled: nothing available at or better than 2,990.00"
    assert plan.fee == 0  # nothing fills and an IOC never rests: no maker fee either
    # a market FOK walks the whole book: 1.5 + 2.0 + 4.0 = 7.5 asks
    plan = s.engine.preview(order(Side.BUY, "8", None, fok))
    assert plan.outcome == "would be killed: only 7.5000 ETH available in the book"
    # a GTC limit rests: no immediate outcome
    assert s.engine.preview(order(Side.SELL, "3.5", "2999", TimeInForce.GTC)).outcome == ""


async def test_fills_cancels_amends_expiries_and_rejections_are_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tradeterm.engine.orders")
    s = await build_stack(tmp_path, balances=FUNDS)
    s.book(ETH, BIDS, ASKS)
    engine = s.engine

    killed = await engine.place(order(Side.SELL, "3.5", "2999", TimeInForce.FOK))
    await s.settle()
    assert killed.status is OrderStatus.EXPIRED
    assert order_lines(caplog)[-1] == (
        f"paper sell 3.5000 ETH/USDT @ 2,999.00 ({killed.client_id}) killed: "
        "FOK could not fill 3.5: only 3.0 available at 2999 or better"
    )

    partial = await engine.place(order(Side.SELL, "3.5", "2999", TimeInForce.IOC))
    await s.settle()
    cid = partial.client_id
    lines = order_lines(caplog)[-3:]
    assert lines[0].startswith(f"paper sell 3.5000 ETH/USDT @ 2,999.00 ({cid}) partly filled: ")
    assert "1.0000 at 3,000.00 (taker, fee " in lines[0]
    assert "2.0000 at 2,999.00 (taker, fee " in lines[1]
    assert lines[2] == (
        f"paper sell 3.5000 ETH/USDT @ 2,999.00 ({cid}) expired after filling 3.0000: IOC remainder"
    )

    resting = await engine.place(order(Side.BUY, "0.5", "2990", TimeInForce.GTC))
    await s.settle()
    await engine.amend(resting.client_id, D("2991"), D("0.5"))
    await s.settle()
    rid = resting.client_id
    assert order_lines(caplog)[-1] == (
        f"paper buy 0.5000 ETH/USDT @ 2,991.00 ({rid}) amended (back of the queue)"
    )
    await engine.cancel(rid)
    await s.settle()
    assert order_lines(caplog)[-1].startswith(
        f"paper buy 0.5000 ETH/USDT @ 2,991.00 ({rid}) canceled"
    )
    assert resting.status is OrderStatus.CANCELED


async def test_a_venue_refusal_is_logged_with_its_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tradeterm.engine.orders")
    s = await build_stack(tmp_path, latency_ms=50, balances=FUNDS)
    s.book(ETH, BIDS, ASKS)
    post = PlaceOrder(ETH, Side.BUY, OrderType.LIMIT, qty=D("0.5"), price=D("2994"),
                      post_only=True)  # fmt: skip
    placed = await s.engine.place(post)  # passes the checks: the best ask is 3001
    s.book(ETH, BIDS, [("2993.00", "1.0")])  # on its way, the ask drops through its price
    s.clock.advance(0.06)
    await s.settle()
    assert placed.status is OrderStatus.REJECTED
    assert order_lines(caplog)[-1] == (
        f"paper buy 0.5000 ETH/USDT @ 2,994.00 ({placed.client_id}) refused by the venue: "
        f"{placed.reason}"
    )
    assert "post-only" in placed.reason
