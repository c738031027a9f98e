"""Keys never reach a file: every file written during a live session is searched for them."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from live_kit import ACCOUNT, API_KEY, SECRET, make_engine

from tradeterm.domain.commands import AmendOrder, Arm, CancelOrder, Disarm, PlaceOrder
from tradeterm.domain.enums import OrderType, Side
from tradeterm.logsetup import setup_logging


async def test_no_file_written_in_a_live_session_holds_the_key_or_secret(
    standin, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    book = setup_logging(data / "logs", "debug")
    everything: list[str] = []  # what a handler on the root logger would write (a user's own)
    catch_all = logging.Handler(logging.DEBUG)
    catch_all.emit = lambda record: everything.append(record.getMessage())  # type: ignore[method-assign]
    root = logging.getLogger()
    root.addHandler(catch_all)
    root_level = root.level
    root.setLevel(logging.DEBUG)
    engine, venue = make_engine(standin, data / "ledger.sqlite")
    await engine.start()
    try:
        await venue.poll()
        await engine.execute(Arm(ACCOUNT))
        buy = PlaceOrder(
            "BTC/USDT",
            Side.BUY,
            OrderType.LIMIT,
            qty=Decimal("0.01"),
            price=Decimal("60000.00"),
            account=ACCOUNT,
        )
        order = await engine.place(buy)
        await engine.trading.writer.drain()
        await engine.execute(AmendOrder(order.client_id, price=Decimal("60001.00")))
        standin.trade("BTC/USDT", Decimal("60001.00"), Decimal("0.004"))
        await venue.poll()
        await engine.execute(CancelOrder(order.client_id))
        standin.fail_next = (400, -2010, "Account has insufficient balance for requested action.")
        await engine.place(buy)
        await venue.poll()
        await engine.execute(Disarm())
    finally:
        await venue.close()
        await engine.stop()
        root.removeHandler(catch_all)
        root.setLevel(root_level)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in written) and any("ledger" in p.name for p in written)
    for path in written:
        content = path.read_bytes()
        assert API_KEY.encode() not in content, path
        assert SECRET.encode() not in content, path
    shown = "\n".join(entry.message for entry in book.entries)  # the log pane's lines
    assert "insufficient balance" in shown  # the refused order was logged...
    assert API_KEY not in shown and SECRET not in shown  # ...without the keys
    heard = "\n".join(everything)  # ccxt logs request headers (the key) at DEBUG: kept quiet
    assert API_KEY not in heard and SECRET not in heard
