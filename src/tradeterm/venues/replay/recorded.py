"""Replaying tradeterm recordings: recorded events are applied to per-symbol books and passed on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tradeterm.domain import events as ev
from tradeterm.venues.replay.recording import decode
from tradeterm.venues.replay.state import BookFor, Context, SymbolState

ExecutionHandler = Callable[[object], None]


class RecordedBook(SymbolState):
    """A recorded symbol: books, trades, tickers and candles exactly as they were recorded."""

    def __init__(self, ctx: Context, exchange: str, exchange_symbol: str) -> None:
        super().__init__(ctx, exchange, exchange_symbol)
        if self.tape is not None:
            self.tape.builds_candles = False
            self.tape.exchange_ticker = True

    def on_book(self, event: ev.BookChanged) -> None:
        self.has_book = True
        book = self.book
        if event.snapshot:
            self.snapshots += 1
            if self.first_levels is None:
                self.first_levels = (
                    [str(p) for p, _ in [*event.bids, *event.asks]],
                    [str(q) for _, q in [*event.bids, *event.asks]],
                )
            if self.ctx.scan:
                return
            book.load(event.bids, event.asks, event.seq)
            self.synced = True
        elif self.ctx.scan:
            return
        elif not self.synced:
            self.dropped += 1
            return
        else:
            book.apply(event.bids, event.asks)
            book.seq = event.seq
            self.applied += 1
        book.ts_ns = event.ts_ns
        emit = self.ctx.emit
        if emit is not None:
            self.share()
            emit(event)

    def on_trade(self, event: ev.TradePrinted) -> None:
        trade_id = event.trade.trade_id
        if trade_id.isdigit():
            self.count_trade_id(int(trade_id))
        else:
            self.trades += 1
        tape = self.tape
        if tape is not None:
            tape.add(event.trade, self.ctx.emit)

    def on_passthrough(self, event: ev.MarketEvent) -> None:
        """Tickers and candles: tracked for seeks and ``fetch_candles``, then passed on."""
        tape = self.tape
        if tape is None:
            return
        if isinstance(event, ev.CandleUpdated):
            tape.track_candle(event.candle, event.closed)
        elif isinstance(event, ev.CandlesLoaded):
            tape.load_candles(list(event.candles))
        emit = self.ctx.emit
        if emit is not None:
            emit(event)


class RecordingDecoder:
    """Routes one recording's records to symbols; order events go to ``on_execution``."""

    def __init__(
        self,
        ctx: Context,
        venue: str,
        book_for: BookFor,
        on_execution: Callable[[], ExecutionHandler | None],
    ) -> None:
        self.ctx = ctx
        self.venue = venue
        self.book_for = book_for
        self.on_execution = on_execution
        self.other = 0

    def _state(self, symbol: str, ts: int) -> RecordedBook:
        state = self.book_for(RecordedBook, self.venue, symbol, ts)
        assert isinstance(state, RecordedBook)
        state.messages += 1
        state.last_ts = ts
        return state

    def handle(self, ts: int, src: int, line: int, record: dict[str, Any]) -> None:
        event = decode(record)
        if isinstance(event, ev.BookChanged):
            self._state(event.symbol, ts).on_book(event)
        elif isinstance(event, ev.TradePrinted):
            state = self._state(event.trade.symbol, ts)
            if not self.ctx.scan:
                state.on_trade(event)
        elif isinstance(event, ev.TickerUpdated):
            state = self._state(event.ticker.symbol, ts)
            if not self.ctx.scan:
                state.on_passthrough(event)
        elif isinstance(event, ev.CandleUpdated | ev.CandlesLoaded):
            state = self._state(event.symbol, ts)
            if not self.ctx.scan:
                state.on_passthrough(event)
        elif isinstance(event, ev.FeedStateChanged):
            self.other += 1
            emit = self.ctx.emit
            if emit is not None and not self.ctx.scan:
                emit(replace(event, venue=self.ctx.venue))
        else:
            self.other += 1
            handler = self.on_execution()
            if event is not None and handler is not None and not self.ctx.scan:
                handler(event)
