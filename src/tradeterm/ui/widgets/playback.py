"""The replay's playback bar: state, speed, the session clock, a progress bar and message counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tradeterm.ui.screens.jump import when_text
from tradeterm.ui.widgets.base import LineWidget

EIGHTHS = "▏▎▍▌▋▊▉"
DAY_NS = 86_400 * 1_000_000_000
MIN_BAR = 16
"""The narrowest bar (with its percentage) worth drawing on the one-line layout."""

Parts = list[tuple[str, Style | None]]


class ReplayProgress(Protocol):
    """What the bar reads from the replay's ``Progress`` (times in ns since the epoch)."""

    @property
    def start_ns(self) -> int | None: ...
    @property
    def end_ns(self) -> int | None: ...
    @property
    def now_ns(self) -> int | None: ...
    @property
    def fraction(self) -> float: ...
    @property
    def messages(self) -> int: ...
    @property
    def total_messages(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class PlaybackView:
    """Everything the bar draws, as shown: equal views draw the same frame."""

    state: str
    """playing, paused, fastest (as fast as possible) or finished."""
    speed: str
    """4x, 0.25x, max (as fast as possible, shown while paused); empty when the state says it."""
    clock: str
    fraction: float | None
    """None while the session's length is unknown (before the replay scanned its files)."""
    count: str
    start: str
    """The session's first message time ("" while unknown); ``end`` its last."""
    end: str


def playback_view(
    progress: ReplayProgress, paused: bool, speed: float | None, finished: bool
) -> PlaybackView:
    """What the bar shows for this replay state (finished wins over paused over speed)."""
    if finished:
        state = "finished"
    elif paused:
        state = "paused"
    else:
        state = "playing" if speed is not None else "fastest"
    now, start, end = progress.now_ns, progress.start_ns, progress.end_ns
    total = progress.total_messages
    fraction: float | None = None
    if finished:
        fraction = 1.0
    elif end is not None:
        fraction = round(min(max(progress.fraction, 0.0), 1.0), 4)
    count = f"{progress.messages:,}" + (f"/{total:,}" if total is not None else " msgs")
    same_day = start is not None and end is not None and start // DAY_NS == end // DAY_NS
    return PlaybackView(
        state=state,
        speed="" if state == "fastest" else "max" if speed is None else f"{speed:g}x",
        clock="--:--:--" if now is None else when_text(now),
        fraction=fraction,
        count=count,
        start="" if start is None else when_text(start, day=not same_day),
        end="" if end is None else when_text(end, day=not same_day),
    )


GLYPHS = {"playing": "▶", "paused": "⏸", "fastest": "⏩", "finished": "■"}


class PlaybackBar(LineWidget):
    """One line (two when given height 2): ▶ 4x  2026-01-01 10:00:00  █████▌░░░ 42.0%  1,234/5,678.

    ``show`` is cheap to call on every tick: the frame is rebuilt only when what it
    shows changed, and ``set_lines`` repaints only the lines that differ.
    """

    DEFAULT_CSS = """
    PlaybackBar {
        height: 1;
        background: $panel;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: PlaybackView | None = None

    def show(
        self, progress: ReplayProgress, paused: bool, speed: float | None, finished: bool
    ) -> None:
        view = playback_view(progress, paused, speed, finished)
        if view != self.view:
            self.view = view
            self._draw()

    def resized(self) -> None:
        self._draw()

    def theme_changed(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.size.width
        if self.view is None or not width or not hasattr(self, "palette"):
            return
        if self.size.height >= 2:
            self.set_lines([self._head(self.view, width, True), self._bar_line(self.view, width)])
        else:
            self.set_lines([self._head(self.view, width, False)])

    def _state_style(self, state: str) -> Style:
        p = self.palette
        return {"playing": p.pnl_up, "paused": p.warning, "fastest": p.accent}.get(state, p.muted)

    def _head(self, view: PlaybackView, width: int, two_lines: bool) -> Strip:
        """The state, speed and clock; on one line also the bar, dropping detail to fit."""
        p = self.palette
        state: Parts = [(f" {GLYPHS[view.state]} {view.state} ", self._state_style(view.state))]
        state += [(f"{view.speed} ", p.text)] if view.speed else []
        state.append(("│ ", p.muted))
        clock: Parts = [(view.clock, p.text), (" UTC ", p.muted)]
        count: Parts = [("│ ", p.muted), (f"{view.count} ", p.muted)]
        if two_lines:
            return _strip(state + clock + count, width)
        short_clock: Parts = [(view.clock[11:] or view.clock, p.text), (" ", None)]
        for left, right in (
            (state + clock, count),
            (state + clock, []),
            (state + short_clock, []),
        ):
            room = width - _cells(left) - _cells(right)
            if room >= MIN_BAR:
                return _strip([*left, *self._bar(view, room - 1), (" ", None), *right], width)
        return _strip(state + short_clock, width)

    def _bar_line(self, view: PlaybackView, width: int) -> Strip:
        """The bar between the session's start and end times (dropped when it gets too short)."""
        muted = self.palette.muted
        left: Parts = [(f" {view.start} ", muted)] if view.start else [(" ", None)]
        right: Parts = [(f" {view.end}", muted)] if view.end else []
        if width - _cells(left) - _cells(right) - 1 < MIN_BAR:
            left, right = [(" ", None)], []
        room = width - _cells(left) - _cells(right) - 1
        bar = self._bar(view, room)
        return _strip([*left, *bar[:2], *right, bar[2]], width)

    def _bar(self, view: PlaybackView, width: int) -> Parts:
        """A progress bar of ``width`` cells, its percentage at the end."""
        p = self.palette
        label = " --.-%" if view.fraction is None else f" {view.fraction * 100:5.1f}%"
        cells = max(width - len(label), 0)
        eighths = round((view.fraction or 0.0) * cells * 8)
        full, part = divmod(eighths, 8)
        done = "█" * full + (EIGHTHS[part - 1] if part else "")
        return [(done, p.accent), ("░" * (cells - len(done)), p.muted), (label, p.text)]


def _cells(parts: Parts) -> int:
    return sum(cell_len(text) for text, _ in parts)


def _strip(parts: Parts, width: int) -> Strip:
    """Exactly ``width`` cells, measured in cells (wide glyphs count two)."""
    return Strip([Segment(text, style) for text, style in parts if text]).adjust_cell_length(width)
