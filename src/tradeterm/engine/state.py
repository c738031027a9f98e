"""The state cache: the one place that holds markets, books, tape, tickers, candles and accounts.

Market data is keyed by ``Instrument`` (venue + symbol), so several venues can list the same
symbol; what is inside an account (orders, positions) is keyed by symbol, because an account
trades on one venue.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import FeedState
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.instrument import Instrument, ambiguous_symbols, resolve, split
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Ticker, Trade
from tradeterm.domain.orders import Order
from tradeterm.engine.accounts import AccountState
from tradeterm.engine.candle_series import CandleSeries

TAPE_LENGTH = 200
CANDLE_HISTORY = 2 * 1440
NO_INSTRUMENT = Instrument("", "")
V = TypeVar("V")


class VenueMap(Mapping[str, V]):
    """One venue's part of an instrument-keyed map, by symbol (live: it reads the map)."""

    __slots__ = ("_data", "_venue")

    def __init__(self, data: Mapping[Instrument, V], venue: str) -> None:
        self._data = data
        self._venue = venue

    def __getitem__(self, symbol: str) -> V:
        return self._data[Instrument.of(self._venue, symbol)]

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str) and Instrument.of(self._venue, symbol) in self._data

    def __iter__(self) -> Iterator[str]:
        venue = self._venue
        return (i.symbol for i in list(self._data) if i.venue == venue)

    def __len__(self) -> int:
        return sum(1 for i in self._data if i.venue == self._venue)


@dataclass(slots=True)
class FeedStatus:
    venue: str = ""
    state: FeedState = FeedState.CONNECTING
    detail: str = ""
    last_message_ns: int = 0


NO_FEED = FeedStatus()
"""What ``State.feed`` reads before any feed is known (an engine always has one)."""


@dataclass(slots=True)
class Lane:
    """One venue's feed status, and its books and tapes by symbol: the same objects
    ``State.feeds``, ``books`` and ``tapes`` hold, for the hot paths (a feed's updates, its
    paper venue's reads), which then build and hash no ``Instrument``."""

    feed: FeedStatus
    books: dict[str, OrderBook] = field(default_factory=dict)
    tapes: dict[str, deque[Trade]] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)
    """Symbols whose book the feed keeps itself (``FeedSink.keep_book``): the engine does
    not apply their ``BookChanged`` again, it only stamps their time."""
    newest: dict[str, Candle] = field(default_factory=dict)
    """Each symbol's newest stored candle, for the engine alone (``Engine._on_candle``): a
    feed that updates its live candle in place sends the same object again, once a trade."""


@dataclass(slots=True)
class State:
    """Everything the engine knows. Only the engine writes it; everyone else reads."""

    markets: dict[Instrument, Market] = field(default_factory=dict)
    books: dict[Instrument, OrderBook] = field(default_factory=dict)
    tapes: dict[Instrument, deque[Trade]] = field(default_factory=dict)
    tickers: dict[Instrument, Ticker] = field(default_factory=dict)
    candles: dict[Instrument, CandleSeries] = field(default_factory=dict)
    accounts: dict[str, AccountState] = field(default_factory=dict)
    feeds: dict[str, FeedStatus] = field(default_factory=dict)
    """Each venue's feed, by venue name, in the order the feeds were given."""
    active: Instrument = NO_INSTRUMENT
    active_account: str = ""
    ambiguous: frozenset[str] = frozenset()
    """Symbols more than one venue lists: shown as ``SYMBOL@VENUE``."""
    lanes: dict[str, Lane] = field(default_factory=dict)
    """Each venue's feed, books and tapes (``lane``); books and tapes are made only by
    ``book`` and ``tape``, which keep both maps."""

    def lane(self, venue: str) -> Lane:
        """``venue``'s lane (live: books made later appear in it); a venue not seen before
        gets its feed status here."""
        lane = self.lanes.get(venue)
        if lane is None:
            feed = self.feeds.get(venue)
            if feed is None:
                feed = self.feeds[venue] = FeedStatus(venue)
            lane = self.lanes[venue] = Lane(feed)
        return lane

    def book(self, inst: Instrument) -> OrderBook:
        book = self.books.get(inst)
        if book is None:
            book = self.books[inst] = OrderBook(inst.symbol)
            self.lane(inst.venue).books[inst.symbol] = book
        return book

    def tape(self, inst: Instrument) -> deque[Trade]:
        tape = self.tapes.get(inst)
        if tape is None:
            tape = self.tapes[inst] = deque(maxlen=TAPE_LENGTH)
            self.lane(inst.venue).tapes[inst.symbol] = tape
        return tape

    def candle_series(self, inst: Instrument) -> CandleSeries:
        series = self.candles.get(inst)
        if series is None:
            series = self.candles[inst] = CandleSeries(maxlen=CANDLE_HISTORY)
        return series

    def add_markets(self, venue: str, markets: list[Market] | tuple[Market, ...]) -> None:
        for market in markets:
            self.markets[Instrument(venue, market.symbol)] = market
        self.ambiguous = ambiguous_symbols(self.markets)

    def label(self, inst: Instrument) -> str:
        """How ``inst`` is shown: its symbol, with ``@venue`` when another venue lists it."""
        return inst.label(inst.symbol in self.ambiguous)

    def by_label(self, data: Mapping[Instrument, V]) -> dict[str, V]:
        """``data`` keyed by how each instrument is shown (``label``): unique, and a bare
        symbol wherever only one venue lists it."""
        ambiguous = self.ambiguous
        return {(str(i) if i.symbol in ambiguous else i.symbol): v for i, v in data.items()}

    def resolve(self, text: str) -> Instrument:
        """The instrument ``text`` names (``SYMBOL@VENUE``, or a bare symbol one venue lists,
        or the active account's venue lists). Raises TradetermError saying what is allowed."""
        prefer = self.accounts[self.active_account].spec.venue if self.active_account else None
        return resolve(text, self.markets, prefer)

    @property
    def active_symbol(self) -> str:
        """The active instrument's symbol (on its venue)."""
        return self.active.symbol

    @property
    def feed(self) -> FeedStatus:
        """The feed of the active instrument's venue (the first feed before any market)."""
        status = self.feeds.get(self.active.venue)
        return status if status is not None else next(iter(self.feeds.values()), NO_FEED)

    @property
    def account(self) -> AccountState:
        return self.accounts[self.active_account]

    def instrument(self, account: AccountState, symbol: str) -> Instrument:
        """The instrument ``symbol`` is on the venue ``account`` trades on."""
        return Instrument.of(account.spec.venue, symbol)

    def order_instrument(self, order: Order) -> Instrument:
        """The instrument an order trades: its symbol on its account's venue."""
        return Instrument.of(self.accounts[order.account].spec.venue, order.symbol)

    def local_symbol(self, account: AccountState, text: str) -> str:
        """The symbol ``text`` names on ``account``'s venue: ``BTC/USDT``, or
        ``BTC/USDT@VENUE`` when VENUE is the one the account trades on.

        Raises:
            TradetermError: ``text`` names another venue (the message says how to trade it).
        """
        symbol, venue = split(text)
        home = account.spec.venue
        markets = self.markets
        if venue is None and Instrument(home, symbol) not in markets:
            elsewhere = sorted(i.venue for i in markets if i.symbol == symbol)
            venue = elsewhere[0] if len(elsewhere) == 1 else None
        if venue is not None and venue.lower() != home.lower():
            others = [a.name for a in self.accounts.values()
                      if a.spec.venue.lower() == venue.lower()]  # fmt: skip
            how = f"switch to {' or '.join(others)} (a)" if others else f"no account is on {venue}"
            raise TradetermError(
                f"{symbol} is on {venue}, and account {account.name} trades on {home}: {how}"
            )
        return symbol

    def markets_on(self, venue: str) -> VenueMap[Market]:
        """``venue``'s markets by symbol (what an account on that venue can trade)."""
        return VenueMap(self.markets, venue)

    def books_on(self, venue: str) -> VenueMap[OrderBook]:
        return VenueMap(self.books, venue)

    def tickers_on(self, venue: str) -> VenueMap[Ticker]:
        return VenueMap(self.tickers, venue)

    def candles_on(self, venue: str) -> VenueMap[CandleSeries]:
        return VenueMap(self.candles, venue)

    def tapes_on(self, venue: str) -> VenueMap[deque[Trade]]:
        return VenueMap(self.tapes, venue)
