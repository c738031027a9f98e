"""Balances from Binance's stream (``outboundAccountPosition`` through ccxt.pro's
``watch_balance``) and the fills the engine books count each trade once, whichever comes
first: a balance that already has the trade is not moved again by its fill, and a balance
from before the trade that comes after its fill does not undo it. A restart replays the
ledger to the same totals. (Kraken's ``balances`` channel: in test_kraken_stream.py.)"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from binance_stream_kit import limit_buy, stream_engine, stream_rig
from live_kit import ACCOUNT, until

from tradeterm.domain.enums import OrderStatus
from tradeterm.engine.accounts import AccountState

START = {"USDT": Decimal("5000"), "BTC": Decimal("0.5")}


def totals(account: AccountState) -> dict[str, Decimal]:
    return {a: b.total for a, b in account.balances.items() if b.total}


def balance_events(frames: list[tuple[str, str]]) -> int:
    return sum(1 for d, t in frames if d == "out" and "outboundAccountPosition" in t)


async def test_a_balance_that_comes_before_its_trade_is_not_counted_twice(
    tmp_path: Path,
) -> None:
    async with stream_rig(tmp_path, START) as rig:
        engine, binance = rig.engine, rig.binance
        account = engine.state.accounts[ACCOUNT]
        binance.balance_first = True  # each account update ahead of its execution report
        order = await engine.place(limit_buy("60000.00"))
        await until(lambda: order.status is OrderStatus.OPEN and balance_events(binance.frames))
        binance.trade("BTC/USDT", Decimal("59990.00"), Decimal("1"))
        await until(lambda: order.status is OrderStatus.FILLED)
        await until(lambda: balance_events(binance.frames) == 2)
        await asyncio.sleep(0.2)
        await rig.settle()
        truth = {"BTC": Decimal("0.51"), "USDT": Decimal("4400")}
        assert binance.balances == truth  # the stand-in's books
        assert totals(account) == truth  # not 0.52 BTC / 3800 USDT
        position = account.positions["BTC/USDT"]
        assert position.qty == Decimal("0.01")  # the fill still made the position
    engine, _ = stream_engine(binance, rig.ledger)
    await engine.start()  # a restart replays the ledger: the same totals
    try:
        assert totals(engine.state.accounts[ACCOUNT]) == truth
    finally:
        await engine.stop()


async def test_a_balance_from_before_the_trade_that_comes_after_it_does_not_undo_it(
    tmp_path: Path,
) -> None:
    async with stream_rig(tmp_path, START) as rig:
        engine, binance = rig.engine, rig.binance
        account = engine.state.accounts[ACCOUNT]
        binance.hold_balances = True  # the account updates lag behind the reports
        order = await engine.place(limit_buy("60000.00"))
        await until(lambda: order.status is OrderStatus.OPEN)
        await asyncio.sleep(0.05)  # the trade is a few milliseconds after the placing
        binance.trade("BTC/USDT", Decimal("59990.00"), Decimal("1"))
        await until(lambda: order.status is OrderStatus.FILLED)
        await rig.settle()
        truth = {"BTC": Decimal("0.51"), "USDT": Decimal("4400")}
        assert totals(account) == truth  # the fill, booked
        assert len(binance.held_balances) == 2  # placing's and the trade's, both held
        binance.release_balances(1)  # the update from the placing: before the trade
        await until(lambda: balance_events(binance.frames) == 1)
        await asyncio.sleep(0.2)
        await rig.settle()
        assert totals(account) == truth  # 0.5 BTC at the exchange then, plus the fill since
        binance.release_balances()  # the trade's own update
        await until(lambda: balance_events(binance.frames) == 2)
        await asyncio.sleep(0.2)
        await rig.settle()
        assert totals(account) == truth
    engine, _ = stream_engine(binance, rig.ledger)
    await engine.start()
    try:
        assert totals(engine.state.accounts[ACCOUNT]) == truth
    finally:
        await engine.stop()
