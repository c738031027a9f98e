"""Every order action the workstation's keys can do, through ``Engine.execute`` alone, in a
process that never imports the UI. Run: ``python keyboard_actions.py DATA_DIR``; prints one
word per action done, then ``textual-absent`` if Textual was never loaded."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.book import Level
from tradeterm.domain.commands import (
    AmendOrder,
    CancelAll,
    CancelOrder,
    PlaceOco,
    PlaceOrder,
    ResetAccount,
    SelectSymbol,
    SetTradingState,
    SwitchAccount,
)
from tradeterm.domain.enums import OrderStatus, OrderType, Side, TradingState
from tradeterm.domain.events import BookChanged
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

D = Decimal
ETH = "ETH/USDT"
START = {"USDT": D("10000"), "ETH": D("2")}


def levels(pairs: list[tuple[str, str]]) -> list[Level]:
    return [(D(p), D(q)) for p, q in pairs]


async def main(data_dir: Path) -> None:
    clock = ManualClock()
    feed = SimFeed(clock, seed=5, rate=0, symbols=[ETH, "SOL/USDT"], history_minutes=5)
    specs = [AccountSpec("paper", balances=START, latency_ms=0), AccountSpec("other")]
    engine = Engine(clock, feed, specs, ledger=Ledger(data_dir / "ledger.sqlite"))
    for spec in specs:
        engine.attach_venue(
            spec.name, PaperVenue(spec.name, engine.view(engine.feed.venue), clock, latency_ms=0)
        )
    await engine.start()
    bids, asks = levels([("3000.00", "5")]), levels([("3001.00", "5")])
    engine.on_market(BookChanged(ETH, bids, asks, snapshot=True, ts_ns=clock.now_ns()))
    say = print

    async def run(command: object) -> object:
        result = await engine.execute(command)  # type: ignore[arg-type]
        await engine.trading.writer.drain()  # the venue's answers are journaled and applied
        return result

    def check(ok: bool, word: str) -> None:
        if not ok:
            raise SystemExit(f"{word} did not do what it should")
        say(word)

    buy = await run(PlaceOrder(ETH, Side.BUY, OrderType.LIMIT, qty=D("0.1"), price=D("2990")))
    assert isinstance(buy, Order)
    check(buy.status is OrderStatus.OPEN, "place")  # b, the ticket, :buy
    await run(AmendOrder(buy.client_id, price=D("2995"), qty=D("0.2")))  # e
    check((buy.price, buy.qty) == (D("2995"), D("0.2")), "amend")
    await run(AmendOrder(buy.client_id, price=buy.price + D("0.01")))  # + / - on a selected order
    check(buy.price == D("2995.01"), "move")
    await run(CancelOrder(buy.client_id))  # c
    check(buy.status is OrderStatus.CANCELED, "cancel")
    sells = [
        await run(PlaceOrder(ETH, Side.SELL, OrderType.LIMIT, qty=D("0.1"), price=D(p)))
        for p in ("3010", "3020")
    ]
    n = await run(CancelAll("*", side=Side.SELL))  # C, :cancel all sells
    check(n == 2 and all(o.status is OrderStatus.CANCELED for o in sells), "cancel-all-sells")  # type: ignore[union-attr]
    pair = await run(PlaceOco(ETH, Side.SELL, D("0.5"), D("3100"), D("2900")))  # :oco
    check(isinstance(pair, tuple) and pair[1].status is OrderStatus.EMULATED, "oco")  # type: ignore[index]
    entry = await run(
        PlaceOrder(
            ETH, Side.BUY, OrderType.MARKET, qty=D("0.1"), take_profit=D("3200"),
            stop_loss=D("2800"),
        )
    )  # fmt: skip
    await asyncio.sleep(0.05)  # the exit pair is placed once the entry filled
    exits = [o for o in engine.state.account.orders.values() if o.group == entry.client_id]  # type: ignore[union-attr]
    check(len(exits) == 2, "bracket")
    await run(SwitchAccount("other"))  # a
    check(engine.state.active_account == "other", "switch")
    await run(SelectSymbol("SOL/USDT"))  # /, a scanner row
    check(engine.state.active_symbol == "SOL/USDT", "select")
    for word, state in (
        ("halt", TradingState.HALTED),
        ("reduce", TradingState.REDUCING),
        ("resume", TradingState.ACTIVE),
    ):
        await run(SetTradingState(state, account="paper"))  # :halt, :reduce, :resume
        check(engine.state.accounts["paper"].trading_state is state, word)
    await run(ResetAccount("paper"))  # :reset
    check(engine.state.accounts["paper"].open_orders() == [], "reset")
    await engine.stop()
    say("textual-absent" if "textual" not in sys.modules else "textual-LOADED")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
