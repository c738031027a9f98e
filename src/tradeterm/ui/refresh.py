"""The refresh tick: one snapshot per dirty, visible pane, at most ``refresh_hz`` times a second.

Which panes there are, how each is drawn and how often is the pane registry's
(``ui/panes/registry.py``). Slow-moving panes (scanner, positions, orders, fills, alerts) redraw
at most ``SLOW_HZ`` times a second however busy the feed is, except for a moment after the user
acted (``hurry``), when most follow at once; the ladder and tape follow the frame rate. Hidden
panes keep their dirty flag and cost nothing until they are shown. The ladder's own-order
markers are recomputed only when orders changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from textual.timer import Timer

from tradeterm.ui.format import fmt_price
from tradeterm.ui.panes.frame import Frame
from tradeterm.ui.panes.orders import resting_by_price
from tradeterm.ui.panes.registry import BY_ID, PANES, PaneSpec, Rate
from tradeterm.ui.widgets.status import StatusView

if TYPE_CHECKING:
    from typing import Any

    from tradeterm.domain.fills import Fill
    from tradeterm.ui.host import Host
    from tradeterm.ui.layout import Pane
    from tradeterm.ui.widgets.status import StatusBar
    from tradeterm.ui.workstation import Workstation


SLOW_HZ = 4.0
IDLE_HZ = 2.0
"""The tick's rate once nothing has needed drawing for ``QUIET_S``; any change wakes it."""
QUIET_S = 1.0
HURRY_S = 1.0
"""How long after a user's action the slow panes redraw at the frame rate."""


class Refresher:
    """Draws the dirty panes on screen on a timer (see the module docstring).

    Args:
        host: the app's timers and batched drawing.
        parts: the workstation it draws.
        boxes: the bordered pane boxes by pane id.
        status: the status bar.
        visible: whether a pane is on screen now (by pane id).
        refresh_hz: the frame rate.
    """

    def __init__(
        self,
        host: Host,
        parts: Workstation,
        boxes: Mapping[str, Pane],
        status: StatusBar,
        visible: Callable[[str], bool],
        refresh_hz: float,
    ) -> None:
        self.host = host
        self.parts = parts
        self.boxes = boxes
        self.status = status
        self.visible = visible
        self.refresh_hz = refresh_hz
        self._slow_due = 0.0
        self._hurry_until = 0.0
        self._pending: set[str] = set()
        self._chart_fills: tuple[tuple[str, str, int, str], list[Fill]] = (("", "", 0, ""), [])
        self.frames = 0
        self.idle = False
        self._quiet_since = time.monotonic()
        self._timer: Timer | None = None
        self._rate_hz: float | None = None
        self._orders_soon = False
        parts.bridge.on_manual_order = self._manual_order_changed

    @property
    def rate_hz(self) -> float | None:
        """How many times a second the tick runs now: the frame rate, or ``IDLE_HZ`` while
        resting (None before ``start``)."""
        return self._rate_hz

    def start(self) -> None:
        self._run_at(self.refresh_hz)

    def _run_at(self, hz: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.host.set_interval(1.0 / hz, self.tick, name="refresh")
        self._rate_hz = hz

    def wake(self) -> None:
        """Back to the full frame rate (a pane needs drawing, or the user acted)."""
        if self.idle:
            self.idle = False
            self._quiet_since = time.monotonic()
            self.parts.bridge.set_wake(None)
            self._run_at(self.refresh_hz)
            self.host.call_later(self.tick)  # draw the change now, not a frame later

    def _rest(self) -> None:
        """Nothing to draw for a while: tick at ``IDLE_HZ`` (the clock, the log) until a pane
        needs drawing; an idle workstation then costs a fraction of a percent of a core."""
        self.idle = True
        self.parts.bridge.set_wake(self.wake)
        self._run_at(IDLE_HZ)

    def hurry(self) -> None:
        """The user just acted: show its outcome now, not at the slow rate."""
        self._hurry_until = time.monotonic() + HURRY_S
        self.wake()

    def _manual_order_changed(self) -> None:
        """An untagged order changed. Within a second of the user acting (``hurry``), it is
        the venue's answer to the user's order, arriving outside the key's turn (a live
        exchange's acknowledgement): draw its row in the loop's next turn, not at the next
        tick (92 ms median at 10 Hz before). One such drawing at a time, so a burst draws
        once; strategies' orders and scripted ones follow the tick's rates."""
        if time.monotonic() < self._hurry_until and not self._orders_soon:
            self._orders_soon = True
            self.host.call_later(self._draw_orders_soon)

    def _draw_orders_soon(self) -> None:
        self._orders_soon = False
        self.draw_orders()

    def draw_orders(self) -> None:
        """Draw the orders pane now, ahead of the tick (the user's own order just changed)."""
        pending = self._pending
        pending |= self.parts.bridge.take()
        if "orders" in pending and self.visible("orders"):
            with self.host.batch_update():
                if self._draw(BY_ID["orders"], Frame.of(self.parts)) is not None:
                    pending.discard("orders")

    def _draw(self, spec: PaneSpec[Any], frame: Frame) -> bool | None:
        return spec.draw(frame, self.parts.contents[spec.id], self.boxes[spec.id])

    def tick(self) -> None:
        parts = self.parts
        pending = self._pending
        pending |= parts.bridge.take()
        now_mono = time.monotonic()
        slow_ok = now_mono >= self._slow_due
        soon = slow_ok or now_mono < self._hurry_until
        frame = Frame.of(parts)
        contents = parts.contents
        visible = self.visible
        drawn = slow_drawn = False
        for spec in PANES:
            if spec.stale is not None and spec.stale(frame, contents[spec.id]):
                pending.add(spec.id)  # greyed, or fresh again, and the age ticks on
        with self.host.batch_update():
            if "own" in pending and visible("book"):
                pending.discard("own")
                parts.ladder.set_own(*resting_by_price(frame.state.account, frame.mine))
            for spec in PANES:
                if not visible(spec.id):
                    continue
                if spec.rate is Rate.TICK:
                    self._draw(spec, frame)
                    continue
                if spec.id not in pending:
                    continue
                if not self._due(spec, frame, slow_ok, soon):
                    continue
                done = self._draw(spec, frame)
                if done is None:
                    continue  # it cannot draw yet: it stays dirty
                pending.discard(spec.id)
                if spec.rate is Rate.FRAME:
                    drawn = drawn or done
                else:
                    slow_drawn = slow_drawn or done
            for notice in parts.bridge.take_notices():  # the engine logged each one
                self.host.notify(notice, severity="error", timeout=8)
            pending.discard("status")
            self._status(frame)
        if drawn or slow_drawn:
            self.frames += 1
        if slow_ok and slow_drawn:
            self._slow_due = now_mono + 1.0 / SLOW_HZ
        if drawn or slow_drawn or pending or parts.ladder.flashing:
            self._quiet_since = now_mono
        elif not self.idle and now_mono - self._quiet_since >= QUIET_S:
            self._rest()

    def _due(self, spec: PaneSpec[Any], frame: Frame, slow_ok: bool, soon: bool) -> bool:
        """Whether the dirty pane ``spec`` may be drawn in this tick, by its rate."""
        if spec.rate is Rate.SLOW:
            return soon
        if spec.rate is Rate.CALM and not slow_ok:
            return spec.urgent is not None and spec.urgent(frame, self.parts.contents[spec.id])
        return True

    def fills_on(self, symbol: str) -> list[Fill]:
        """The active account's fills on ``symbol``, oldest first (rebuilt when a fill came)."""
        account = self.parts.engine.state.account
        fills = account.fills
        key = (account.name, symbol, len(fills), fills[0].fill_id if fills else "")
        if key != self._chart_fills[0]:
            mine = [f for f in reversed(fills) if f.symbol == symbol]
            self._chart_fills = (key, mine)
        return self._chart_fills[1]

    def _status(self, frame: Frame) -> None:
        state = frame.state
        account = state.account
        ticker, market, book = frame.ticker, frame.market, frame.book
        mid = book.mid() if book is not None else None
        last = ticker.last if ticker is not None else mid
        places = market.price_places if market is not None else 2
        last_ns, now_ns = state.feed.last_message_ns, frame.now_ns
        age_s = max(0, now_ns - last_ns) // 1_000_000_000 if last_ns else None
        self.status.show(
            StatusView(
                account=account.name,
                mode=account.mode,
                armed=account.armed,
                venue=state.feed.venue,
                feed=state.feed.state,
                feed_detail=state.feed.detail,
                symbol=frame.label or "—",
                last=fmt_price(last, places) if last is not None else "",
                change=ticker.change_pct if ticker is not None else None,
                now_ns=now_ns // 1_000_000_000 * 1_000_000_000,
                recording=self.parts.recording.active,
                trading=account.trading_state,
                feed_age_s=age_s,
            )
        )
