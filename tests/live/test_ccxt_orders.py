"""Live orders end to end: command -> risk -> CcxtVenue -> real ccxt -> Binance stand-in ->
polling -> ledger, and what goes wrong on the way (disarmed, timeout, errors, late fills)."""

from __future__ import annotations

import decimal
import json
from decimal import Decimal

import pytest
from live_kit import ACCOUNT, LiveRig

from tradeterm.domain.commands import AmendOrder, Arm, CancelOrder, PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.errors import OrderRejected


def limit_buy(price: str, qty: str = "0.01") -> PlaceOrder:
    return PlaceOrder(
        "BTC/USDT",
        Side.BUY,
        OrderType.LIMIT,
        qty=Decimal(qty),
        price=Decimal(price),
        account=ACCOUNT,
    )


async def settle(rig: LiveRig) -> None:
    await rig.engine.trading.writer.drain()


async def test_balances_come_from_the_exchange(rig: LiveRig) -> None:
    account = rig.engine.state.accounts[ACCOUNT]
    assert account.balances["USDT"].total == rig.standin.balances["USDT"]
    assert account.balances["BTC"].total == rig.standin.balances["BTC"]


async def test_disarmed_order_is_refused_and_nothing_reaches_the_exchange(rig: LiveRig) -> None:
    with pytest.raises(OrderRejected) as refused:
        await rig.engine.execute(limit_buy("60000"))
    assert "DISARMED" in str(refused.value)
    assert ":arm" in str(refused.value)
    assert rig.standin.posts() == []


async def test_armed_order_goes_to_the_exchange_and_its_fill_reaches_the_ledger(
    rig: LiveRig,
) -> None:
    await rig.engine.execute(Arm(ACCOUNT))
    order = await rig.engine.place(limit_buy("60000.00"))
    await settle(rig)
    [sent] = rig.standin.posts()
    assert sent["newClientOrderId"] == order.client_id
    assert sent["price"] == "60000" and sent["quantity"] == "0.01"
    assert order.status is OrderStatus.OPEN
    assert order.venue_order_id == str(rig.standin.orders[order.client_id].order_id)
    rig.standin.trade("BTC/USDT", Decimal("59990.00"), Decimal("1"))
    await rig.venue.poll()
    await settle(rig)
    assert order.status is OrderStatus.FILLED
    assert order.filled == Decimal("0.01")
    account = rig.engine.state.accounts[ACCOUNT]
    assert account.balances["BTC"].total == Decimal("0.51")
    kinds = [
        (r.kind, json.loads(r.payload).get("status"))
        for r in rig.engine.trading.ledger.records()
        if r.client_id == order.client_id
    ]
    assert kinds[0] == ("placed", "submitted")
    assert [k for k, _ in kinds] == ["placed", "accepted", "filled"]


async def test_a_timeout_after_the_exchange_accepted_is_looked_up_not_resent(
    standin, tmp_path
) -> None:
    from live_kit import make_engine

    engine, venue = make_engine(standin, tmp_path / "ledger.sqlite", timeout_ms=300)
    await engine.start()
    try:
        await venue.poll()
        await engine.execute(Arm(ACCOUNT))
        standin.answer_delay_s = 1.0  # accepted at once, answered after the client gave up
        order = await engine.place(limit_buy("60000.00"))
        await engine.trading.writer.drain()
        assert len(standin.posts()) == 1
        assert order.status is OrderStatus.OPEN
        assert order.venue_order_id == str(standin.orders[order.client_id].order_id)
        lookups = [p for m, path, p in standin.requests if m == "GET" and path == "order"]
        assert lookups and lookups[0]["origClientOrderId"] == order.client_id
        await venue.poll()
        assert len(standin.posts()) == 1
    finally:
        await venue.close()
        await engine.stop()


async def test_an_exchange_error_is_shown_in_plain_words(rig: LiveRig) -> None:
    await rig.engine.execute(Arm(ACCOUNT))
    rig.standin.fail_next = (400, -2010, "Account has insufficient balance for requested action.")
    order = await rig.engine.place(limit_buy("60000.00"))
    await settle(rig)
    assert order.status is OrderStatus.REJECTED
    assert order.reason == "Binance: insufficient balance for this order (code -2010)"


async def test_a_fill_reported_after_the_cancel_still_lands(rig: LiveRig) -> None:
    await rig.engine.execute(Arm(ACCOUNT))
    order = await rig.engine.place(limit_buy("60000.00", "0.02"))
    rig.standin.hold_trades = True  # the exchange's trade list lags its order state
    rig.standin.trade("BTC/USDT", Decimal("60000.00"), Decimal("0.005"))
    await rig.engine.execute(CancelOrder(order.client_id))
    await settle(rig)
    assert order.status is OrderStatus.CANCELED
    assert order.filled == 0
    rig.standin.release_trades()
    await rig.venue.poll()
    await settle(rig)
    assert order.status is OrderStatus.CANCELED
    assert order.filled == Decimal("0.005")
    account = rig.engine.state.accounts[ACCOUNT]
    assert account.balances["BTC"].total == Decimal("0.505")
    assert account.balances["USDT"].reserved == 0


async def test_amend_uses_binance_cancel_replace_under_the_same_client_id(rig: LiveRig) -> None:
    await rig.engine.execute(Arm(ACCOUNT))
    order = await rig.engine.place(limit_buy("60000.00"))
    await settle(rig)
    first_id = order.venue_order_id
    await rig.engine.execute(AmendOrder(order.client_id, price=Decimal("60100.00")))
    await settle(rig)
    [replace] = rig.standin.posts("order/cancelReplace")
    assert replace["newClientOrderId"] == order.client_id
    assert replace["cancelOrderId"] == first_id
    assert order.price == Decimal("60100.00")
    assert order.status is OrderStatus.OPEN
    [live] = [e for e in rig.standin.by_id.values() if e.status == "NEW"]
    assert live.order.price == Decimal("60100.00")
    assert live.order.client_id == order.client_id


async def test_an_order_unanswered_at_a_crash_is_found_by_client_id_after_restart(
    standin, tmp_path
) -> None:
    from live_kit import make_engine

    ledger = tmp_path / "ledger.sqlite"
    engine, venue = make_engine(standin, ledger, timeout_ms=300)
    await engine.start()
    await venue.poll()
    await engine.execute(Arm(ACCOUNT))

    async def crash(tracked: object) -> None:  # tradeterm dies before it looks the order up
        return None

    venue.tracker.lookup = crash  # type: ignore[method-assign]
    standin.answer_delay_s = 1.0
    order = await engine.place(limit_buy("60000.00"))
    await engine.trading.writer.drain()
    assert order.status is OrderStatus.SUBMITTED
    await venue.close()
    await engine.stop()

    again, venue2 = make_engine(standin, ledger)
    await again.start()
    try:
        restored = again.state.accounts[ACCOUNT].orders[order.client_id]
        assert restored.status is OrderStatus.SUBMITTED
        await venue2.poll()
        await again.trading.writer.drain()
        assert restored.status is OrderStatus.OPEN
        assert restored.venue_order_id == str(standin.orders[order.client_id].order_id)
        assert len(standin.posts()) == 1  # found, never sent again
    finally:
        await venue2.close()
        await again.stop()


async def test_an_order_the_exchange_never_got_is_reported_after_the_lookups(
    rig: LiveRig,
) -> None:
    await rig.engine.execute(Arm(ACCOUNT))
    standin = rig.standin
    standin.fail_next = (503, -1001, "Internal error; unable to process your request.")
    order = await rig.engine.place(limit_buy("60000.00"))
    await settle(rig)
    assert order.status is OrderStatus.SUBMITTED, order.reason  # no answer: it may be there
    for _ in range(rig.venue.tracker.lookup_polls):
        await rig.venue.poll()
    await settle(rig)
    assert order.status is OrderStatus.REJECTED
    assert "never received it" in order.reason
    assert len(standin.posts()) == 1


async def test_kill_with_the_exchange_down_says_what_is_still_open(rig: LiveRig) -> None:
    from tradeterm.domain.commands import Kill

    await rig.engine.execute(Arm(ACCOUNT))
    order = await rig.engine.place(limit_buy("60000.00"))
    await settle(rig)
    await rig.standin.stop()  # the exchange is unreachable
    said = await rig.engine.execute(Kill())
    assert isinstance(said, str)
    assert f"still open: {ACCOUNT} {order.client_id}" in said
    assert order.status is OrderStatus.OPEN  # a second :kill may cancel it


async def test_the_amend_preview_says_how_the_exchange_amends(rig: LiveRig) -> None:
    await rig.engine.execute(Arm(ACCOUNT))
    order = await rig.engine.place(limit_buy("60000.00"))
    said = rig.engine.amend_preview(order.client_id, None, Decimal("0.005"))
    assert "Binance's own edit" in said and "back of the queue" in said


async def test_a_restart_tells_the_truth_about_what_happened_while_down(
    standin, tmp_path, caplog
) -> None:
    """Filled while tradeterm was down, cancelled on the website, and an order it never
    knew: the first poll after the restart finds all three."""
    from live_kit import make_engine

    ledger = tmp_path / "ledger.sqlite"
    engine, venue = make_engine(standin, ledger)
    await engine.start()
    await venue.poll()
    await engine.execute(Arm(ACCOUNT))
    filled = await engine.place(limit_buy("60000.00"))
    cancelled = await engine.place(limit_buy("59000.00"))
    await engine.trading.writer.drain()
    await venue.close()
    await engine.stop()
    # while tradeterm is down
    standin.trade("BTC/USDT", Decimal("59999.00"), Decimal("1"))
    await standin.cancel_on_website(cancelled.client_id)
    stranger = await standin.place_on_website("SELL", "0.02", "70000.00")

    again, venue2 = make_engine(standin, ledger)
    await again.start()
    try:
        await venue2.poll()
        await again.trading.writer.drain()
        orders = again.state.accounts[ACCOUNT].orders
        assert orders[filled.client_id].status is OrderStatus.FILLED
        assert orders[filled.client_id].filled == Decimal("0.01")
        assert orders[cancelled.client_id].status is OrderStatus.CANCELED
        assert again.state.accounts[ACCOUNT].balances["BTC"].total == Decimal("0.51")
        assert str(stranger) in venue2.tracker.untracked
        assert any(f"open order {stranger}" in r.getMessage() for r in caplog.records)
        assert len(standin.posts()) == 2  # nothing was sent again
    finally:
        await venue2.close()
        await again.stop()


async def test_without_an_exchange_edit_amend_cancels_then_replaces_under_the_same_id(
    rig: LiveRig,
) -> None:
    await rig.engine.execute(Arm(ACCOUNT))
    order = await rig.engine.place(limit_buy("60000.00", "0.02"))
    await settle(rig)
    rig.venue.client.has["editOrder"] = False  # an exchange ccxt cannot edit on
    assert "cancelled, then placed again" in rig.engine.amend_preview(
        order.client_id, Decimal("60050.00"), Decimal("0.02")
    )
    await rig.engine.execute(AmendOrder(order.client_id, price=Decimal("60050.00")))
    await settle(rig)
    assert rig.standin.posts("order/cancelReplace") == []
    deletes = [p for m, path, p in rig.standin.requests if m == "DELETE" and path == "order"]
    assert [d["origClientOrderId"] for d in deletes] == [order.client_id]
    first, second = rig.standin.posts()
    assert first["newClientOrderId"] == second["newClientOrderId"] == order.client_id
    assert second["price"] == "60050"
    assert order.price == Decimal("60050.00") and order.status is OrderStatus.OPEN
    rig.standin.trade("BTC/USDT", Decimal("60040.00"), Decimal("1"))
    await rig.venue.poll()
    await settle(rig)
    assert order.status is OrderStatus.FILLED  # the replacement's fills reach the order


async def test_ccxt_never_changes_the_engines_decimal_context(rig: LiveRig) -> None:
    """ccxt turns on the Underflow trap and ROUND_HALF_UP in the context it runs in; the
    engine's own arithmetic must keep the default context (a tiny quantity is then refused
    in words, not with a decimal.Underflow)."""
    before = decimal.getcontext().copy()
    await rig.engine.execute(Arm(ACCOUNT))
    await rig.engine.place(limit_buy("60000.00"))
    await rig.venue.poll()
    after = decimal.getcontext()
    assert after.rounding == before.rounding == decimal.ROUND_HALF_EVEN
    assert not after.traps[decimal.Underflow]
    tiny = rig.engine.preview(limit_buy("60000.00", "1e-99999999"))
    assert any("not a multiple of lot" in p for p in tiny.problems)
