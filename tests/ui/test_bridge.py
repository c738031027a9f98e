"""The UI bridge records which panes a market event touches, wakes a resting refresh tick on
the first of them, and loses no pane when the tick wakes in the middle of an event."""

from __future__ import annotations

from decimal import Decimal

from tradeterm.domain.enums import Side
from tradeterm.domain.events import BookChanged, CandleUpdated, TradePrinted
from tradeterm.domain.market_data import Candle, Trade
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.ui.bridge import UiBridge
from tradeterm.venues.sim.feed import SimFeed


async def started_bridge() -> tuple[Engine, UiBridge]:
    clock = ManualClock(0)
    engine = Engine(clock, SimFeed(clock, seed=7), [AccountSpec("paper")])
    await engine.start()
    bridge = UiBridge(engine)
    bridge.take()  # the first frame draws everything
    return engine, bridge


def trade(symbol: str) -> Trade:
    return Trade(symbol, Decimal(100), Decimal(1), Side.BUY, 1)


async def test_events_mark_the_panes_they_touch_and_only_those() -> None:
    engine, bridge = await started_bridge()
    active = engine.state.active
    other = next(i for i in engine.state.markets if i != active)
    candle = Candle(0, Decimal(1), Decimal(1), Decimal(1), Decimal(1), Decimal(1))
    publish = engine.bus.publish

    publish(TradePrinted(trade(other.symbol), other.venue))
    publish(CandleUpdated(other.symbol, candle, venue=other.venue))
    assert bridge.take() == {"scanner"}  # another symbol's candle: the scanner alone
    publish(TradePrinted(trade(active.symbol), active.venue))
    publish(CandleUpdated(active.symbol, candle, venue=active.venue))
    assert bridge.take() == {"tape", "scanner", "chart"}
    publish(BookChanged(active.symbol, [(Decimal(99), Decimal(1))], [], venue=active.venue))
    assert bridge.take() == {"scanner", "book"}
    publish(TradePrinted(trade(active.symbol), "elsewhere"))  # same symbol, another venue
    assert bridge.take() == set()


async def test_a_resting_tick_is_woken_once_and_no_pane_of_that_event_is_lost() -> None:
    engine, bridge = await started_bridge()
    active = engine.state.active
    woken: list[set[str]] = []

    def wake() -> None:  # as the refresh tick does: back to the frame rate, no more wakes
        woken.append(set(bridge.dirty))
        bridge.set_wake(None)

    def book(price: int) -> BookChanged:
        return BookChanged(active.symbol, [(Decimal(price), Decimal(1))], [], venue=active.venue)

    bridge.set_wake(wake)
    engine.bus.publish(book(99))
    assert woken == [{"scanner"}]  # the event's first pane woke it ...
    assert bridge.take() == {"scanner", "book"}  # ... and the pane added after it is kept
    engine.bus.publish(book(98))
    assert len(woken) == 1  # awake: no further wakes
    assert bridge.take() == {"scanner", "book"}
