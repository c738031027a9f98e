"""The UI bridge: turns engine events into dirty flags that the refresh tick acts on.

Handlers only add names to a set, so a feed of any rate costs the UI almost
nothing; drawing happens on the tick, at most once per pane per frame. ``scan_due`` says
the market changed since the scanner's last pass (see ``ui/scanning.py``). While the tick
runs the set is a plain ``set`` (its ``add`` in C: the handlers run for every market event,
tens of thousands a second on a busy feed); only while the tick idles is it a ``DirtySet``
that wakes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import Self

from tradeterm.domain.enums import OrderStatus, OrderType
from tradeterm.domain.events import (
    AccountReset,
    AccountSwitched,
    BalancesChanged,
    BookChanged,
    CandlesLoaded,
    CandleUpdated,
    FeedStateChanged,
    MarketsLoaded,
    OrderFilled,
    OrderUpdated,
    SymbolSelected,
    TickerUpdated,
    TradePrinted,
    TradingStateChanged,
)
from tradeterm.engine.engine import Engine
from tradeterm.engine.order_log import expired_words, order_text
from tradeterm.ui.layout import ALL


class DirtySet(set[str]):
    """Names of panes to redraw. While the refresh tick idles, ``wake`` is set and the first
    name added calls it."""

    def __init__(self, names: Iterable[str] = (), wake: Callable[[], None] | None = None):
        super().__init__(names)
        self.wake = wake

    def add(self, name: str) -> None:
        super().add(name)
        if self.wake is not None:
            self.wake()

    def __ior__(self, names: AbstractSet[str]) -> Self:  # type: ignore[override, misc]
        super().__ior__(names)
        if self.wake is not None:
            self.wake()
        return self


class UiBridge:
    """Subscribes to the engine's bus and records which panes need a redraw."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dirty: set[str] = set(ALL)
        self._wake: Callable[[], None] | None = None
        self.on_manual_order: Callable[[], None] | None = None
        """Called when an order the user placed (no strategy or algo tag) changes."""
        self.notices: list[str] = []
        self.scan_due = True
        self._told: set[tuple[str, str]] = set()
        self._trailing: dict[str, str] = {}  # open trailing stops: client id -> symbol
        bus = engine.bus
        bus.subscribe(BookChanged, self._on_book)
        bus.subscribe(TradePrinted, self._on_trade)
        bus.subscribe(TickerUpdated, self._on_ticker)
        bus.subscribe(CandleUpdated, self._on_candle)
        bus.subscribe(CandlesLoaded, self._on_candle)
        bus.subscribe(FeedStateChanged, self._on_status)
        bus.subscribe(MarketsLoaded, self._on_markets)
        bus.subscribe(SymbolSelected, self._on_everything)
        bus.subscribe(AccountSwitched, self._on_everything)
        bus.subscribe(AccountReset, self._on_everything)
        bus.subscribe(TradingStateChanged, self._on_status)
        bus.subscribe(BalancesChanged, self._on_account)
        bus.subscribe(OrderUpdated, self._on_order)
        bus.subscribe(OrderFilled, self._on_fill)

    def take_notices(self) -> list[str]:
        """Refusals that came back from a venue after an order was sent, and orders that
        expired (a killed FOK, an IOC's remainder), to show once."""
        notices, self.notices = self.notices, []
        return notices

    def take(self) -> set[str]:
        """The panes to redraw since the last call (and forget them)."""
        dirty = self.dirty
        self.dirty = set() if self._wake is None else DirtySet(wake=self._wake)
        return dirty

    def set_wake(self, wake: Callable[[], None] | None) -> None:
        """Call ``wake`` when a pane next needs a redraw (None: stop calling it)."""
        self._wake = wake
        dirty = self.dirty
        if isinstance(dirty, DirtySet):  # (a handler may be adding to it: the same set)
            dirty.wake = wake  # None: a plain set again from the next take
        elif wake is not None:
            self.dirty = DirtySet(dirty, wake)

    def _on_book(self, event: BookChanged) -> None:
        self.scan_due = True
        dirty = self.dirty
        dirty.add("scanner")
        state = self.engine.state
        active = state.active
        if event.symbol == active.symbol and event.venue == active.venue:
            dirty.add("book")
        account = state.account
        if event.symbol in account.positions and event.venue == account.spec.venue:
            dirty.add("positions")

    def _on_trade(self, event: TradePrinted) -> None:
        symbol = event.trade.symbol
        active = self.engine.state.active
        if symbol == active.symbol and event.venue == active.venue:
            self.dirty.add("tape")
        if self._trailing and symbol in self._trailing.values():
            self.dirty.add("orders")  # a trade may have moved a trailing stop

    def _on_ticker(self, event: TickerUpdated) -> None:
        self.scan_due = True
        dirty = self.dirty
        dirty.add("scanner")
        active = self.engine.state.active
        if event.ticker.symbol == active.symbol and event.venue == active.venue:
            dirty.add("status")

    def _on_candle(self, event: CandleUpdated | CandlesLoaded) -> None:
        self.scan_due = True
        dirty = self.dirty
        dirty.add("scanner")
        active = self.engine.state.active
        if event.symbol == active.symbol and event.venue == active.venue:
            dirty.add("chart")

    def _on_status(self, _event: object) -> None:
        self.dirty.add("status")

    def _on_everything(self, _event: object) -> None:
        self.dirty |= ALL

    def _on_markets(self, _event: object) -> None:
        self.scan_due = True
        self.dirty |= ALL

    def _on_account(self, _event: object) -> None:
        self.dirty |= {"positions", "status"}

    def _on_order(self, event: OrderUpdated) -> None:
        # "own": the ladder's own-order markers, recomputed only when orders change
        self.dirty |= {"orders", "own", "positions"}
        order = event.order
        if not order.tag and self.on_manual_order is not None:
            self.on_manual_order()
        if order.type is OrderType.TRAILING_STOP:
            if order.is_open:
                self._trailing[order.client_id] = order.symbol
            else:
                self._trailing.pop(order.client_id, None)
        refused = order.status is OrderStatus.REJECTED or order.reason.startswith("amend")
        expired = order.status is OrderStatus.EXPIRED
        if (expired or refused) and (order.client_id, order.reason) not in self._told:
            self._told.add((order.client_id, order.reason))
            market = self.engine.state.markets.get(self.engine.state.order_instrument(order))
            reason = f": {order.reason}" if order.reason else ""
            if expired and market is not None:
                words = expired_words(order, market)
                self.notices.append(f"{order_text(order, market)} {words}{reason}")
            elif order.reason:
                what = f"{order.account}: {order.side.value} {order.qty} {order.symbol}"
                self.notices.append(f"{what} ({order.client_id}) refused by the venue{reason}")

    def _on_fill(self, _event: object) -> None:
        self.dirty |= {"fills", "positions", "chart"}
