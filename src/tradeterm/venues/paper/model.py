"""The paper venue's own records: its copy of each order, resting levels and per-symbol indexes."""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from tradeterm.domain.enums import Liquidity, OrderType, Side, TimeInForce
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import ONE, ZERO
from tradeterm.domain.orders import Order

#: Order types that act like a market order once they work (on arrival or when triggered).
MARKET_LIKE = frozenset({OrderType.MARKET, OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET})
#: Order types that carry a limit price.
LIMIT_PRICED = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.TAKE_PROFIT_LIMIT})
#: Order types that wait for a trigger price before they work.
TRIGGERED = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.TAKE_PROFIT_MARKET,
        OrderType.TAKE_PROFIT_LIMIT,
    }
)

# Enum members as module constants: on Python 3.11 reading ``Enum.MEMBER`` from the
# class costs a few hundred nanoseconds, which the per-update paths cannot afford.
BUY, SELL = Side.BUY, Side.SELL
MAKER, TAKER = Liquidity.MAKER, Liquidity.TAKER
GTC, FOK = TimeInForce.GTC, TimeInForce.FOK


class Phase(Enum):
    """Where a paper order is in its life at the venue."""

    PENDING = "pending"  # sent, still travelling to the book (latency)
    WAITING = "waiting"  # a stop or take-profit waiting for its trigger
    RESTING = "resting"  # a limit order on the book
    DONE = "done"  # filled, cancelled, expired or rejected: forgotten by the venue


PENDING, WAITING, RESTING, DONE = Phase.PENDING, Phase.WAITING, Phase.RESTING, Phase.DONE


@dataclass(slots=True, eq=False)
class PaperOrder:
    """The venue's own copy of an order; the engine's ``Order`` object is never mutated."""

    client_id: str
    account: str
    symbol: str
    side: Side
    type: OrderType
    qty: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    tif: TimeInForce
    post_only: bool
    seq: int
    is_buy: bool
    has_trigger: bool
    works_as_market: bool
    venue_order_id: str = ""
    filled: Decimal = ZERO
    phase: Phase = PENDING
    triggered: bool = False
    queue_ahead: Decimal = ZERO
    queue_unknown: bool = False  # rested before its book was known: set when the book comes
    reported_queue: Decimal | None = None
    budget: Decimal | None = None  # quote a market-style buy may still spend

    @classmethod
    def from_order(cls, order: Order, seq: int, venue_order_id: str) -> PaperOrder:
        return cls(
            client_id=order.client_id,
            account=order.account,
            symbol=order.symbol,
            side=order.side,
            type=order.type,
            qty=order.qty,
            price=order.price,
            stop_price=order.stop_price,
            tif=order.tif,
            post_only=order.post_only,
            seq=seq,
            is_buy=order.side is BUY,
            has_trigger=order.type in TRIGGERED,
            works_as_market=order.type in MARKET_LIKE,
            venue_order_id=venue_order_id,
            filled=order.filled,
            budget=order.budget,
        )

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.filled


@dataclass(slots=True, eq=False)
class Level:
    """Our resting orders at one price of one side, with what we know of the public queue there.

    Attributes:
        size: the public size at this price the last time the feed told us.
        credit: public prints at this price that no depth update has reflected yet.
    """

    price: Decimal
    size: Decimal
    orders: list[PaperOrder] = field(default_factory=list)
    credit: Decimal = ZERO


class SymbolState:
    """Everything the venue tracks for one symbol: resting levels, waiting triggers,
    consumed liquidity and the last trade price."""

    __slots__ = (
        "ask_prices",
        "asks",
        "bid_prices",
        "bids",
        "consumed_asks",
        "consumed_bids",
        "last",
        "lot",
        "lot_known",
        "recheck",
        "symbol",
        "waiting",
    )

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: dict[Decimal, Level] = {}
        self.asks: dict[Decimal, Level] = {}
        self.bid_prices: list[Decimal] = []  # ascending
        self.ask_prices: list[Decimal] = []  # ascending
        self.waiting: list[PaperOrder] = []
        # Book liquidity taken (by our taker fills or by public prints) that the
        # feed has not refreshed yet: price -> quantity, per book side.
        self.consumed_bids: dict[Decimal, Decimal] = {}
        self.consumed_asks: dict[Decimal, Decimal] = {}
        self.last: Decimal | None = None
        self.lot = ONE  # the market's lot size, for rounding queue estimates
        self.lot_known = False
        # At the next book update, re-read our levels from the book and look for a
        # crossing on both sides: set after a restore, or when an order rested
        # before the book was known.
        self.recheck = False

    def add(self, order: PaperOrder, public_size: Decimal) -> Level:
        """Put ``order`` at the back of its price level (creating the level)."""
        assert order.price is not None
        levels = self.bids if order.is_buy else self.asks
        level = levels.get(order.price)
        if level is None:
            level = levels[order.price] = Level(order.price, public_size)
            insort(self.bid_prices if order.is_buy else self.ask_prices, order.price)
        level.orders.append(order)
        return level

    def remove(self, order: PaperOrder) -> None:
        """Take ``order`` off its level (dropping the level when it empties)."""
        price = order.price
        assert price is not None
        levels = self.bids if order.is_buy else self.asks
        level = levels.get(price)
        if level is None:
            return
        try:
            level.orders.remove(order)
        except ValueError:
            return
        if not level.orders:
            del levels[price]
            prices = self.bid_prices if order.is_buy else self.ask_prices
            del prices[bisect_left(prices, price)]

    def resting(self) -> list[PaperOrder]:
        """Resting orders, bids best first then asks best first, each level in time priority."""
        out: list[PaperOrder] = []
        for price in reversed(self.bid_prices):
            out.extend(self.bids[price].orders)
        for price in self.ask_prices:
            out.extend(self.asks[price].orders)
        return out


def base36(n: int) -> str:
    """``n`` (not negative) in base 36, for short unique ids."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def keeps_queue(
    old_price: Decimal | None, old_qty: Decimal, price: Decimal | None, qty: Decimal
) -> bool:
    """Whether an amend keeps the queue place: same price (or none given) and no more quantity."""
    return (price is None or price == old_price) and qty <= old_qty


def fee_for(
    market: Market, side: Side, price: Decimal, qty: Decimal, liquidity: Liquidity
) -> tuple[Decimal, str]:
    """The exact fee of a fill and its asset, Binance spot style.

    A buy pays in the base asset it receives (``qty × rate``); a sell pays in
    the quote asset it receives (``price × qty × rate``). Nothing is rounded.
    """
    rate = market.maker_fee if liquidity is MAKER else market.taker_fee
    if side is BUY:
        return qty * rate, market.base
    return price * qty * rate, market.quote
