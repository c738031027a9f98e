"""What one refresh tick draws from: the engine's state for the active instrument, read once.

``Frame`` is the one place in the UI's drawing that looks up the state's market data (books,
markets, tickers, tapes, candles) by instrument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradeterm.ui.widgets.status import CALM, staleness

if TYPE_CHECKING:
    from tradeterm.domain.book import OrderBook
    from tradeterm.domain.instrument import Instrument
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
    inst: Instrument
    symbol: str
    """The active instrument's symbol on its venue."""
    label: str
    """How it is shown: ``BTC/USDT``, or ``BTC/USDT@binance`` where two venues list it."""
    mine: str
    """The symbol when the active account trades on its venue, else "" (no own orders or
    fills to show on another venue's book)."""
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
        inst = state.active
        book = state.books.get(inst)
        feed, after_ns = state.feed, engine.stale_after_ns
        feed_stale = staleness(feed.state, feed.last_message_ns, now_ns, after_ns)
        book_stale = feed_stale
        if not book_stale and book is not None and feed.state in CALM:
            book_stale = staleness(feed.state, book.ts_ns, now_ns, after_ns)
        market, ticker = state.markets.get(inst), state.tickers.get(inst)
        mine = inst.symbol if state.account.spec.venue == inst.venue else ""
        label = state.label(inst)
        return cls(
            parts, state, inst, inst.symbol, label, mine, market, book, ticker, now_ns,
            book_stale, feed_stale,
        )  # fmt: skip

    def tape(self) -> list[Trade]:
        """The active symbol's recent trades, oldest first."""
        return list(self.state.tapes.get(self.inst, ()))

    def candles(self) -> Sequence[Candle]:
        """The active symbol's one-minute candles, oldest first."""
        return self.state.candles.get(self.inst, ())
