"""How market data reaches resting paper orders: prints, depth updates and crossing books.

Each function updates one symbol's state and returns the maker fills it
implies, as ``(order, qty)`` pairs at the order's limit price; the executor
turns them into ``OrderFilled`` events.

Consumed liquidity (what walks must not take twice): a public print adds its
quantity at its price on the maker's side of the book (``Executor.on_trade``),
our own taker fills add theirs (``matching.walk``). The memory for a price on a side is
dropped when a ``BookChanged`` carries that price on that side (the feed sent
a fresh absolute size for it), and all of it on a snapshot. A level whose size
nets out unchanged over a feed's batching interval is not resent, so its
memory then lasts until the level is next sent: the error is on the safe
(less liquidity) side.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from tradeterm.domain.book import OrderBook
from tradeterm.domain.events import BookChanged
from tradeterm.domain.market_data import Trade
from tradeterm.domain.numbers import ZERO
from tradeterm.venues.paper.model import SELL, SymbolState
from tradeterm.venues.paper.queue import Changed, FillRules, Fills

NO_FILLS: Fills = []  # returned when nothing filled; never appended to


def print_fills(st: SymbolState, trade: Trade, rules: FillRules, changed: Changed) -> Fills:
    """A public trade: work the queues at its price and fill every order it traded
    through (a resting buy above it, a resting sell below it)."""
    price = trade.price
    bids, asks = st.bids, st.asks
    # most prints are beyond our best bid and ask (we quote behind the touch): nothing to do
    reaches_bids = bool(bids) and price <= st.bid_prices[-1]
    reaches_asks = bool(asks) and price >= st.ask_prices[0]
    if not (reaches_bids or reaches_asks):
        return NO_FILLS
    qty = trade.qty
    maker_is_bid = trade.side is SELL
    fills: Fills = []
    if reaches_bids:
        level = bids.get(price)
        if level is not None:
            fills += rules.on_print(level, qty, maker_is_bid, changed)
        bid_prices = st.bid_prices
        if bid_prices[-1] > price:
            for p in bid_prices[bisect_right(bid_prices, price) :]:
                fills += [(order, order.remaining) for order in bids[p].orders]
    if reaches_asks:
        level = asks.get(price)
        if level is not None:
            fills += rules.on_print(level, qty, not maker_is_bid, changed)
        ask_prices = st.ask_prices
        if ask_prices[0] < price:
            for p in ask_prices[: bisect_left(ask_prices, price)]:
                fills += [(order, order.remaining) for order in asks[p].orders]
    return fills


def record_print(st: SymbolState, trade: Trade) -> None:
    """A print took visible liquidity that the next depth update will show gone."""
    consumed = st.consumed_bids if trade.side is SELL else st.consumed_asks
    consumed[trade.price] = consumed.get(trade.price, ZERO) + trade.qty


def refresh_consumed(st: SymbolState, event: BookChanged) -> None:
    """The feed sent fresh sizes: forget what was consumed at those levels (all, on a snapshot)."""
    if event.snapshot:
        st.consumed_bids.clear()
        st.consumed_asks.clear()
        return
    # (``in`` then ``del``, not ``pop(price, None)``: most prices of an update are not in it,
    # and a method call per level costs more than the test)
    consumed = st.consumed_bids
    if consumed and event.bids:
        for price, _ in event.bids:
            if price in consumed:
                del consumed[price]
    consumed = st.consumed_asks
    if consumed and event.asks:
        for price, _ in event.asks:
            if price in consumed:
                del consumed[price]


def depth_fills(
    st: SymbolState,
    event: BookChanged,
    book_of: Callable[[str], OrderBook | None],
    rules: FillRules,
    changed: Changed,
) -> Fills:
    """A depth update (already applied to the engine's book, consumed liquidity already
    refreshed): update the queues at our levels and fill orders the opposite side now
    reaches.

    Our bids can only become crossed by an ask level at or below our highest bid
    appearing, growing or being refreshed (which also drops its consumed memory), and
    our asks likewise by a bid level; so only such an update, a snapshot or a restore
    (``st.recheck``, which also re-reads our levels from the book) looks at the book.
    """
    event_bids, event_asks = event.bids, event.asks
    snapshot = event.snapshot
    bids, asks = st.bids, st.asks
    if not (bids or asks):
        return NO_FILLS
    full = snapshot or st.recheck
    if full:
        book = book_of(event.symbol)
        resync(st, book, changed)
        check_bids, check_asks = bool(bids), bool(asks)
    else:
        check_bids = check_asks = False
        # An update can cross our orders only when the book it left reaches them: one look
        # at the opposite best skips the scan of its levels on nearly every update.
        book = book_of(event.symbol) if rules.fills_on_cross else None
        # (``in`` then an index, not ``get``: an update rarely names a price we rest at, and
        # the per-level test is the cost of this loop)
        if bids:
            if event_bids:
                for price, size in event_bids:
                    if price in bids:
                        rules.on_depth(bids[price], size, st.lot, changed)
            if event_asks and book is not None:
                top = st.bid_prices[-1]
                best = book.asks.best()
                if best is not None and best <= top:
                    for price, size in event_asks:
                        if price <= top and size:
                            check_bids = True
        if asks:
            if event_asks:
                for price, size in event_asks:
                    if price in asks:
                        rules.on_depth(asks[price], size, st.lot, changed)
            if event_bids and book is not None:
                low = st.ask_prices[0]
                best = book.bids.best()
                if best is not None and best >= low:
                    for price, size in event_bids:
                        if price >= low and size:
                            check_asks = True
    if not ((check_bids or check_asks) and rules.fills_on_cross):
        return NO_FILLS
    if book is None:
        book = book_of(event.symbol)
        if book is None:
            return NO_FILLS
    fills: Fills = []
    if check_bids:
        bid_prices = st.bid_prices
        best = book.asks.best()
        if best is not None and best <= bid_prices[-1]:
            crossed = bid_prices[bisect_left(bid_prices, best) :]
            levels = [bids[p] for p in reversed(crossed)]
            fills += rules.on_cross(levels, book.asks, st.consumed_asks, changed)
    if check_asks:
        ask_prices = st.ask_prices
        best = book.bids.best()
        if best is not None and best >= ask_prices[0]:
            levels = [asks[p] for p in ask_prices[: bisect_right(ask_prices, best)]]
            fills += rules.on_cross(levels, book.bids, st.consumed_bids, changed)
    return fills


def resync(st: SymbolState, book: OrderBook | None, changed: Changed) -> None:
    """Re-read every level we rest at from the book (after a snapshot or a restore).

    Sizes are taken as they are, credits dropped, queues clamped to the sizes;
    an order restored before its book was known goes to the back of the queue.
    """
    for levels, is_bid in ((st.bids, True), (st.asks, False)):
        side = None if book is None else (book.bids if is_bid else book.asks)
        for level in levels.values():
            size = ZERO if side is None else side.qty_at(level.price)
            level.size, level.credit = size, ZERO
            for order in level.orders:
                if order.queue_unknown and side is not None:
                    order.queue_ahead, order.queue_unknown = size, False
                    changed.append(order)
                elif order.queue_ahead > size:
                    order.queue_ahead = size
                    changed.append(order)
    st.recheck = book is None
