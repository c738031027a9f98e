"""PaperVenue: the ExecutionVenue that fills orders honestly against any market-data feed.

Latency: every submit, cancel and amend becomes an action due ``latency_ms``
after the call, with a timer on the venue's clock for that moment (on the
simulated clock it fires when the clock passes it, so in a deterministic run
an order arrives at exactly its simulated time). Due actions run in due order,
ties in the order they were requested, whenever ``poll`` runs: from those
timers, and at the start of every market event the venue handles (on the live
clock the loop may not have run a due timer yet). So a cancel can lose the
race against a fill that happens while it travels; that fill is emitted
normally and the late cancel emits nothing. With ``latency_ms=0`` the action
happens inside ``submit``/``cancel``/``amend``.

A due action that a market event's handler finds runs against the book as it
is then: the handler polls *after* the engine applied the event to the book.
A print comes before the depth update that shows what it took, so the venue
marks that liquidity consumed before it polls.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Callable
from decimal import Decimal
from itertools import count

from tradeterm.domain.enums import AccountMode, FillModel, OrderType, Side
from tradeterm.domain.errors import OrderRejected, TradetermError
from tradeterm.domain.events import BookChanged, ExecutionEvent, TradePrinted
from tradeterm.domain.orders import Order, amend_keeps_queue
from tradeterm.engine.clock import Clock
from tradeterm.engine.ports import ExecutionSink, MarketView
from tradeterm.venues.paper.executor import Executor
from tradeterm.venues.paper.model import (
    LIMIT_PRICED,
    RESTING,
    TRIGGERED,
    PaperOrder,
)
from tradeterm.venues.paper.reactions import record_print

log = logging.getLogger("tradeterm.venues.paper")

NATIVE_TYPES: frozenset[OrderType] = frozenset(
    {
        OrderType.MARKET,
        OrderType.LIMIT,
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.TAKE_PROFIT_MARKET,
        OrderType.TAKE_PROFIT_LIMIT,
    }
)


class PaperVenue:
    """A paper trading account's venue: a matching engine over the engine's live books.

    Args:
        name: the venue (account) name; fill ids start with it.
        view: read access to markets and books, and the market-event subscription.
        clock: where latency deadlines and event timestamps come from.
        fill_model: how resting orders trade (see ``tradeterm.venues.paper.queue``).
        latency_ms: delay between a request and its arrival at the book.
    """

    mode = AccountMode.PAPER
    native_types = NATIVE_TYPES
    amend_keeps_queue = staticmethod(amend_keeps_queue)

    def __init__(
        self,
        name: str,
        view: MarketView,
        clock: Clock,
        *,
        fill_model: FillModel = FillModel.REALISTIC,
        latency_ms: int = 50,
    ) -> None:
        if latency_ms < 0:
            raise TradetermError(f"paper latency must be 0 ms or more, got {latency_ms}")
        self.name = name
        self.view = view
        self.clock = clock
        self.fill_model = fill_model
        self.latency_ns = latency_ms * 1_000_000
        self._sink: ExecutionSink | None = None
        self._executor = Executor(name, view, clock, fill_model, self._emit)
        self._symbols = self._executor.symbols
        self._due: list[tuple[int, int, Callable[[], None]]] = []
        self._order_seq = count(1)
        self._due_seq = count()
        self._unsubscribe: list[Callable[[], None]] = []

    # --- wiring ----------------------------------------------------------------

    def bind(self, sink: ExecutionSink) -> None:
        """Send order events to ``sink`` and start watching books and trades. Once only."""
        if self._sink is not None:
            raise TradetermError(f"paper venue {self.name!r} is already bound")
        self._sink = sink
        self._unsubscribe = [
            self.view.subscribe(BookChanged, self._on_book),
            self.view.subscribe(TradePrinted, self._on_trade),
        ]

    def close(self) -> None:
        """Stop watching market events (orders stay where they are)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def _emit(self, event: ExecutionEvent) -> None:
        if self._sink is None:
            log.error("paper venue %s is not bound; dropped %s", self.name, event)
            return
        self._sink.on_execution(event)

    # --- the ExecutionVenue port ---------------------------------------------------

    async def submit(self, order: Order) -> None:
        """Send a new order; it reaches the book after the latency.

        What depends on the book is decided on arrival, since the book moves
        while the order travels: no book for the symbol yet, or a post-only
        order that would take, gives an ``OrderRejected`` event then.

        Raises:
            OrderRejected: unknown symbol, a type this venue does not handle, a
                duplicate client id, or a missing limit or trigger price.
        """
        if order.type not in NATIVE_TYPES:
            raise OrderRejected(
                f"the paper venue does not handle {order.type.value} orders natively"
            )
        if self.view.market(order.symbol) is None:
            raise OrderRejected(f"unknown symbol {order.symbol} on paper venue {self.name}")
        if order.client_id in self._executor.orders:
            raise OrderRejected(f"an order with client id {order.client_id} is already open")
        if order.type in LIMIT_PRICED and order.price is None:
            raise OrderRejected(f"a {order.type.value} order needs a limit price")
        if order.type in TRIGGERED and order.stop_price is None:
            raise OrderRejected(f"a {order.type.value} order needs a trigger price")
        seq = next(self._order_seq)
        paper = PaperOrder.from_order(order, seq, self._executor.order_id(seq))
        self._executor.register(paper)
        self._later(lambda: self._executor.arrive(paper))

    async def cancel(self, order: Order) -> None:
        """Ask to cancel; ``OrderCanceled`` follows on arrival unless the order is done by then."""
        client_id = order.client_id
        self._later(lambda: self._executor.cancel(client_id))

    async def amend(self, order: Order, price: Decimal | None, qty: Decimal) -> None:
        """Change price and/or quantity; ``OrderAmended`` follows on arrival.

        What can only be known on arrival is refused then with an ``OrderRejected``
        event whose reason starts with "amend rejected:", and the order stays as it
        was: a quantity that fills during the latency made not above the filled
        part, or a post-only order moved across the book.

        Raises:
            OrderRejected: a zero or negative quantity, a quantity not above what
                has filled already, or a price for an order type without one.
        """
        if qty <= 0:
            raise OrderRejected(f"quantity must be above zero, got {qty}")
        if price is not None and order.type not in LIMIT_PRICED:
            raise OrderRejected(f"a {order.type.value} order has no limit price to change")
        paper = self._executor.orders.get(order.client_id)
        if paper is not None and qty <= paper.filled:
            raise OrderRejected(f"new quantity {qty} must be above the filled {paper.filled}")
        client_id = order.client_id
        self._later(lambda: self._executor.amend(client_id, price, qty))

    def restore(
        self, order: Order, queue_ahead: Decimal | None, *, triggered: bool = False
    ) -> None:
        """Put an open order back after a restart, without latency.

        A limit order rests at its price: at ``queue_ahead`` when given (clamped
        to the level's size once the book is known), else at the back of the
        queue. A stop or take-profit goes back to waiting unless it had
        triggered (``triggered``, ``order.triggered_ns`` as the engine
        records ``OrderTriggered``, or anything of it filled), in which case a
        limit one rests. A market-like or IOC/FOK order cannot have survived
        the restart: it gets ``OrderExpired``.
        """
        if order.type not in NATIVE_TYPES:
            raise OrderRejected(
                f"the paper venue does not handle {order.type.value} orders natively"
            )
        seq = next(self._order_seq)
        venue_order_id = order.venue_order_id or self._executor.order_id(seq)
        paper = PaperOrder.from_order(order, seq, venue_order_id)
        paper.triggered = paper.has_trigger and (
            triggered or order.filled > 0 or order.triggered_ns != 0
        )
        self._executor.restore(paper, queue_ahead)

    # --- latency -----------------------------------------------------------------

    def _later(self, action: Callable[[], None]) -> None:
        if not self.latency_ns:
            self.poll()
            action()
            return
        due = self.clock.now_ns() + self.latency_ns
        heapq.heappush(self._due, (due, next(self._due_seq), action))
        self.clock.call_at(due, lambda: self.poll(due))

    def poll(self, now_ns: int | None = None) -> None:
        """Run every action due by ``now_ns`` (default: the clock's now), in due order."""
        due = self._due
        if not due:
            return
        now = self.clock.now_ns() if now_ns is None else now_ns
        while due and due[0][0] <= now:
            _, _, action = heapq.heappop(due)
            try:
                action()
            except Exception:
                log.exception("paper venue %s: a delayed action failed", self.name)

    async def run(self) -> None:
        """Nothing to do until cancelled: delayed actions run from timers on the clock."""
        await asyncio.get_running_loop().create_future()

    @property
    def in_flight(self) -> int:
        """How many requests are still travelling to the book."""
        return len(self._due)

    # --- market events -------------------------------------------------------------

    def _on_book(self, event: BookChanged) -> None:
        try:
            if self._due:
                self.poll()
            st = self._symbols.get(event.symbol)
            if st is not None:  # no orders, prints or memory for this symbol yet
                self._executor.on_book(st, event)
        except Exception:
            log.exception("paper venue %s failed on a book update for %s", self.name, event.symbol)

    def _on_trade(self, event: TradePrinted) -> None:
        trade = event.trade
        try:
            # before any due request acts on the print: none may take what the print took
            st = self._executor.state(trade.symbol)
            record_print(st, trade)
            if self._due:
                self.poll()
            self._executor.on_trade(st, trade)
        except Exception:
            log.exception("paper venue %s failed on a trade in %s", self.name, event.trade.symbol)

    # --- for the UI ------------------------------------------------------------------

    def queue_ahead(self, client_id: str) -> Decimal | None:
        """Size ahead of a resting order (realistic model only), else None.

        None also while the order travels, waits for its trigger, or rests on
        a book the venue has not seen yet.
        """
        order = self._executor.orders.get(client_id)
        if (
            order is None
            or order.phase is not RESTING
            or order.queue_unknown
            or not self._executor.tracks_queue
        ):
            return None
        return order.queue_ahead

    def resting(self, symbol: str) -> list[tuple[str, Side, Decimal, Decimal]]:
        """Orders on the book as ``(client_id, side, price, remaining)``: bids best
        first, then asks best first, each price in time priority."""
        st = self._symbols.get(symbol)
        if st is None:
            return []
        out: list[tuple[str, Side, Decimal, Decimal]] = []
        for order in st.resting():
            assert order.price is not None
            out.append((order.client_id, order.side, order.price, order.remaining))
        return out
