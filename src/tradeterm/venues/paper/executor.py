"""The paper matching engine proper: orders arriving, taking, resting, triggering and filling.

Everything here happens *now*; :class:`~tradeterm.venues.paper.venue.PaperVenue`
adds the latency around it. Events are emitted in the order an exchange would
send them:

* an order that will rest (GTC limit remainder) or wait for its trigger:
  ``OrderAccepted`` first, then any taker fills;
* market, IOC and FOK orders: their fills, then ``OrderExpired`` for a remainder;
* a trigger: ``OrderTriggered``, then the order works as a market or limit;
* ``QueueUpdated`` after the fills of the same market event, at most once per
  order per event, and only when the value changed.

The account's own orders never trade with each other, and its taker fills do
not move its own resting orders' queues: paper orders are invisible to the
public book they are matched against.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from itertools import count

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import FillModel, Liquidity
from tradeterm.domain.events import (
    BookChanged,
    ExecutionEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    QueueUpdated,
)
from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Trade
from tradeterm.domain.numbers import ZERO
from tradeterm.engine.clock import Clock
from tradeterm.engine.ports import MarketView
from tradeterm.venues.paper.matching import Take, available, beyond, post_only_reason, walk
from tradeterm.venues.paper.model import (
    DONE,
    FOK,
    GTC,
    MAKER,
    PENDING,
    RESTING,
    TAKER,
    WAITING,
    PaperOrder,
    SymbolState,
    base36,
    fee_for,
    keeps_queue,
)
from tradeterm.venues.paper.queue import RULES, Changed, Fills
from tradeterm.venues.paper.reactions import (
    depth_fills,
    print_fills,
    refresh_consumed,
)
from tradeterm.venues.paper.triggers import is_triggered, pop_triggered

log = logging.getLogger("tradeterm.venues.paper")

Emit = Callable[[ExecutionEvent], None]

IN_FLIGHT = "the order was in flight when the paper venue stopped; it was not executed"


class Executor:
    """Time-free matching for one paper account over the engine's books."""

    def __init__(
        self, name: str, view: MarketView, clock: Clock, fill_model: FillModel, emit: Emit
    ) -> None:
        self.name = name
        self.view = view
        self.clock = clock
        self.rules = RULES[fill_model]
        self.emit = emit
        self.orders: dict[str, PaperOrder] = {}
        self.symbols: dict[str, SymbolState] = {}
        self._fill_ids = count(1)
        self.tracks_queue = self.rules.tracks_queue
        # Ids stay unique across restarts of the same venue name: they carry the start time.
        self._session = f"{name}-{base36(clock.now_ns() // 1_000_000)}"
        self._fill_prefix = f"{self._session}-"

    def order_id(self, seq: int) -> str:
        """The venue order id of the ``seq``-th order of this session."""
        return f"{self._session}-o{seq}"

    def state(self, symbol: str) -> SymbolState:
        st = self.symbols.get(symbol)
        if st is None:
            st = self.symbols[symbol] = SymbolState(symbol)
        return st

    # --- orders --------------------------------------------------------------

    def register(self, order: PaperOrder) -> None:
        """Know an order from the moment it is sent (it arrives after the latency)."""
        self.orders[order.client_id] = order

    def arrive(self, order: PaperOrder) -> None:
        """The order reached the book: wait for its trigger, or work it now."""
        if order.phase is not PENDING:
            return  # cancelled while travelling
        if order.has_trigger:
            self._wait(order)
        else:
            self._work(order, accepted=False)

    def cancel(self, client_id: str) -> None:
        """The cancel reached the book: cancel what is left, if anything is."""
        order = self.orders.get(client_id)
        if order is None:
            log.debug("cancel of %s arrived after it was done; nothing to cancel", client_id)
            return
        self._finish(order)
        self.emit(OrderCanceled(client_id, "canceled", self.clock.now_ns()))

    def amend(self, client_id: str, price: Decimal | None, qty: Decimal) -> None:
        """The amend reached the book. Keeps the queue only for a smaller size at the same price."""
        order = self.orders.get(client_id)
        if order is None:
            log.debug("amend of %s arrived after it was done; nothing to amend", client_id)
            return
        now = self.clock.now_ns()
        if qty <= order.filled:
            reason = f"amend rejected: new quantity {qty} must be above the filled {order.filled}"
            self.emit(OrderRejected(client_id, reason, now))
            return
        kept = keeps_queue(order.price, order.qty, price, qty)
        new_price = order.price if price is None else price
        if order.phase is not RESTING or kept:
            order.qty, order.price = qty, new_price
            self.emit(OrderAmended(client_id, new_price, qty, kept, now))
            return
        assert new_price is not None
        book = self.view.book(order.symbol)
        st = self.state(order.symbol)
        if order.post_only and book is not None:
            cross = self._post_only_cross(order, new_price, book, st)
            if cross is not None:
                self.emit(OrderRejected(client_id, f"amend rejected: {cross}", now))
                return
        self._unrest(order, st)
        order.qty, order.price = qty, new_price
        self.emit(OrderAmended(client_id, new_price, qty, False, now))
        self._work(order, accepted=True)

    def restore(self, order: PaperOrder, queue_ahead: Decimal | None) -> None:
        """Put an open order back after a restart, without latency (once per client id)."""
        if order.client_id in self.orders:
            log.warning(
                "order %s is already on the paper book; not restored twice", order.client_id
            )
            return
        self.orders[order.client_id] = order
        st = self.state(order.symbol)
        if order.has_trigger and not order.triggered:
            order.phase = WAITING
            st.waiting.append(order)
            return
        if order.works_as_market or order.tif is not GTC or order.price is None:
            self._finish(order)
            self.emit(OrderExpired(order.client_id, IN_FLIGHT, self.clock.now_ns()))
            return
        self._rest(order, st, self.view.book(order.symbol), queue_ahead, restored=True)

    # --- market events -------------------------------------------------------

    def on_trade(self, st: SymbolState, trade: Trade) -> None:
        """After ``record_print``: fill resting orders the print reached, trigger stops."""
        price = st.last = trade.price
        if st.bids or st.asks:
            changed: Changed = []
            fills = print_fills(st, trade, self.rules, changed)
            if fills or changed:
                self._maker_fills(trade.symbol, fills, changed)
        if st.waiting:
            for order in pop_triggered(st.waiting, price):
                if order.phase is WAITING:
                    order.triggered = True
                    self.emit(OrderTriggered(order.client_id, self.clock.now_ns()))
                    self._work(order, accepted=True)

    def on_book(self, st: SymbolState, event: BookChanged) -> None:
        if event.snapshot or st.consumed_bids or st.consumed_asks:
            refresh_consumed(st, event)
        if st.bids or st.asks:
            changed: Changed = []
            fills = depth_fills(st, event, self.view.book, self.rules, changed)
            if fills or changed:
                self._maker_fills(event.symbol, fills, changed)

    # --- internals -------------------------------------------------------------

    def _wait(self, order: PaperOrder) -> None:
        st = self.state(order.symbol)
        order.phase = WAITING
        self.emit(OrderAccepted(order.client_id, order.venue_order_id, self.clock.now_ns()))
        if st.last is not None and is_triggered(order, st.last):
            order.triggered = True
            self.emit(OrderTriggered(order.client_id, self.clock.now_ns()))
            self._work(order, accepted=True)
        else:
            st.waiting.append(order)

    def _work(self, order: PaperOrder, accepted: bool) -> None:
        """Act on a market or limit order now: take what is there, then rest or expire the rest."""
        market = self.view.market(order.symbol)
        book = self.view.book(order.symbol)
        st = self.state(order.symbol)
        limit = None if order.works_as_market else order.price
        if market is None:
            self._end_unfilled(order, accepted, f"unknown symbol {order.symbol}")
            return
        if book is None or not (len(book.bids) or len(book.asks)):
            if limit is not None and accepted and order.tif is GTC:
                self._rest(order, st, book)
            else:
                self._end_unfilled(order, accepted, f"no order book for {order.symbol} yet")
            return
        is_buy = order.is_buy
        opposite = book.asks if is_buy else book.bids
        consumed = st.consumed_asks if is_buy else st.consumed_bids
        if order.post_only and limit is not None:
            reason = self._post_only_cross(order, limit, book, st)
            if reason is not None:
                self._end_unfilled(order, accepted, reason)
                return
        want = order.remaining
        if order.tif is FOK:
            free = available(opposite, consumed, limit, want)
            if free < want:
                where = "within the book" if limit is None else f"at {limit} or better"
                reason = f"FOK could not fill {want}: only {free} available {where}"
                self._finish(order)
                self.emit(OrderExpired(order.client_id, reason, self.clock.now_ns()))
                return
        rests = limit is not None and order.tif is GTC
        best = opposite.best()
        if best is None or (limit is not None and beyond(best, limit, opposite)):
            takes: list[Take] = []  # nothing to take: skip the walk
        else:
            budget = order.budget if is_buy and limit is None else None
            takes = walk(opposite, consumed, limit, want, budget, market.lot_size)
        if rests and not accepted and (not takes or sum(q for _, q in takes) < want):
            self.emit(OrderAccepted(order.client_id, order.venue_order_id, self.clock.now_ns()))
        for price, qty in takes:
            self._fill(order, market, price, qty, TAKER)
        if order.phase is DONE:
            return
        if rests:
            self._rest(order, st, book)
            return
        if limit is not None:
            reason = "IOC remainder"
        elif order.budget is not None and available(opposite, consumed, None, market.lot_size):
            reason = f"the {order.budget} {market.quote} held for it is spent (the price moved)"
        else:
            reason = "no more liquidity within the book"
        self._finish(order)
        self.emit(OrderExpired(order.client_id, reason, self.clock.now_ns()))

    def _post_only_cross(
        self, order: PaperOrder, limit: Decimal, book: OrderBook, st: SymbolState
    ) -> str | None:
        """The post-only rejection reason when a limit at ``limit`` would take liquidity."""
        is_buy = order.is_buy
        opposite, consumed = (
            (book.asks, st.consumed_asks) if is_buy else (book.bids, st.consumed_bids)
        )
        return post_only_reason(opposite, consumed, limit, is_buy, self.view.market(order.symbol))

    def _end_unfilled(self, order: PaperOrder, accepted: bool, reason: str) -> None:
        """Refuse an order at arrival (rejected) or end an accepted one (expired)."""
        self._finish(order)
        now = self.clock.now_ns()
        self.emit(
            OrderExpired(order.client_id, reason, now)
            if accepted
            else OrderRejected(order.client_id, reason, now)
        )

    def _rest(
        self,
        order: PaperOrder,
        st: SymbolState,
        book: OrderBook | None,
        saved_queue: Decimal | None = None,
        restored: bool = False,
    ) -> None:
        """Put the order on the book: at the back of the queue, or at ``saved_queue`` (restore).

        Without a book yet, the queue is settled when the book arrives.
        """
        assert order.price is not None
        if book is None:
            size = ZERO
        else:
            size = (book.bids if order.is_buy else book.asks).qty_at(order.price)
        if not st.lot_known:
            market = self.view.market(order.symbol)
            if market is not None:
                st.lot, st.lot_known = market.lot_size, True
        st.add(order, size)
        order.phase = RESTING
        order.reported_queue = None
        if book is None:
            st.recheck = True
            order.queue_unknown = saved_queue is None
            order.queue_ahead = ZERO if saved_queue is None else saved_queue
        else:
            order.queue_ahead = size if saved_queue is None else min(saved_queue, size)
            # a restored order may face a book that crossed it while we were away
            st.recheck = st.recheck or restored
        self._report_queue(order)

    def _unrest(self, order: PaperOrder, st: SymbolState) -> None:
        st.remove(order)
        order.phase = PENDING
        order.queue_unknown = False

    def _maker_fills(self, symbol: str, fills: Fills, changed: Changed) -> None:
        if fills:
            market = self.view.market(symbol)
            if market is None:
                log.error("no market metadata for %s; resting orders cannot fill", symbol)
                return
            for order, wanted in fills:
                if order.phase is not RESTING:
                    continue
                qty = min(wanted, order.remaining)
                if qty > ZERO:
                    assert order.price is not None
                    self._fill(order, market, order.price, qty, MAKER)
        if len(changed) == 1:
            self._report_queue(changed[0])
        elif changed:  # once per order (a repeat finds nothing new to report), by age
            for order in sorted(changed, key=lambda o: o.seq):
                self._report_queue(order)

    def _report_queue(self, order: PaperOrder) -> None:
        if (
            self.tracks_queue
            and order.phase is RESTING
            and not order.queue_unknown
            and order.queue_ahead != order.reported_queue
        ):
            order.reported_queue = order.queue_ahead
            self.emit(QueueUpdated(order.client_id, order.queue_ahead))

    def _fill(
        self, order: PaperOrder, market: Market, price: Decimal, qty: Decimal, liq: Liquidity
    ) -> None:
        fee, fee_asset = fee_for(market, order.side, price, qty, liq)
        fill = Fill(
            f"{self._fill_prefix}{next(self._fill_ids)}",
            order.client_id,
            order.account,
            order.symbol,
            order.side,
            price,
            qty,
            fee,
            fee_asset,
            liq,
            self.clock.now_ns(),
        )
        order.filled += qty
        if order.remaining <= ZERO:
            self._finish(order)
        self.emit(OrderFilled(fill))

    def _finish(self, order: PaperOrder) -> None:
        """Forget a filled, cancelled, expired or rejected order."""
        st = self.symbols.get(order.symbol)
        if st is not None:
            if order.phase is RESTING:
                st.remove(order)
            elif order.phase is WAITING and order in st.waiting:
                st.waiting.remove(order)
        order.phase = DONE
        self.orders.pop(order.client_id, None)
