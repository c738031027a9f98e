"""A replayed symbol's trades as 1m candles, rolling 24h ticker statistics and a recent tape."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal

from tradeterm.domain.book import OrderBook
from tradeterm.domain.events import SIM, CandleUpdated, MarketEvent, TradePrinted
from tradeterm.domain.market_data import Candle, Ticker, Trade
from tradeterm.domain.numbers import ZERO

RECENT_TRADES = 200
CANDLE_HISTORY = 2 * 1440
DAY_MS = 86_400_000
MINUTE_NS = 60_000_000_000

Emit = Callable[[MarketEvent], None]


class Tape:
    """Candles, 24h statistics and the last trades of one symbol, from what was replayed so far.

    Candles are built from trades (bucketed by the trade's own time) unless the
    source already carries candles (a tradeterm recording), in which case the
    recorded ones are tracked instead.
    """

    __slots__ = (
        "_hi",
        "_lo",
        "_qvol",
        "_qvols",
        "_update",
        "_vol",
        "_window",
        "builds_candles",
        "candle",
        "candle_qvol",
        "closed",
        "exchange_ticker",
        "last",
        "recent",
        "symbol",
        "venue",
    )

    def __init__(self, symbol: str, venue: str = SIM) -> None:
        self.symbol = symbol
        self.venue = venue
        """Named on the events ``add`` makes (the sink then need not stamp them)."""
        self.recent: deque[Trade] = deque(maxlen=RECENT_TRADES)
        self.closed: deque[Candle] = deque(maxlen=CANDLE_HISTORY)
        self.candle: Candle | None = None
        self.candle_qvol = ZERO
        self.last: Decimal | None = None
        self.exchange_ticker = False
        self.builds_candles = True
        self._window: deque[Candle] = deque()
        self._qvols: deque[Decimal] = deque()
        self._vol = ZERO
        self._qvol = ZERO
        self._hi: Decimal | None = None
        self._lo: Decimal | None = None
        self._update: CandleUpdated | None = None
        """The event that says the live candle changed, sent again for each of its trades
        (it names the candle, which changes in place: one event says it every time)."""

    def add(self, trade: Trade, emit: Emit | None) -> None:
        """Add a trade: update the tape and the live candle, and emit both when ``emit`` is set."""
        self.recent.append(trade)
        price, qty = trade.price, trade.qty
        self.last = price
        if not self.builds_candles:
            if emit is not None:
                emit(TradePrinted(trade, self.venue))
            return
        minute_ms = trade.ts_ns // MINUTE_NS * 60_000
        candle = self.candle
        if candle is None or minute_ms > candle.ts_ms:
            if candle is not None:
                self._close(candle, emit)
            candle = self.candle = Candle(minute_ms, price, price, price, price, ZERO)
            self.candle_qvol = ZERO
        # ``Candle.add_trade``, inlined: once per replayed trade (max and min cost a call each)
        if price > candle.high:  # noqa: PLR1730
            candle.high = price
        if price < candle.low:  # noqa: PLR1730
            candle.low = price
        candle.close = price
        candle.volume += qty
        self.candle_qvol += price * qty
        if emit is not None:
            emit(TradePrinted(trade, self.venue))
            update = self._update
            if update is None or update.candle is not candle:
                update = self._update = CandleUpdated(self.symbol, candle, False, self.venue)
            emit(update)

    def _close(self, candle: Candle, emit: Emit | None) -> None:
        self._remember(candle, self.candle_qvol)
        if emit is not None:
            emit(CandleUpdated(self.symbol, candle, True, self.venue))

    def _remember(self, candle: Candle, quote_volume: Decimal) -> None:
        self.closed.append(candle)
        self._window.append(candle)
        self._qvols.append(quote_volume)
        self._vol += candle.volume
        self._qvol += quote_volume
        self._hi = candle.high if self._hi is None else max(self._hi, candle.high)
        self._lo = candle.low if self._lo is None else min(self._lo, candle.low)

    def track_candle(self, candle: Candle, closed: bool) -> None:
        """Follow a candle the source sent (recordings), the way the engine does: a candle
        for a minute already kept replaces it. (A recording starts with the history its
        engine held, whose newest candle was still open; the next update of that minute
        must not add it twice, or the candles republished after a jump are out of order.)"""
        while self.closed and self.closed[-1].ts_ms >= candle.ts_ms:
            self._forget_newest()
        current = self.candle
        if current is not None and current.ts_ms < candle.ts_ms:
            self._remember(current, current.volume * current.close)
            self.candle = None
        if closed:
            self._remember(candle, candle.volume * candle.close)
            self.candle = None
        else:
            self.candle = candle
        self.last = candle.close

    def _forget_newest(self) -> None:
        """Drop the newest closed candle and its part of the 24h statistics."""
        candle = self.closed.pop()
        window = self._window
        if window and window[-1] is candle:
            window.pop()
            self._vol -= candle.volume
            self._qvol -= self._qvols.pop()
            if candle.high == self._hi or candle.low == self._lo:
                self._hi = max((c.high for c in window), default=None)
                self._lo = min((c.low for c in window), default=None)

    def load_candles(self, candles: list[Candle]) -> None:
        """Replace the history (a recorded ``CandlesLoaded``)."""
        self.closed.clear()
        self._window.clear()
        self._qvols.clear()
        self._vol = self._qvol = ZERO
        self._hi = self._lo = None
        self.candle = None
        for candle in candles:
            self._remember(candle, candle.volume * candle.close)
        if candles:
            self.last = candles[-1].close

    def candles(self) -> list[Candle]:
        """Closed candles and the live one, oldest first."""
        out = list(self.closed)
        if self.candle is not None:
            out.append(self.candle)
        return out

    def _evict(self, now_ms: int) -> None:
        window, qvols = self._window, self._qvols
        stale = False
        while window and window[0].ts_ms <= now_ms - DAY_MS:
            old = window.popleft()
            self._vol -= old.volume
            self._qvol -= qvols.popleft()
            stale = stale or old.high == self._hi or old.low == self._lo
        if stale:
            self._hi = max((c.high for c in window), default=None)
            self._lo = min((c.low for c in window), default=None)

    def ticker(self, book: OrderBook, now_ns: int) -> Ticker | None:
        """24h statistics of what was replayed so far; None before any price is known.

        ``last`` is the last trade, or the best bid (else ask) before the first trade.
        """
        self._evict(now_ns // 1_000_000)
        bid, ask = book.bids.best(), book.asks.best()
        last = self.last
        if last is None:
            last = bid if bid is not None else ask
            if last is None:
                return None
        window, live = self._window, self.candle
        open_ = window[0].open if window else (live.open if live is not None else last)
        high, low = self._hi, self._lo
        volume, quote_volume = self._vol, self._qvol
        if live is not None:
            high = live.high if high is None else max(high, live.high)
            low = live.low if low is None else min(low, live.low)
            volume += live.volume
            quote_volume += self.candle_qvol
        return Ticker(
            self.symbol,
            last,
            bid,
            ask,
            open_,
            last if high is None else high,
            last if low is None else low,
            volume,
            quote_volume,
            now_ns,
        )
