"""Events: facts that happened (past tense), published by the engine after updating state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.book import Level
from tradeterm.domain.enums import FeedState, TradingState
from tradeterm.domain.fills import Fill
from tradeterm.domain.instrument import Instrument
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Ticker, Trade
from tradeterm.domain.orders import Order
from tradeterm.domain.quick_init import quick_init

# --- market data -----------------------------------------------------------
# Each market event names its venue: a feed stamps its own, and the engine keeps a feed's
# events to that feed's venue (``Engine.sink``). The default is the built-in sim's.

SIM = "sim"


@dataclass(frozen=True, slots=True)
class MarketsLoaded:
    venue: str
    markets: Sequence[Market]


@quick_init
@dataclass(frozen=True, slots=True)
class BookChanged:
    """Levels of a book changed to the given absolute sizes (zero = removed).

    With ``snapshot`` set, the levels replace the whole book.
    """

    symbol: str
    bids: Sequence[Level]
    asks: Sequence[Level]
    snapshot: bool = False
    seq: int = 0
    ts_ns: int = 0
    venue: str = SIM

    @property
    def instrument(self) -> Instrument:
        return Instrument.of(self.venue, self.symbol)


@quick_init
@dataclass(frozen=True, slots=True)
class TradePrinted:
    trade: Trade
    venue: str = SIM

    @property
    def instrument(self) -> Instrument:
        return Instrument.of(self.venue, self.trade.symbol)


@quick_init
@dataclass(frozen=True, slots=True)
class TickerUpdated:
    ticker: Ticker
    venue: str = SIM

    @property
    def instrument(self) -> Instrument:
        return Instrument.of(self.venue, self.ticker.symbol)


@dataclass(frozen=True, slots=True)
class CandlesLoaded:
    """History for a symbol; ``candles`` are oldest first, one minute apart."""

    symbol: str
    candles: Sequence[Candle]
    venue: str = SIM

    @property
    def instrument(self) -> Instrument:
        return Instrument.of(self.venue, self.symbol)


@quick_init
@dataclass(frozen=True, slots=True)
class CandleUpdated:
    """The live candle changed (``closed`` when its minute ended)."""

    symbol: str
    candle: Candle
    closed: bool = False
    venue: str = SIM

    @property
    def instrument(self) -> Instrument:
        return Instrument.of(self.venue, self.symbol)


@dataclass(frozen=True, slots=True)
class FeedStateChanged:
    venue: str
    state: FeedState
    detail: str = ""


MarketEvent = (
    MarketsLoaded
    | BookChanged
    | TradePrinted
    | TickerUpdated
    | CandlesLoaded
    | CandleUpdated
    | FeedStateChanged
)

# --- orders and accounts ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderAccepted:
    """The venue accepted an order; it rests on the book (or waits for its trigger)."""

    client_id: str
    venue_order_id: str = ""
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class OrderRejected:
    client_id: str
    reason: str
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class OrderFilled:
    fill: Fill


@dataclass(frozen=True, slots=True)
class OrderCanceled:
    client_id: str
    reason: str = ""
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class OrderAmended:
    """The order now has this quantity, and this limit price and trigger where given."""

    client_id: str
    price: Decimal | None
    qty: Decimal
    kept_queue: bool
    ts_ns: int = 0
    stop_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderExpired:
    """An IOC/FOK/market remainder that could not fill was cancelled by the venue."""

    client_id: str
    reason: str = ""
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class OrderTriggered:
    """A stop or take-profit order's trigger price traded; it now works as market or limit."""

    client_id: str
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class QueueUpdated:
    """A resting paper order's estimate of size ahead of it in the queue."""

    client_id: str
    queue_ahead: Decimal


ExecutionEvent = (
    OrderAccepted
    | OrderRejected
    | OrderFilled
    | OrderCanceled
    | OrderAmended
    | OrderExpired
    | OrderTriggered
    | QueueUpdated
)


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    """Published by the engine after any change to an order, with the order's new state."""

    order: Order


@dataclass(frozen=True, slots=True)
class AccountSwitched:
    account: str


@dataclass(frozen=True, slots=True)
class SymbolSelected:
    instrument: Instrument


@dataclass(frozen=True, slots=True)
class AccountReset:
    """A paper account went back to its starting balances, with no orders or fills."""

    account: str


@dataclass(frozen=True, slots=True)
class TradingStateChanged:
    """An account's trading state changed (journaled before this is published)."""

    account: str
    state: TradingState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ArmingChanged:
    """A live account was armed or disarmed (journaled before this is published)."""

    account: str
    armed: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class KillSwitchPulled:
    """The kill switch was pulled: published before it cancels anything, so whatever trades
    on its own (the strategies) stops first."""

    flatten: bool = False


@dataclass(frozen=True, slots=True)
class BalancesChanged:
    account: str


@dataclass(frozen=True, slots=True)
class AlertFired:
    """A price or indicator alert's condition became true."""

    alert_id: str
    symbol: str
    condition: str
    value: str
    ts_ns: int
