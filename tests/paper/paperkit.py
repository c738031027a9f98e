"""Helpers for the paper venue tests: a real Engine fed by hand, recording and checking sinks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any

from tradeterm.domain.enums import FillModel, Liquidity, OrderType, Side, TimeInForce
from tradeterm.domain.events import (
    BookChanged,
    ExecutionEvent,
    MarketsLoaded,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    QueueUpdated,
    TradePrinted,
)
from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Trade
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import ManualClock
from tradeterm.engine.engine import Engine
from tradeterm.venues.paper import PaperVenue
from tradeterm.venues.sim.feed import SimFeed

D = Decimal
SYMBOL = "ETH/USDT"

ETH = Market(
    venue="test",
    symbol=SYMBOL,
    base="ETH",
    quote="USDT",
    tick_size=D("0.01"),
    lot_size=D("0.001"),
    min_qty=D("0.001"),
    min_notional=D("5"),
    maker_fee=D("0.0008"),
    taker_fee=D("0.001"),
)


def run_now(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends (the paper venue's port methods) to its end."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise AssertionError("the coroutine suspended; it was expected to finish at once")


def levels(pairs: Iterable[tuple[str, str]]) -> list[tuple[Decimal, Decimal]]:
    return [(D(p), D(q)) for p, q in pairs]


class Recorder:
    """An ExecutionSink that keeps every event."""

    def __init__(self) -> None:
        self.events: list[ExecutionEvent] = []

    def on_execution(self, event: ExecutionEvent) -> None:
        self.events.append(event)

    def clear(self) -> None:
        self.events.clear()

    def of(self, client_id: str) -> list[ExecutionEvent]:
        out = []
        for event in self.events:
            cid = event.fill.client_id if isinstance(event, OrderFilled) else event.client_id
            if cid == client_id:
                out.append(event)
        return out

    def kinds(self, client_id: str) -> list[str]:
        return [type(e).__name__ for e in self.of(client_id)]

    def fills(self, client_id: str | None = None) -> list[Fill]:
        return [
            e.fill
            for e in self.events
            if isinstance(e, OrderFilled) and (client_id is None or e.fill.client_id == client_id)
        ]

    def filled(self, client_id: str) -> Decimal:
        return sum((f.qty for f in self.fills(client_id)), D(0))

    def queues(self, client_id: str) -> list[Decimal]:
        return [
            e.queue_ahead
            for e in self.events
            if isinstance(e, QueueUpdated) and e.client_id == client_id
        ]


class Harness:
    """A real Engine (markets loaded by hand), a ManualClock and a bound PaperVenue."""

    def __init__(
        self,
        *,
        fill_model: FillModel = FillModel.REALISTIC,
        latency_ms: int = 0,
        markets: Sequence[Market] = (ETH,),
        bind: bool = True,
    ) -> None:
        """``bind=False`` leaves the venue unbound, for a test to bind its own sink."""
        self.clock = ManualClock()
        feed = SimFeed(self.clock, symbols=["BTC/USDT"], history_minutes=1)
        self.engine = Engine(self.clock, feed, [AccountSpec("paper")])
        self.engine.on_market(MarketsLoaded("sim", list(markets)))
        self.venue = PaperVenue(
            "paper",
            self.engine.view(self.engine.feed.venue),
            self.clock,
            fill_model=fill_model,
            latency_ms=latency_ms,
        )
        self.sink = Recorder()
        if bind:
            self.venue.bind(self.sink)
        self._ids = count(1)

    # --- market data ---------------------------------------------------------

    def snapshot(
        self,
        bids: Iterable[tuple[str, str]],
        asks: Iterable[tuple[str, str]],
        symbol: str = SYMBOL,
    ) -> None:
        event = BookChanged(symbol, levels(bids), levels(asks), snapshot=True)
        self.engine.on_market(event)

    def update(
        self,
        bids: Iterable[tuple[str, str]] = (),
        asks: Iterable[tuple[str, str]] = (),
        symbol: str = SYMBOL,
    ) -> None:
        self.engine.on_market(BookChanged(symbol, levels(bids), levels(asks)))

    def trade(self, price: str, qty: str, aggressor: Side, symbol: str = SYMBOL) -> None:
        trade = Trade(symbol, D(price), D(qty), aggressor, self.clock.now_ns())
        self.engine.on_market(TradePrinted(trade))

    # --- orders ----------------------------------------------------------------

    def order(
        self,
        side: Side,
        type_: OrderType,
        qty: str,
        price: str | None = None,
        stop: str | None = None,
        *,
        tif: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
        symbol: str = SYMBOL,
    ) -> Order:
        return Order(
            client_id=f"c{next(self._ids)}",
            account="paper",
            symbol=symbol,
            side=side,
            type=type_,
            qty=D(qty),
            price=None if price is None else D(price),
            stop_price=None if stop is None else D(stop),
            tif=tif,
            post_only=post_only,
        )

    def submit(self, order: Order) -> Order:
        run_now(self.venue.submit(order))
        return order

    def limit(self, side: Side, qty: str, price: str, **kw: Any) -> Order:
        return self.submit(self.order(side, OrderType.LIMIT, qty, price, **kw))

    def market(self, side: Side, qty: str, **kw: Any) -> Order:
        return self.submit(self.order(side, OrderType.MARKET, qty, **kw))

    def cancel(self, order: Order) -> None:
        run_now(self.venue.cancel(order))

    def amend(self, order: Order, price: str | None, qty: str) -> None:
        run_now(self.venue.amend(order, None if price is None else D(price), D(qty)))

    def advance_ms(self, ms: int) -> None:
        self.clock.advance(ms / 1000)
        self.venue.poll()


@dataclass
class Tracked:
    order: Order
    qty: Decimal
    price: Decimal | None
    filled: Decimal = Decimal(0)
    finals: list[str] = field(default_factory=list)


class Checker:
    """An ExecutionSink that checks every event against the engine's book as it arrives.

    The venue isolates failures inside market-event handlers (it logs and goes on), so a
    failed check is kept in ``errors`` and the test asserts on that list.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.orders: dict[str, Tracked] = {}
        self.errors: list[str] = []
        self.liquidity: Counter[Liquidity] = Counter()
        # (symbol, book side is bids, price) -> taken since the feed last sent that level
        self.taken: dict[tuple[str, bool, Decimal], Decimal] = {}
        engine.subscribe(BookChanged, self.on_book)
        engine.subscribe(TradePrinted, self.on_trade)

    def on_book(self, event: BookChanged) -> None:
        if event.snapshot:
            self.taken = {k: v for k, v in self.taken.items() if k[0] != event.symbol}
        for is_bid, levels in ((True, event.bids), (False, event.asks)):
            for p, _ in levels:
                self.taken.pop((event.symbol, is_bid, p), None)

    def on_trade(self, event: TradePrinted) -> None:
        trade = event.trade
        key = (trade.symbol, trade.side is Side.SELL, trade.price)
        self.taken[key] = self.taken.get(key, D(0)) + trade.qty

    def track(self, order: Order) -> None:
        self.orders[order.client_id] = Tracked(order, order.qty, order.price)

    def on_execution(self, event: ExecutionEvent) -> None:
        try:
            self.check(event)
        except AssertionError as error:
            self.errors.append(f"{event}: {error}")

    def check(self, event: ExecutionEvent) -> None:
        if isinstance(event, OrderFilled):
            self.on_fill(event)
            return
        t = self.orders[event.client_id]
        assert not t.finals, f"{type(event).__name__} after {t.finals} for {event.client_id}"
        if isinstance(event, OrderAmended):
            t.qty, t.price = event.qty, event.price
            assert t.qty > t.filled
        elif isinstance(event, OrderRejected) and event.reason.startswith("amend rejected:"):
            pass
        elif isinstance(event, OrderCanceled | OrderExpired | OrderRejected):
            t.finals.append(type(event).__name__)
        elif isinstance(event, QueueUpdated):
            assert event.queue_ahead >= 0
            book = self.engine.view("sim").book(t.order.symbol)
            assert book is not None and t.price is not None
            assert event.queue_ahead <= book.side(t.order.side).qty_at(t.price)
        else:
            assert isinstance(event, OrderAccepted | OrderTriggered)

    def on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        self.liquidity[fill.liquidity] += 1
        t = self.orders[fill.client_id]
        assert not t.finals, f"fill after {t.finals} for {fill.client_id}"
        assert fill.qty > 0
        t.filled += fill.qty
        assert t.filled <= t.qty
        if t.filled == t.qty:
            t.finals.append("Filled")
        order = t.order
        market = self.engine.view("sim").market(order.symbol)
        assert market is not None
        if fill.liquidity is Liquidity.TAKER:
            book = self.engine.view("sim").book(order.symbol)
            assert book is not None
            opposite = book.asks if order.side is Side.BUY else book.bids
            assert 0 < fill.qty <= opposite.qty_at(fill.price)
            key = (order.symbol, order.side is Side.SELL, fill.price)
            self.taken[key] = self.taken.get(key, D(0)) + fill.qty
            assert self.taken[key] <= opposite.qty_at(fill.price), "consumed liquidity reused"
            works_as_limit = order.type.has_limit_price
            if works_as_limit:
                assert t.price is not None
                assert fill.price <= t.price if order.side is Side.BUY else fill.price >= t.price
            rate = market.taker_fee
        else:
            assert fill.price == t.price
            rate = market.maker_fee
        if order.side is Side.BUY:
            assert (fill.fee, fill.fee_asset) == (fill.qty * rate, market.base)
        else:
            assert (fill.fee, fill.fee_asset) == (fill.price * fill.qty * rate, market.quote)
