"""The refresh tick: one snapshot per dirty, visible pane, at most ``refresh_hz`` times a second.

Slow-moving panes (scanner, positions, orders, fills, alerts) redraw at most ``SLOW_HZ`` times a
second however busy the feed is, except for a moment after the user acted (``hurry``), when
they follow at once; the ladder and tape follow the frame rate. Hidden panes keep their dirty
flag and cost nothing until they are shown. The ladder's own-order markers are recomputed
only when orders changed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.timer import Timer

from tradeterm.ui.format import fmt_price
from tradeterm.ui.panes.orders import EMULATED, resting_by_price
from tradeterm.ui.widgets.status import CALM, StatusView, staleness

if TYPE_CHECKING:
    from tradeterm.domain.fills import Fill
    from tradeterm.ui.app import TradetermApp


SLOW_HZ = 4.0
IDLE_HZ = 2.0
"""The tick's rate once nothing has needed drawing for ``QUIET_S``; any change wakes it."""
QUIET_S = 1.0
HURRY_S = 1.0
"""How long after a user's action the slow panes redraw at the frame rate."""


class Refresher:
    def __init__(self, app: TradetermApp) -> None:
        self.app = app
        self._slow_due = 0.0
        self._hurry_until = 0.0
        self._pending: set[str] = set()
        self._chart_fills: tuple[tuple[str, str, int, str], list[Fill]] = (("", "", 0, ""), [])
        self.frames = 0
        self.idle = False
        self._quiet_since = time.monotonic()
        self._timer: Timer | None = None
        self._rate_hz: float | None = None

    @property
    def rate_hz(self) -> float | None:
        """How many times a second the tick runs now: the frame rate, or ``IDLE_HZ`` while
        resting (None before ``start``)."""
        return self._rate_hz

    def start(self) -> None:
        self._run_at(self.app.refresh_hz)

    def _run_at(self, hz: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.app.set_interval(1.0 / hz, self.tick, name="refresh")
        self._rate_hz = hz

    def wake(self) -> None:
        """Back to the full frame rate (a pane needs drawing, or the user acted)."""
        if self.idle:
            self.idle = False
            self._quiet_since = time.monotonic()
            self.app.bridge.set_wake(None)
            self._run_at(self.app.refresh_hz)
            self.app.call_later(self.tick)  # draw the change now, not a frame later

    def _rest(self) -> None:
        """Nothing to draw for a while: tick at ``IDLE_HZ`` (the clock, the log) until a pane
        needs drawing; an idle workstation then costs a fraction of a percent of a core."""
        self.idle = True
        self.app.bridge.set_wake(self.wake)
        self._run_at(IDLE_HZ)

    def hurry(self) -> None:
        """The user just acted: show its outcome now, not at the slow rate."""
        self._hurry_until = time.monotonic() + HURRY_S
        self.wake()

    def draw_orders(self) -> None:
        """Draw the orders pane now, ahead of the tick (the user's own order just changed)."""
        app = self.app
        pending = self._pending
        pending |= app.bridge.take()
        if "orders" in pending and app.arrangement.pane_visible("orders"):
            pending.discard("orders")
            state = app.engine.state
            with app.batch_update():
                app.orders.show(state.account, state.markets_on(state.account.spec.venue))
                self._orders_title()

    def tick(self) -> None:
        app = self.app
        pending = self._pending
        pending |= app.bridge.take()
        now_mono = time.monotonic()
        slow_ok = now_mono >= self._slow_due
        soon = slow_ok or now_mono < self._hurry_until
        engine = app.engine
        state = engine.state
        now_ns = engine.clock.now_ns()
        active = state.active
        symbol = active.symbol
        mine = symbol if state.account.spec.venue == active.venue else ""  # own orders, fills
        market = state.markets.get(active)
        visible = app.arrangement.pane_visible
        drawn = slow_drawn = False
        feed, after_ns = state.feed, engine.stale_after_ns
        feed_stale = staleness(feed.state, feed.last_message_ns, now_ns, after_ns)
        book = state.books.get(active)
        book_stale = feed_stale
        if not book_stale and book is not None and feed.state in CALM:
            book_stale = staleness(feed.state, book.ts_ns, now_ns, after_ns)
        if book_stale != app.ladder.stale:
            pending.add("book")  # greyed, or fresh again, and the age ticks on
        if feed_stale != app.scanner.stale:
            pending.add("scanner")
        with app.batch_update():
            if "own" in pending and visible("book"):
                pending.discard("own")
                app.ladder.set_own(*resting_by_price(state.account, mine))
            if ("book" in pending or app.ladder.flash_due(now_ns)) and visible("book"):
                pending.discard("book")
                if book is not None and market is not None:
                    app.ladder.show(book, market, now_ns, book_stale, state.label(active))
                    app.book_pane.set_titles(f"1 Order book  {app.ladder.title}")
                    drawn = True
            if "tape" in pending and visible("tape") and market is not None:
                pending.discard("tape")
                app.tape.show(list(state.tapes.get(active, ())), market)
                drawn = True
            moved = app.scanner.active != state.label(active)  # the user picked one: mark it
            if (slow_ok or moved) and "scanner" in pending and visible("scanner"):
                pending.discard("scanner")
                by_label = state.by_label
                app.scanner.show(
                    by_label(state.markets),
                    by_label(state.tickers),
                    by_label(state.books),
                    by_label(state.candles),
                    state.label(active),
                    feed_stale,
                )
                app.scanner_box.set_titles(subtitle=app.scanner.summary)
                slow_drawn = True
            if soon and "positions" in pending and visible("positions"):
                pending.discard("positions")
                venue = state.account.spec.venue
                app.positions.show(state.account, state.markets_on(venue), state.books_on(venue))
                slow_drawn = True
            if soon and "orders" in pending and visible("orders"):
                pending.discard("orders")
                app.orders.show(state.account, state.markets_on(state.account.spec.venue))
                self._orders_title()
                slow_drawn = True
            if soon and "fills" in pending and visible("fills"):
                pending.discard("fills")
                app.fills.show(state.account.fills, state.markets_on(state.account.spec.venue))
                slow_drawn = True
            if soon and "alerts" in pending and visible("alerts"):
                pending.discard("alerts")
                app.alerts_pane.show(app.alerting.alerts)
                slow_drawn = True
            if "chart" in pending and visible("chart") and market is not None:
                pending.discard("chart")
                candles = state.candles.get(active, ())
                app.chart.show(candles, market, self._fills_on(mine), now_ns)
            for notice in app.bridge.take_notices():  # the engine logged each one
                app.notify(notice, severity="error", timeout=8)
            if visible("log"):
                app.log_pane.sync()
            pending.discard("status")
            self._status(now_ns)
        if drawn or slow_drawn:
            self.frames += 1
        if slow_ok and slow_drawn:
            self._slow_due = now_mono + 1.0 / SLOW_HZ
        if drawn or slow_drawn or pending or app.ladder.flashing:
            self._quiet_since = now_mono
        elif not self.idle and now_mono - self._quiet_since >= QUIET_S:
            self._rest()

    def _orders_title(self) -> None:
        app = self.app
        count = app.orders.table.row_count
        legend = f"{EMULATED.strip('·')} = emulated by tradeterm"
        app.orders_pane.set_titles(
            f"6 Orders ({count})" if count else "6 Orders",
            legend if app.orders.emulated_shown else "",
        )

    def _fills_on(self, symbol: str) -> list[Fill]:
        """The active account's fills on ``symbol``, oldest first (rebuilt when a fill came)."""
        account = self.app.engine.state.account
        fills = account.fills
        key = (account.name, symbol, len(fills), fills[0].fill_id if fills else "")
        if key != self._chart_fills[0]:
            mine = [f for f in reversed(fills) if f.symbol == symbol]
            self._chart_fills = (key, mine)
        return self._chart_fills[1]

    def _status(self, now_ns: int) -> None:
        app = self.app
        state = app.engine.state
        account = state.account
        active = state.active
        ticker = state.tickers.get(active)
        market = state.markets.get(active)
        book = state.books.get(active)
        mid = book.mid() if book is not None else None
        last = ticker.last if ticker is not None else mid
        places = market.price_places if market is not None else 2
        last_ns = state.feed.last_message_ns
        age_s = max(0, now_ns - last_ns) // 1_000_000_000 if last_ns else None
        app.status.show(
            StatusView(
                account=account.name,
                mode=account.mode,
                armed=account.armed,
                venue=state.feed.venue,
                feed=state.feed.state,
                feed_detail=state.feed.detail,
                symbol=state.label(active) or "—",
                last=fmt_price(last, places) if last is not None else "",
                change=ticker.change_pct if ticker is not None else None,
                now_ns=now_ns // 1_000_000_000 * 1_000_000_000,
                recording=app.recording.active,
                trading=account.trading_state,
                feed_age_s=age_s,
            )
        )
