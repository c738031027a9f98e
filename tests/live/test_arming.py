"""Arming live accounts through Engine.execute: typed name, refusal while disarmed, the idle
timer on the engine's clock, the journal, restarts, account switches and the kill switch."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm.domain.commands import (
    Arm,
    Disarm,
    Kill,
    PlaceOrder,
    SwitchAccount,
)
from tradeterm.domain.enums import AccountMode, OrderStatus, OrderType, Side
from tradeterm.domain.errors import OrderRejected, TradetermError
from tradeterm.domain.events import ArmingChanged
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

LIVE = "bn-live"


class CountingVenue(PaperVenue):
    """The paper engine standing in for an exchange; counts what reached it."""

    mode = AccountMode.LIVE

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.submitted: list[str] = []

    async def submit(self, order):  # type: ignore[no-untyped-def]
        self.submitted.append(order.client_id)
        await super().submit(order)


async def make_engine(ledger: Path | None = None, idle_s: float = 60.0):  # type: ignore[no-untyped-def]
    clock = ManualClock()
    feed = SimFeed(clock, seed=11, symbols=["BTC/USDT"], history_minutes=60)
    specs = [
        AccountSpec(
            LIVE, AccountMode.LIVE, "sim", {"USDT": Decimal("10000")}, disarm_after_s=idle_s
        ),
        AccountSpec("paper", balances={"USDT": Decimal("10000")}),
    ]
    engine = Engine(clock, feed, specs, ledger=Ledger(ledger) if ledger else None)
    live = CountingVenue(LIVE, engine.view(engine.feed.venue), clock, latency_ms=0)
    engine.attach_venue(LIVE, live)
    engine.attach_venue(
        "paper", PaperVenue("paper", engine.view(engine.feed.venue), clock, latency_ms=0)
    )
    await engine.start()
    for _ in range(3):
        feed.step(engine, 20)
    return engine, clock, live


def resting_buy(engine: Engine, account: str) -> PlaceOrder:
    bid = engine.state.books_on(engine.feed.venue)["BTC/USDT"].best_bid()
    assert bid is not None
    price = (bid * Decimal("0.95")).quantize(Decimal("0.1"))
    return PlaceOrder(
        "BTC/USDT", Side.BUY, OrderType.LIMIT, qty=Decimal("0.01"), price=price, account=account
    )


async def test_a_live_account_starts_disarmed_and_its_orders_never_reach_the_venue() -> None:
    engine, _, live = await make_engine()
    assert engine.state.accounts[LIVE].armed is False
    with pytest.raises(OrderRejected) as refused:
        await engine.execute(resting_buy(engine, LIVE))
    assert "DISARMED" in str(refused.value) and f":arm and then {LIVE}" in str(refused.value)
    assert live.submitted == []


async def test_arming_needs_the_account_name_typed_exactly() -> None:
    engine, _, live = await make_engine()
    events: list[ArmingChanged] = []
    engine.bus.subscribe(ArmingChanged, events.append)
    with pytest.raises(TradetermError, match="'bn-liv' is not the account's name"):
        await engine.execute(Arm("bn-liv", LIVE))
    assert engine.state.accounts[LIVE].armed is False
    await engine.execute(Arm("bn-live", LIVE))
    assert engine.state.accounts[LIVE].armed is True
    assert [(e.account, e.armed) for e in events] == [(LIVE, True)]
    order = await engine.place(resting_buy(engine, LIVE))
    assert live.submitted == [order.client_id]


async def test_a_paper_account_is_not_armed() -> None:
    engine, _, _ = await make_engine()
    with pytest.raises(TradetermError, match="only live accounts are armed"):
        await engine.execute(Arm("paper", "paper"))


async def test_switching_to_a_live_account_never_arms_it() -> None:
    engine, _, _ = await make_engine()
    await engine.execute(SwitchAccount("paper"))
    await engine.execute(SwitchAccount(LIVE))
    assert engine.state.accounts[LIVE].armed is False


async def test_the_idle_timer_disarms_after_the_configured_time_without_a_key() -> None:
    engine, clock, _ = await make_engine(idle_s=60)
    await engine.execute(Arm(LIVE, LIVE))
    clock.advance(40)
    engine.arming.activity()  # a key press at 40 s
    clock.advance(30)  # 70 s after arming, 30 s after the key: still armed
    await engine.trading.writer.drain()
    assert engine.state.accounts[LIVE].armed is True
    disarmed: list[ArmingChanged] = []
    engine.bus.subscribe(ArmingChanged, disarmed.append)
    clock.advance(31)  # 61 s without a key
    for _ in range(50):  # the disarm is journaled in a task of its own
        if disarmed:
            break
        await asyncio.sleep(0)
    assert disarmed[0].reason == "idle: no key pressed for 1 min"
    account = engine.state.accounts[LIVE]
    assert account.armed is False
    with pytest.raises(OrderRejected, match="DISARMED"):
        await engine.execute(resting_buy(engine, LIVE))


async def test_arming_is_journaled_and_a_restart_starts_disarmed(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    engine, _, _ = await make_engine(ledger)
    await engine.execute(Arm(LIVE, LIVE))
    await engine.execute(Disarm(LIVE, "by the user"))
    await engine.execute(Arm(LIVE, LIVE))
    await engine.stop()
    records = [r for r in Ledger(ledger).records() if r.kind == "arming"]
    assert [json.loads(r.payload)["armed"] for r in records] == [True, False, True]
    again, _, _ = await make_engine(ledger)
    assert again.state.accounts[LIVE].armed is False


async def test_kill_cancels_every_open_order_on_every_account_even_when_disarmed() -> None:
    engine, _, _ = await make_engine()
    await engine.execute(Arm(LIVE, LIVE))
    live_order = await engine.place(resting_buy(engine, LIVE))
    paper_order = await engine.place(resting_buy(engine, "paper"))
    await engine.execute(Disarm(LIVE))
    said = await engine.execute(Kill())
    await engine.trading.writer.drain()
    assert live_order.status is OrderStatus.CANCELED
    assert paper_order.status is OrderStatus.CANCELED
    assert isinstance(said, str) and "asked to cancel 2 open order(s)" in said


async def test_kill_flatten_closes_positions_and_says_what_a_disarmed_account_kept() -> None:
    engine, _, _ = await make_engine()
    await engine.execute(Arm(LIVE, LIVE))
    buy = PlaceOrder("BTC/USDT", Side.BUY, OrderType.MARKET, qty=Decimal("0.01"))
    await engine.place(replace(buy, account="paper"))
    await engine.place(replace(buy, account=LIVE))
    await engine.trading.writer.drain()
    assert engine.state.accounts["paper"].positions["BTC/USDT"].qty > 0
    said = await engine.execute(Kill(flatten=True))
    await engine.trading.writer.drain()
    assert isinstance(said, str)
    assert engine.state.accounts["paper"].positions["BTC/USDT"].qty == 0
    assert engine.state.accounts[LIVE].positions["BTC/USDT"].qty == 0  # flattened while armed
    assert f"{LIVE} disarmed" in said  # then disarmed, last
    assert engine.state.accounts[LIVE].armed is False
