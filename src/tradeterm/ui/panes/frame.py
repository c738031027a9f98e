"""What one refresh tick draws from: the engine's state for the active symbol, read once.

``Frame`` is the one place in the UI's drawing that looks up the state's market data (books,
markets, tickers, tapes, candles) by symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradeterm.ui.widgets.status import CALM, staleness

if TYPE_CHECKING:
    from tradeterm.domain.book import OrderBook
    from tradeterm.domain.market import Market
    from tradeterm.domain.market_data import Candle, Ticker, Trade
    from tradeterm.engine.engine import Engine
    from tradeterm.engine.state import State
    from tradeterm.ui.workstation import Workstation


@dataclass(frozen=True, slots=True)
class Frame:
    """The state as one tick sees it."""

    parts: Workstation
    state: State
    symbol: str
    market: Market | None
    book: OrderBook | None
    ticker: Ticker | None
    now_ns: int
    book_stale: str
    """"" while the active book is fresh, else its staleness label ("stale 12s"...)."""
    feed_stale: str
    """"" while the feed is fresh, else its staleness label."""

    @classmethod
    def of(cls, parts: Workstation) -> Frame:
        engine: Engine = parts.engine
        state = engine.state
        now_ns = engine.clock.now_ns()
        symbol = state.active_symbol
        book = state.books.get(symbol)
        feed, after_ns = state.feed, engine.stale_after_ns
        feed_stale = staleness(feed.state, feed.last_message_ns, now_ns, after_ns)
        book_stale = feed_stale
        if not book_stale and book is not None and feed.state in CALM:
            book_stale = staleness(feed.state, book.ts_ns, now_ns, after_ns)
        market, ticker = state.markets.get(symbol), state.tickers.get(symbol)
        return cls(parts, state, symbol, market, book, ticker, now_ns, book_stale, feed_stale)

    def tape(self) -> list[Trade]:
        """The active symbol's recent trades, oldest first."""
        return list(self.state.tapes.get(self.symbol, ()))

    def candles(self) -> Sequence[Candle]:
        """The active symbol's one-minute candles, oldest first."""
        return self.state.candles.get(self.symbol, ())
