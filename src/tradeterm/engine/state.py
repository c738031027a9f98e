"""The state cache: the one place that holds markets, books, tape, tickers, candles and accounts."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import FeedState
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Ticker, Trade
from tradeterm.engine.accounts import AccountState

TAPE_LENGTH = 200
CANDLE_HISTORY = 2 * 1440


@dataclass(slots=True)
class FeedStatus:
    venue: str = ""
    state: FeedState = FeedState.CONNECTING
    detail: str = ""
    last_message_ns: int = 0


@dataclass(slots=True)
class State:
    """Everything the engine knows. Only the engine writes it; everyone else reads."""

    markets: dict[str, Market] = field(default_factory=dict)
    books: dict[str, OrderBook] = field(default_factory=dict)
    tapes: dict[str, deque[Trade]] = field(default_factory=dict)
    tickers: dict[str, Ticker] = field(default_factory=dict)
    candles: dict[str, deque[Candle]] = field(default_factory=dict)
    accounts: dict[str, AccountState] = field(default_factory=dict)
    feed: FeedStatus = field(default_factory=FeedStatus)
    active_symbol: str = ""
    active_account: str = ""

    def book(self, symbol: str) -> OrderBook:
        book = self.books.get(symbol)
        if book is None:
            book = self.books[symbol] = OrderBook(symbol)
        return book

    def tape(self, symbol: str) -> deque[Trade]:
        tape = self.tapes.get(symbol)
        if tape is None:
            tape = self.tapes[symbol] = deque(maxlen=TAPE_LENGTH)
        return tape

    def candle_series(self, symbol: str) -> deque[Candle]:
        series = self.candles.get(symbol)
        if series is None:
            series = self.candles[symbol] = deque(maxlen=CANDLE_HISTORY)
        return series

    @property
    def account(self) -> AccountState:
        return self.accounts[self.active_account]
