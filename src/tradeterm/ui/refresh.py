"""The refresh tick: one snapshot per dirty, visible pane, at most ``refresh_hz`` times a second.

Slow-moving panes (scanner, positions) redraw at most ``SLOW_HZ`` times a
second however busy the feed is; the ladder and tape follow the frame rate.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tradeterm.ui.format import fmt_price
from tradeterm.ui.widgets.status import StatusView

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp

SLOW_HZ = 4.0


class Refresher:
    def __init__(self, app: TradetermApp) -> None:
        self.app = app
        self._slow_due = 0.0
        self._pending: set[str] = set()
        self.frames = 0

    def tick(self) -> None:
        app = self.app
        pending = self._pending
        pending |= app.bridge.take()
        now_mono = time.monotonic()
        slow_ok = now_mono >= self._slow_due
        engine = app.engine
        state = engine.state
        now_ns = engine.clock.now_ns()
        symbol = state.active_symbol
        market = state.markets.get(symbol)
        drawn = False
        with app.batch_update():
            if ("book" in pending or app.ladder.flash_due(now_ns)) and app.pane_visible("book"):
                pending.discard("book")
                book = state.books.get(symbol)
                if book is not None and market is not None:
                    app.ladder.show(book, market, now_ns)
                    app.book_pane.border_title = f"1 Order book  {app.ladder.title}"
                    drawn = True
            if "tape" in pending and app.pane_visible("tape") and market is not None:
                pending.discard("tape")
                app.tape.show(list(state.tapes.get(symbol, ())), market)
                drawn = True
            if slow_ok and "scanner" in pending and app.pane_visible("scanner"):
                pending.discard("scanner")
                app.scanner.show(state.markets, state.tickers, state.books, state.candles, symbol)
                drawn = True
            if slow_ok and "positions" in pending and app.pane_visible("positions"):
                pending.discard("positions")
                app.positions.show(state.account, state.markets, state.books)
                drawn = True
            if app.pane_visible("log"):
                app.log_pane.sync()
            self._status(now_ns)
        if drawn:
            self.frames += 1
        if slow_ok and drawn:
            self._slow_due = now_mono + 1.0 / SLOW_HZ

    def _status(self, now_ns: int) -> None:
        app = self.app
        state = app.engine.state
        account = state.account
        symbol = state.active_symbol
        ticker = state.tickers.get(symbol)
        market = state.markets.get(symbol)
        book = state.books.get(symbol)
        mid = book.mid() if book is not None else None
        last = ticker.last if ticker is not None else mid
        places = market.price_places if market is not None else 2
        app.status.show(
            StatusView(
                account=account.name,
                mode=account.mode,
                armed=account.armed,
                venue=state.feed.venue,
                feed=state.feed.state,
                feed_detail=state.feed.detail,
                symbol=symbol or "—",
                last=fmt_price(last, places) if last is not None else "",
                change=ticker.change_pct if ticker is not None else None,
                now_ns=now_ns // 1_000_000_000 * 1_000_000_000,
            )
        )
