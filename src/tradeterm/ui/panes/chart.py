"""The chart pane: candles of the active symbol in a chosen timeframe, indicators and own fills."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from functools import lru_cache
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.worker import Worker, WorkerState

from tradeterm.domain.fills import Fill
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.domain.resample import TIMEFRAMES, resample_tail
from tradeterm.ui import chart_render as draw
from tradeterm.ui.format import fmt_price
from tradeterm.ui.widgets.base import LineWidget, fit, line

log = logging.getLogger("tradeterm.ui.chart")

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


@lru_cache(maxsize=256)
def _sgr(code: str) -> Style | None:
    """The style one of plotext's escapes sets: reset (None), or a 24-bit fg / bg colour."""
    parts = code.split(";")
    if len(parts) == 5 and parts[:2] in (["38", "2"], ["48", "2"]):
        color = "rgb({},{},{})".format(*parts[2:])
        return Style(color=color) if parts[0] == "38" else Style(bgcolor=color)
    return Style(bold=True) if code == "1" else None


def ansi_strip(text: str, width: int) -> Strip:
    """One ANSI line as a Strip of ``width`` cells: a small reader for the escapes plotext
    writes (resets and 24-bit colours), ten times faster than ``Text.from_ansi`` here."""
    segments: list[Segment] = []
    style: Style | None = None
    position = 0
    for match in _SGR.finditer(text):
        if match.start() > position:
            segments.append(Segment(text[position : match.start()], style))
        new = _sgr(match.group(1))
        style = None if new is None else new if style is None else style + new
        position = match.end()
    segments.append(Segment(text[position:], style))
    return Strip(segments).adjust_cell_length(width)


def _cycle(options: Sequence[str], current: str, step: int) -> str:
    return options[(options.index(current) + step) % len(options)]


def _remaining(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class ChartPane(LineWidget, can_focus=True):
    """Candlesticks with volume, an overlay and a lower panel, drawn only after the data,
    size, toggles or theme changed: at most every ``min_interval`` seconds after a user's
    action, every ``live_interval`` seconds while only the market moves (a drawing costs
    10-80 ms of the event loop).

    ``show`` only records its arguments (the pane keeps the candle sequence and reads it when
    it draws); drawing runs from a timer, and not at all while the pane is off screen.
    """

    DIRECT_LINES = True

    DEFAULT_CSS = "ChartPane { width: 1fr; height: 1fr; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "cycle_timeframe(1)", "Timeframe", id="chart.tf_next"),
        Binding("M", "cycle_timeframe(-1)", "Timeframe back", show=False, id="chart.tf_prev"),
        Binding("o", "cycle_overlay", "Overlay", id="chart.overlay"),
        Binding("i", "cycle_lower", "Indicator", id="chart.lower"),
        *[
            Binding(f"f{n}", f"set_timeframe('{tf}')", tf, show=False, id=f"chart.tf_{tf}")
            for n, tf in enumerate(TIMEFRAMES, start=1)
        ],
    ]

    def __init__(
        self,
        *,
        timeframe: str = "1m",
        overlay: str = "none",
        lower: str = "rsi",
        min_interval: float = 0.3,
        live_interval: float = 1.0,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        for value, allowed in ((timeframe, TIMEFRAMES), (overlay, draw.OVERLAYS),
                               (lower, draw.LOWER)):  # fmt: skip
            if value not in allowed:
                raise ValueError(f"chart setting {value!r}: allowed are {', '.join(allowed)}")
        self.timeframe, self.overlay, self.lower = timeframe, overlay, lower
        self.min_interval, self.live_interval = min_interval, live_interval
        self._due_at = 0.0
        self.render_count = 0
        #: The candles drawn by the last render, in the pane's timeframe (oldest first).
        self.visible_candles: list[Candle] = []
        #: Own fills placed on ``visible_candles`` by the last render.
        self.fill_marks: list[draw.FillMark] = []
        #: The one-line message shown instead of a plot, or None when a plot is shown.
        self.message: str | None = None
        self._source: Sequence[Candle] = ()
        self._market: Market | None = None
        self._fills: Sequence[Fill] = ()
        self._now_ns = 0
        self._colors: draw.ChartColors | None = None
        self._dirty = self._pending = False
        self._importer: Worker[None] | None = None
        self._last_draw = -1e9
        self._lines: list[Strip] = []

    @property
    def stale(self) -> bool:
        """A change waits to be drawn (a hidden pane keeps it until it is shown)."""
        return self._dirty

    @property
    def draw_scheduled(self) -> bool:
        """A drawing is scheduled (throttled, or waiting for the drawing libraries)."""
        return self._pending

    def show(
        self, candles: Sequence[Candle], market: Market, fills: Sequence[Fill], now_ns: int
    ) -> None:
        """Record one-minute ``candles`` (oldest first), the market and own fills; draw later."""
        self._source, self._market, self._fills, self._now_ns = candles, market, fills, now_ns
        self._invalidate(live=True)

    def action_cycle_timeframe(self, step: int) -> None:
        self.timeframe = _cycle(list(TIMEFRAMES), self.timeframe, step)
        self._invalidate()

    def action_set_timeframe(self, timeframe: str) -> None:
        self.timeframe = timeframe
        self._invalidate()

    def action_cycle_overlay(self) -> None:
        self.overlay = _cycle(list(draw.OVERLAYS), self.overlay, 1)
        self._invalidate()

    def action_cycle_lower(self) -> None:
        self.lower = _cycle(list(draw.LOWER), self.lower, 1)
        self._invalidate()

    def resized(self) -> None:
        self._invalidate()

    def on_show(self) -> None:
        if self._dirty:
            self._schedule()

    def theme_changed(self) -> None:
        self._colors = None
        self._invalidate()

    # --- throttle: one drawing per interval at most, none while hidden ----------------------

    def _invalidate(self, live: bool = False) -> None:
        self._dirty = True
        if self.is_mounted:
            self._schedule(self.live_interval if live else self.min_interval)

    def _schedule(self, interval: float | None = None) -> None:
        """Draw ``interval`` seconds after the last drawing (at once if that has passed),
        unless a drawing is already due sooner."""
        now = time.monotonic()
        due = max(now, self._last_draw + (self.min_interval if interval is None else interval))
        if self._pending and self._due_at <= due:
            return
        self._pending, self._due_at = True, due
        if due > now:
            self.set_timer(due - now, self._draw_due, name="chart.draw")
        else:
            self.call_later(self._draw_due)

    def _draw_due(self) -> None:
        self._pending = False
        if not self._dirty or not self.is_on_screen:
            return  # on_show schedules the drawing when the pane comes back
        request = self._request()  # shows a message instead when there is no plot to draw
        if request is not None and not draw.libraries_ready():
            self._import_then_draw()  # only a plot needs them: none is loaded before one is due
            return
        self._dirty = False
        self._last_draw = time.monotonic()
        self.render_count += 1
        if request is not None:
            self._plot(request)

    def _import_then_draw(self) -> None:
        """Import the drawing libraries in a thread (once), then draw."""
        if self._importer is None:
            self._importer = self.run_worker(
                draw.import_libraries,
                name="chart.imports",
                group="chart",
                thread=True,
                exit_on_error=False,
            )
        elif self._importer.state is WorkerState.ERROR:  # logged and shown by the app
            error = self._importer.error
            self._show_message(f"chart unavailable: {error}", self.size.width, self.size.height)
            return
        self._pending = True
        self.set_timer(0.05, self._draw_due, name="chart.draw")

    # --- drawing ------------------------------------------------------------------------

    def _request(self) -> draw.ChartRequest | None:
        """What to plot, or None after showing the message that stands in for a plot."""
        width, height = self.size.width, self.size.height
        market = self._market
        if width <= 0 or height <= 0:
            return None
        if market is None:
            self._show_message("waiting for candles…", width, height)
            return None
        length = TIMEFRAMES[self.timeframe]
        capacity = width // draw.STEP
        try:
            tail = resample_tail(self._source, self.timeframe, capacity + draw.WARMUP)
        except ValueError as exc:
            message = f"cannot chart {market.symbol}: {exc}"
            if message != self.message:  # once, not at every redraw while it lasts
                log.warning("chart of %s: %s", market.symbol, exc)
            self._show_message(message, width, height)
            return None
        labels, fits = draw.fit_width(tail[-capacity:], market.price_places, width)
        count = min(len(tail), fits)
        self.visible_candles = tail[-count:] if count else []
        self.fill_marks = draw.mark_fills(self.visible_candles, self._fills, length)
        if count < 2:
            have = "no candle" if count == 0 else "1 candle"
            message = f"{have} in {self.timeframe} yet: the chart needs at least 2"
            self._show_message(message, width, height)
            return None
        if height < 4 or width < labels + 8:
            self._show_message(f"chart needs more room than {width}x{height}", width, height)
            return None
        return draw.ChartRequest(
            series=draw.to_floats(tail[-(count + draw.WARMUP) :]),
            visible=count,
            marks=self.fill_marks,
            overlay=self.overlay,
            lower=self.lower,
            places=market.price_places,
            length_ms=length,
            width=width,
            height=height - 1,
            labels=labels,
        )

    def _plot(self, request: draw.ChartRequest) -> None:
        if self._colors is None:
            self._colors = draw.ChartColors.from_variables(self.app.get_css_variables())
        self.message = None
        width, height = request.width, request.height + 1
        body = [ansi_strip(text, width) for text in draw.render(request, self._colors)]
        self.set_lines([self._header(width), *body][:height])

    def _show_message(self, message: str, width: int, height: int) -> None:
        self.message = message
        body = line([(fit(message, width), self.palette.muted)], width)
        lines = [self._header(width), body] if height > 1 else [body]
        self.set_lines(lines + [Strip.blank(width)] * (height - len(lines)))

    def _header(self, width: int) -> Strip:
        """Symbol, timeframe and toggles; the live candle's close, change and time left."""
        palette, market = self.palette, self._market
        left = f"{market.symbol if market else '—'} {self.timeframe} · "
        left += f"{draw.OVERLAYS[self.overlay]} · {draw.LOWER[self.lower]}"
        parts: list[tuple[str, Style | None]] = []
        last = self.visible_candles[-1] if self.visible_candles else None
        if last is not None and market is not None:
            change = (last.close - last.open) / last.open * 100 if last.open else 0
            style = palette.pnl_up if last.close >= last.open else palette.pnl_down
            parts.append((f"  {fmt_price(last.close, market.price_places)} ", style))
            parts.append((f"{change:+.2f}%", style))
            left_ms = last.ts_ms + TIMEFRAMES[self.timeframe] - self._now_ns // 1_000_000
            if 0 < left_ms <= TIMEFRAMES[self.timeframe]:
                parts.append((f"  {_remaining(left_ms)}", palette.muted))
        head = fit(left, max(0, width - sum(len(text) for text, _ in parts)))
        return line([(head, palette.header), *parts], width)
