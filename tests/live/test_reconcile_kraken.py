"""Reconciliation against the Kraken stand-in through the real ccxt code: after a restart,
an order filled while tradeterm was down, one cancelled on Kraken's website and one placed
there that tradeterm never knew are listed; adopting and cancelling act on the exchange."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from kraken_rest_standin import KrakenRestStandIn
from test_kraken_orders import KEY, NAME, SECRET, limit_buy, make_engine

from tradeterm.domain.commands import Arm
from tradeterm.domain.enums import OrderStatus, Side
from tradeterm.engine.engine import Engine
from tradeterm.engine.reconcile import Action, Kind
from tradeterm.engine.reconciling import Reconciliation
from tradeterm.venues.ccxt import CcxtVenue


@dataclass
class Back:
    engine: Engine
    venue: CcxtVenue
    filled: str
    cancelled: str
    stranger: str


@pytest.fixture
async def back(tmp_path: Path) -> AsyncIterator[tuple[KrakenRestStandIn, Back]]:
    kraken = KrakenRestStandIn(KEY, SECRET, {"USDT": Decimal("5000"), "BTC": Decimal("0.5")})
    await kraken.start()
    ledger = tmp_path / "ledger.sqlite"
    engine, venue = make_engine(kraken, ledger)  # a session that leaves two orders open
    await engine.start()
    await venue.poll()
    await engine.execute(Arm(NAME))
    filled = await engine.place(limit_buy("100000.0"))
    cancelled = await engine.place(limit_buy("90000.0"))
    await engine.trading.writer.drain()
    await venue.close()
    await engine.stop()
    # while tradeterm is down
    kraken.trade("BTC/USDT", Decimal("99990.0"), Decimal("1"))  # fills the first buy
    await kraken.cancel_on_website(cancelled.client_id)
    stranger = await kraken.place_on_website("sell", "0.02", "150000.0")
    engine, venue = make_engine(kraken, ledger)
    await engine.start()
    yield kraken, Back(engine, venue, filled.client_id, cancelled.client_id, stranger)
    await venue.close()
    await engine.stop()
    await kraken.stop()


async def test_a_restart_lists_what_happened_on_kraken_while_down(
    back: tuple[KrakenRestStandIn, Back],
) -> None:
    kraken, down = back
    account = down.engine.state.accounts[NAME]
    assert account.orders[down.filled].is_open and account.orders[down.cancelled].is_open
    found = await Reconciliation(down.engine, account, down.venue).start()
    kinds = {d.kind: d for d in found if d.kind is not Kind.BALANCE}
    assert set(kinds) == {Kind.FILLED_WHILE_DOWN, Kind.CANCELED_ELSEWHERE, Kind.UNKNOWN_ORDER}
    assert kinds[Kind.FILLED_WHILE_DOWN].client_id == down.filled
    assert kinds[Kind.CANCELED_ELSEWHERE].client_id == down.cancelled
    stranger = kinds[Kind.UNKNOWN_ORDER].order
    assert stranger is not None and stranger.exchange_id == down.stranger
    assert stranger.side == "sell" and stranger.qty == Decimal("0.02")
    balance = [d for d in found if d.kind is Kind.BALANCE and d.symbol == "BTC"]
    assert balance and "0.51 at Kraken, 0.5 in the ledger" in balance[0].text
    assert kraken.by_id[down.stranger].status == "NEW"  # looking changed nothing


async def test_the_unknown_order_is_adopted_or_cancelled_on_kraken(
    back: tuple[KrakenRestStandIn, Back],
) -> None:
    kraken, down = back
    account = down.engine.state.accounts[NAME]
    rec = Reconciliation(down.engine, account, down.venue)
    found = await rec.start()
    at = next(i for i, d in enumerate(found) if d.kind is Kind.UNKNOWN_ORDER)
    assert "tradeterm follows it now" in await rec.act(at, Action.ADOPT)
    [adopted] = [o for o in account.orders.values() if o.venue_order_id == down.stranger]
    assert adopted.status is OrderStatus.OPEN and adopted.side is Side.SELL
    kraken.trade("BTC/USDT", Decimal("150001.0"), Decimal("1"))  # a print through its price
    await down.venue.poll()
    await down.engine.trading.writer.drain()
    assert adopted.status is OrderStatus.FILLED and adopted.filled == Decimal("0.02")
    other = await kraken.place_on_website("sell", "0.01", "160000.0")
    rec = Reconciliation(down.engine, account, down.venue)
    found = await rec.start()
    at = next(i for i, d in enumerate(found) if d.kind is Kind.UNKNOWN_ORDER)
    await rec.act(at, Action.CANCEL)
    assert kraken.by_id[other].status == "CANCELED"
