"""The status bar: app name, account and mode badge, venue and feed state, symbol, clock; and
the staleness label the ladder and the scanner show while their data is old."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.strip import Strip

from tradeterm.domain.enums import AccountMode, FeedState, TradingState
from tradeterm.ui.format import clock_text
from tradeterm.ui.widgets.base import LineWidget, line

#: Feed states whose data is current (a feed that is still connecting has shown nothing yet).
CALM = (FeedState.CONNECTED, FeedState.CONNECTING)


def staleness(feed: FeedState, last_ns: int, now_ns: int, stale_after_ns: int) -> str:
    """What old data is labelled with: "" when fresh, "stale 12s" when the stream is silent
    (or the last update at ``last_ns`` is older than ``stale_after_ns``), "reconnecting · last
    update 12s ago" while the feed is down or reconnecting."""
    age = f"{max(0, now_ns - last_ns) // 1_000_000_000}s" if last_ns else ""
    if feed in CALM or feed is FeedState.STALE:
        if feed is not FeedState.STALE and (not last_ns or now_ns - last_ns <= stale_after_ns):
            return ""
        return f"stale {age}".rstrip()
    return f"{feed.value} · last update {age} ago" if age else feed.value


@dataclass(frozen=True, slots=True)
class StatusView:
    account: str
    mode: AccountMode
    armed: bool
    venue: str
    feed: FeedState
    feed_detail: str
    symbol: str
    last: str
    change: float | None
    now_ns: int
    recording: bool = False
    trading: TradingState = TradingState.ACTIVE
    feed_age_s: int | None = None
    """Seconds since the feed's last message, shown while it is not connected."""


class StatusBar(LineWidget):
    """One line, always on screen; the mode badge is never hidden, whatever the width."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: StatusView | None = None

    def show(self, view: StatusView) -> None:
        if view != self.view:
            self.view = view
            self.refresh()

    def _feed_style(self, state: FeedState) -> Style:
        p = self.palette
        if state is FeedState.CONNECTED:
            return p.pnl_up
        if state in (FeedState.STALE, FeedState.RECONNECTING, FeedState.CONNECTING):
            return p.warning
        return p.error

    def render_line(self, y: int) -> Strip:
        width = self.area.width
        p = self.palette
        view = self.view
        if view is None or y > 0:
            return line([(" tradeterm", p.accent)], width)
        if view.mode is AccountMode.LIVE:
            badge = " LIVE ARMED " if view.armed else " LIVE DISARMED "
            badge_style = p.live
        else:
            badge, badge_style = " PAPER ", p.paper
        feed = view.feed.value
        if view.feed not in CALM and view.feed_age_s is not None:
            feed += f" {view.feed_age_s}s"
        if view.feed_detail and view.feed is not FeedState.STALE:  # a stale detail is its age
            feed += f" ({view.feed_detail})"
        change = "" if view.change is None else f" {view.change:+.2f}%"
        change_style = p.pnl_up if (view.change or 0) >= 0 else p.pnl_down
        clock = clock_text(view.now_ns) + " UTC "
        parts: list[tuple[str, Style | None]] = [
            (" tradeterm ", p.accent),
            (badge, badge_style),
        ]
        if view.trading is not TradingState.ACTIVE:  # as loud as the mode: orders are refused
            parts.append((f" {view.trading.value.upper()} ", p.live))
        parts += [
            (f" {view.account} ", p.text),
            ("│ ", p.muted),
            (f"{view.venue} ", p.text),
            ("● ", self._feed_style(view.feed)),
            (f"{feed} ", self._feed_style(view.feed)),
        ]
        if view.recording:
            parts.append(("● REC ", p.error))
        parts += [
            ("│ ", p.muted),
            (f"{view.symbol} ", p.text),
            (view.last, p.text),
            (change, change_style),
        ]
        used = sum(len(t) for t, _ in parts)
        if used + len(clock) <= width:
            parts.append((" " * (width - used - len(clock)), None))
            parts.append((clock, p.muted))
        return line(parts, width)
