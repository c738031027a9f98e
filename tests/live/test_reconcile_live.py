"""Reconciliation against the Binance stand-in through the real ccxt code: after a restart,
an order filled while tradeterm was down, one cancelled on the website, one it never knew
and a fill it never knew are listed; adopting, cancelling and recording act on the exchange
and the ledger; no order leaves while the account is being reconciled."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from binance_rest_standin import BinanceRestStandIn
from live_kit import ACCOUNT, make_engine
from reconcile_kit import WhileDown, go_down_and_back, limit_buy

from tradeterm.domain.commands import Arm
from tradeterm.domain.enums import OrderStatus, Side
from tradeterm.domain.errors import OrderRejected, TradetermError
from tradeterm.engine.engine import Engine
from tradeterm.engine.reconcile import Action, Kind
from tradeterm.engine.reconciling import Reconciliation
from tradeterm.venues.ccxt import CcxtVenue


@dataclass
class Back:
    engine: Engine
    venue: CcxtVenue
    down: WhileDown


@pytest.fixture
async def back(standin: BinanceRestStandIn, tmp_path: Path) -> AsyncIterator[Back]:
    ledger = tmp_path / "ledger.sqlite"
    down = await go_down_and_back(standin, ledger)
    engine, venue = make_engine(standin, ledger)
    await engine.start()
    yield Back(engine, venue, down)
    await venue.close()
    await engine.stop()


async def test_a_restart_lists_what_happened_while_down(
    back: Back, standin: BinanceRestStandIn
) -> None:
    account = back.engine.state.accounts[ACCOUNT]
    rec = Reconciliation(back.engine, account, back.venue)
    found = await rec.start()
    kinds = {d.kind: d for d in found}
    assert kinds[Kind.FILLED_WHILE_DOWN].client_id == back.down.filled
    assert kinds[Kind.CANCELED_ELSEWHERE].client_id == back.down.cancelled
    stranger = kinds[Kind.UNKNOWN_ORDER].order
    assert stranger is not None and stranger.exchange_id == str(back.down.stranger)
    trade = kinds[Kind.UNKNOWN_FILL].trade
    assert trade is not None and trade.exchange_order_id == str(back.down.foreign_filled)
    assert trade.qty == Decimal("0.005")
    # the truth about the balances: 0.5 BTC + 0.01 (ours) + 0.005 (the website's)
    balance = [d for d in found if d.kind is Kind.BALANCE and d.symbol == "BTC"]
    assert balance and "0.515 at Binance, 0.5 in the ledger" in balance[0].text
    assert len([d for d in found if d.kind is not Kind.BALANCE]) == 4


async def test_no_order_leaves_while_the_account_is_reconciled(
    back: Back, standin: BinanceRestStandIn
) -> None:
    account = back.engine.state.accounts[ACCOUNT]
    rec = Reconciliation(back.engine, account, back.venue)
    await rec.start()
    await back.engine.execute(Arm(ACCOUNT))
    before = len(standin.posts())
    with pytest.raises(OrderRejected) as refused:
        await back.engine.execute(limit_buy("58000.00"))
    assert "being reconciled" in str(refused.value)
    assert "leave the reconciliation screen" in str(refused.value)
    assert len(standin.posts()) == before
    rec.finish()
    await back.engine.place(limit_buy("58000.00"))
    assert len(standin.posts()) == before + 1


async def test_an_adopted_order_is_followed_to_its_fill(
    back: Back, standin: BinanceRestStandIn
) -> None:
    account = back.engine.state.accounts[ACCOUNT]
    rec = Reconciliation(back.engine, account, back.venue)
    found = await rec.start()
    index = next(i for i, d in enumerate(found) if d.kind is Kind.UNKNOWN_ORDER)
    said = await rec.act(index, Action.ADOPT)
    assert "tradeterm follows it now" in said
    [adopted] = [o for o in account.orders.values() if o.venue_order_id == str(back.down.stranger)]
    assert adopted.status is OrderStatus.OPEN and adopted.side is Side.SELL
    standin.trade("BTC/USDT", Decimal("70001.00"), Decimal("1"))  # a print through its price
    await back.venue.poll()
    await back.engine.trading.writer.drain()
    assert adopted.status is OrderStatus.FILLED
    assert adopted.filled == Decimal("0.02")
    assert back.venue.tracker.untracked == {}
    again = await Reconciliation(back.engine, account, back.venue).start()
    assert not [d for d in again if d.kind is Kind.UNKNOWN_ORDER]


async def test_cancel_reaches_the_exchange_and_a_foreign_fill_is_recorded_with_its_source(
    back: Back, standin: BinanceRestStandIn
) -> None:
    account = back.engine.state.accounts[ACCOUNT]
    rec = Reconciliation(back.engine, account, back.venue)
    found = await rec.start()
    order_at = next(i for i, d in enumerate(found) if d.kind is Kind.UNKNOWN_ORDER)
    fill_at = next(i for i, d in enumerate(found) if d.kind is Kind.UNKNOWN_FILL)
    await rec.act(order_at, Action.CANCEL)
    assert standin.by_id[back.down.stranger].status == "CANCELED"
    said = await rec.act(fill_at, Action.RECORD)
    assert f"order {back.down.foreign_filled}, placed elsewhere" in said
    ledger = back.engine.trading.ledger
    assert ledger is not None
    [recorded] = [json.loads(r.payload) for r in ledger.records(ACCOUNT)
                  if r.kind == "foreign_fill"]  # fmt: skip
    assert recorded["qty"] == "0.005" and recorded["order_id"] == str(back.down.foreign_filled)
    assert recorded["source"].startswith("Binance trade ")
    actions = [json.loads(r.payload)["action"] for r in ledger.records(ACCOUNT)
               if r.kind == "reconcile"]  # fmt: skip
    assert actions == ["cancel", "record"]
    with pytest.raises(Exception, match="already done"):
        await rec.act(fill_at, Action.IGNORE)
    again = await Reconciliation(back.engine, account, back.venue).start()
    assert not [d for d in again if d.kind in (Kind.UNKNOWN_FILL, Kind.UNKNOWN_ORDER)]


async def test_an_exchange_that_cannot_be_asked_leaves_the_account_stopped(
    back: Back, standin: BinanceRestStandIn
) -> None:
    account = back.engine.state.accounts[ACCOUNT]
    await standin.stop()  # the exchange is unreachable
    with pytest.raises(TradetermError):
        await Reconciliation(back.engine, account, back.venue).start()
    assert account.reconciling
    await back.engine.execute(Arm(ACCOUNT))
    with pytest.raises(OrderRejected, match="being reconciled"):
        await back.engine.execute(limit_buy("58000.00"))


async def test_accepting_an_order_the_exchange_no_longer_knows_ends_it_in_the_ledger(
    back: Back, standin: BinanceRestStandIn
) -> None:
    account = back.engine.state.accounts[ACCOUNT]
    gone = standin.orders.pop(back.down.cancelled)  # archived by the exchange meanwhile
    del standin.by_id[gone.order_id]
    rec = Reconciliation(back.engine, account, back.venue)
    found = await rec.start()
    [index] = [i for i, d in enumerate(found) if d.kind is Kind.MISSING]
    assert found[index].client_id == back.down.cancelled
    assert "Binance does not know it" in found[index].text
    assert account.orders[back.down.cancelled].is_open
    await rec.act(index, Action.ACCEPT)
    await back.engine.trading.writer.drain()
    order = account.orders[back.down.cancelled]
    assert order.status is OrderStatus.CANCELED
    assert order.reason == "Binance does not know it (reconciliation)"


async def test_a_recorded_foreign_fill_changes_position_and_balances_also_after_a_restart(
    back: Back, standin: BinanceRestStandIn, tmp_path: Path
) -> None:
    account = back.engine.state.accounts[ACCOUNT]
    btc, usdt = account.balance("BTC").total, account.balance("USDT").total
    held = account.position("BTC/USDT").qty
    rec = Reconciliation(back.engine, account, back.venue)
    found = await rec.start()
    fill_at = next(i for i, d in enumerate(found) if d.kind is Kind.UNKNOWN_FILL)
    trade = found[fill_at].trade
    assert trade is not None and trade.side == "buy"
    await rec.act(fill_at, Action.RECORD)
    assert account.position("BTC/USDT").qty == held + trade.qty
    assert account.balance("BTC").total == btc + trade.qty
    assert account.balance("USDT").total == usdt - trade.qty * trade.price
    assert any(f.fill_id.endswith(trade.trade_id) for f in account.fills)
    shown = (account.position("BTC/USDT").qty, account.balance("BTC").total,
             account.balance("USDT").total)  # fmt: skip
    await back.venue.close()
    await back.engine.stop()

    again, venue = make_engine(standin, tmp_path / "ledger.sqlite")
    await again.start()  # the ledger alone: no poll of the exchange yet
    try:
        restored = again.state.accounts[ACCOUNT]
        assert (restored.position("BTC/USDT").qty, restored.balance("BTC").total,
                restored.balance("USDT").total) == shown  # fmt: skip
        back_again = await Reconciliation(again, restored, venue).start()
        assert not [d for d in back_again if d.kind is Kind.UNKNOWN_FILL]  # not booked twice
    finally:
        await venue.close()
        await again.stop()
