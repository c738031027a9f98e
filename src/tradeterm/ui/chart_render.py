"""Draws the chart pane's picture: plotext candles and indicators, volume bars, time axis, fills.

Plain functions over floats; ``to_floats`` is the chart's one ``Decimal`` -> ``float``
conversion. plotext, pandas and the indicators are imported on first use, not at start-up.

Geometry: all panels share one y-label width and each panel's x axis is its canvas column
(``xlim = (0, columns - 1)``), so a candle sits on the same column in every panel, ``STEP``
columns from the next, the newest on the right edge. Candles, overlays, RSI and MACD come from
plotext; volume bars (eighth-cell heights, finer than plotext's bars) and the time axis are
drawn here, as ANSI text like plotext's.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from tradeterm.domain.enums import Side
from tradeterm.domain.fills import Fill
from tradeterm.domain.market_data import Candle
from tradeterm.ui.format import fmt_compact_quote
from tradeterm.ui.themes import theme_colour

if TYPE_CHECKING:
    from textual_plotext import Plot

    from tradeterm.analysis.recurrence import FloatArray

Rgb = tuple[int, int, int]

#: Overlay modes in key order, with the header's names.
OVERLAYS = {"none": "no overlay", "ema": "EMA 20/50", "bollinger": "BB 20,2"}
#: Lower-panel modes in key order ("volume": only the volume bars under the candles).
LOWER = {"rsi": "RSI 14", "macd": "MACD 12,26,9", "volume": "volume only"}
WARMUP = 200  # buckets read before the first visible one, so that indicators have settled
STEP = 2  # cells per candle: the candle, then a gap
_EIGHTHS = " ▁▂▃▄▅▆▇█"
_MINUTES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440, 2880, 10080, 20160, 40320)


@dataclass(frozen=True, slots=True)
class ChartColors:
    """Plot colours as RGB, from the theme's variables."""

    up: Rgb
    down: Rgb
    buy: Rgb
    sell: Rgb
    muted: Rgb
    accent: Rgb
    second: Rgb

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> ChartColors:
        names = ("pnl-up", "pnl-down", "bid", "ask", "muted", "accent", "primary")
        fallback = _rgb(variables.get("foreground", ""), (216, 222, 233))
        return cls(*(_rgb(variables.get(name, ""), fallback) for name in names))


def _rgb(value: str, fallback: Rgb) -> Rgb:
    """A theme colour as RGB for the plot: its colour without the alpha Textual's ANSI themes
    add (``ansi_green 50%``); ``fallback`` for the terminal's own default colour, for
    ``transparent`` and for what is no colour (a plot needs a real one)."""
    color = theme_colour(value)
    return fallback if color is None or color.ansi == -1 or color.a == 0 else color.rgb


class FloatCandles(NamedTuple):
    """Candles as parallel float lists, for plotting and indicators."""

    ts_ms: list[int]
    open: list[float]
    high: list[float]
    low: list[float]
    close: list[float]
    volume: list[float]


def to_floats(candles: Sequence[Candle]) -> FloatCandles:
    """The chart's one Decimal -> float conversion."""
    o, h, low, c, v = ([float(getattr(x, f)) for x in candles] for f in FloatCandles._fields[1:])
    return FloatCandles([x.ts_ms for x in candles], o, h, low, c, v)


@dataclass(frozen=True, slots=True)
class FillMark:
    """Own fills of one side inside one visible candle (``index`` into the visible candles)."""

    index: int
    ts_ms: int
    side: Side
    count: int


def mark_fills(candles: Sequence[Candle], fills: Sequence[Fill], length_ms: int) -> list[FillMark]:
    """One mark per (candle, side) holding fills; a fill in no shown candle gets no mark."""
    position = {c.ts_ms: i for i, c in enumerate(candles)}
    counts: dict[tuple[int, Side], int] = {}
    for fill in fills:
        index = position.get(fill.ts_ns // 1_000_000 // length_ms * length_ms)
        if index is not None:
            counts[index, fill.side] = counts.get((index, fill.side), 0) + 1
    return [FillMark(i, candles[i].ts_ms, side, n) for (i, side), n in sorted(counts.items())]


def fit_width(candles: Sequence[Candle], places: int, width: int) -> tuple[int, int]:
    """(cells for the y labels and a space, how many candles fit beside them) for a chart
    of ``candles`` in ``width`` cells; labels fit the widest price or a volume ("12.34K")."""
    top = max((c.high for c in candles), default=0)
    labels = max(len(f"{top:,.{places}f}"), 6) + 1
    return labels, max(0, (width - labels + STEP - 1) // STEP)


def panel_heights(height: int, lower: str) -> tuple[int, int, int, int]:
    """Rows for (price, volume, lower panel, time axis). The lower panel gets an odd number,
    at least 5: MACD's zero is then the middle row and RSI's 30, 50, 70 fall on three rows."""
    if height < 7:
        return height, 0, 0, 0
    volume = 2 if height < 20 else 3 if height < 36 else 4
    below = max(5, (height - 1) * 3 // 10) if lower != "volume" and height >= 14 else 0
    below -= 1 - below % 2 if below else 0
    return height - 1 - volume - below, volume, below, 1


def nice_ticks(low: float, high: float, count: int) -> list[float]:
    """Round values (1, 2, 5 x 10^k apart) inside [low, high], at most about ``count``."""
    if high <= low or count < 1:
        return [low]
    power = 10.0 ** math.floor(math.log10((high - low) / count))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= (high - low) / count)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """What to draw: ``series`` holds warm-up candles, and its last ``visible`` are shown
    (``visible`` must not exceed what ``fit_width`` allows)."""

    series: FloatCandles
    visible: int
    marks: Sequence[FillMark]
    overlay: str
    lower: str
    places: int
    length_ms: int
    width: int
    height: int
    labels: int


_imported = threading.Event()


def import_libraries() -> None:
    """Import what drawing needs (plotext, numpy and the indicator arithmetic: a quarter of a
    second on a small machine; not pandas). The pane runs this once in a thread, so that the
    first frame and the ladder never wait for it."""
    import textual_plotext  # noqa: F401

    import tradeterm.analysis.indicator_arrays  # noqa: F401

    _imported.set()


def libraries_ready() -> bool:
    return _imported.is_set()


def _ansi(text: str, color: Rgb) -> str:
    return "\x1b[38;2;{};{};{}m{}\x1b[0m".format(*color, text)


def _figure(request: ChartRequest, rows: int, colors: ChartColors) -> Plot:
    from textual_plotext import Plot

    plt = Plot()
    # plotext.limit_size(False, False) for this figure: plotext clamps a figure to the size of
    # the terminal it sees (80x24 when stdout is not a tty), which is not the pane's size.
    plt._limit_size(False, False)  # type: ignore[attr-defined]
    plt.plotsize(request.width, rows)
    plt.theme("clear")
    plt.frame(False)
    plt.ticks_color(colors.muted)
    plt.xlim(0, request.width - request.labels - 1)
    plt.xticks([], [])
    return plt


def _yticks(plt: Plot, ticks: Sequence[float], texts: Sequence[str], labels: int) -> None:
    plt.yticks(list(ticks), [t.rjust(labels - 1) + " " for t in texts])


def _line(plt: Plot, xs: Sequence[int], values: Sequence[float], color: Rgb) -> None:
    points = [(x, v) for x, v in zip(xs, values, strict=True) if not math.isnan(v)]
    if len(points) > 1:
        plt.plot([p[0] for p in points], [p[1] for p in points], color=color, marker="braille")


def indicators(request: ChartRequest) -> dict[str, list[float]]:
    """Overlay and lower-panel lines over the whole series, warm-up included."""
    if request.overlay == "none" and request.lower == "volume":
        return {}
    import numpy as np

    from tradeterm.analysis import indicator_arrays as ia

    close = np.asarray(request.series.close, dtype=np.float64)

    def bands() -> dict[str, FloatArray]:
        middle, upper, lower, _, _ = ia.bollinger(close, 20, 2.0)
        return {"middle": middle, "upper": upper, "lower": lower}

    def macd() -> dict[str, FloatArray]:
        line, signal, hist = ia.macd(close, 12, 26, 9)
        return {"macd": line, "signal": signal, "hist": hist}

    makers: dict[str, Callable[[], dict[str, FloatArray]]] = {
        "ema": lambda: {"ema20": ia.ema(close, 20), "ema50": ia.ema(close, 50)},
        "bollinger": bands,
        "rsi": lambda: {"rsi": ia.rsi(close, 14)},
        "macd": macd,
    }
    lines: dict[str, list[float]] = {}
    for key in (request.overlay, request.lower):
        if key in makers:
            lines.update((name, values.tolist()) for name, values in makers[key]().items())
    return lines


def _price(request: ChartRequest, rows: int, xs: list[int], lines: dict[str, list[float]],
           colors: ChartColors) -> list[str]:  # fmt: skip
    s, n = request.series, request.visible
    opens, highs, lows, closes = (v[-n:] for v in (s.open, s.high, s.low, s.close))
    overlays = {"ema50": colors.second, "ema20": colors.accent, "upper": colors.muted,
                "lower": colors.muted, "middle": colors.accent}  # fmt: skip
    drawn = [v for k in overlays for v in lines.get(k, []) if not math.isnan(v)]
    top, bottom = max(highs + drawn), min(lows + drawn)
    buys = any(m.side is Side.BUY for m in request.marks)
    sells = any(m.side is Side.SELL for m in request.marks)
    # A spare row under the lows for buy markers and one over the highs for sell markers.
    pad = (
        (top - bottom) / max(1, rows - 1 - buys - sells) if top > bottom else abs(top) / 1e3 or 1.0
    )
    plt = _figure(request, rows, colors)
    plt.ylim(bottom - pad * (buys or top == bottom), top + pad * (sells or top == bottom))
    ticks = nice_ticks(bottom, top, max(1, rows // 2))
    _yticks(plt, ticks, [f"{t:,.{request.places}f}" for t in ticks], request.labels)
    for name, color in overlays.items():
        if name in lines:
            _line(plt, xs, lines[name], color)
    ohlc = {"Open": opens, "Close": closes, "High": highs, "Low": lows}
    # plotext's stub says dates are strings; its candlestick takes numbers as well.
    plt.candlestick(xs, ohlc, colors=[colors.up, colors.down])  # type: ignore[arg-type]
    for mark in request.marks:
        buy = mark.side is Side.BUY
        y = lows[mark.index] - pad if buy else highs[mark.index] + pad
        marker, color = ("▲", colors.buy) if buy else ("▼", colors.sell)
        plt.scatter([xs[mark.index]], [y], marker=marker, color=color)
    return str(plt.build()).splitlines()


def _lower(request: ChartRequest, rows: int, xs: list[int], lines: dict[str, list[float]],
           colors: ChartColors) -> list[str]:  # fmt: skip
    plt = _figure(request, rows, colors)
    if request.lower == "rsi":
        plt.ylim(0, 100)
        _yticks(plt, [30, 70], ["30", "70"], request.labels)
        plt.horizontal_line(30, color=colors.muted)
        plt.horizontal_line(70, color=colors.muted)
        _line(plt, xs, lines["rsi"], colors.accent)
        return str(plt.build()).splitlines()
    values = [abs(v) for k in ("macd", "signal", "hist") for v in lines[k] if not math.isnan(v)]
    span = max(values, default=0.0) or 1.0
    plt.ylim(-span, span)
    _yticks(plt, [0], ["0"], request.labels)
    plt.horizontal_line(0, color=colors.muted)
    row = 2 * span / (rows - 1)  # histogram bars: one scatter per colour, a point per row
    for sign, color in ((1, colors.up), (-1, colors.down)):
        cells = [(x, sign * k * row) for x, h in zip(xs, lines["hist"], strict=True)
                 if h * sign > 0 for k in range(round(abs(h) / row) + 1)]  # fmt: skip
        if cells:
            plt.scatter([c[0] for c in cells], [c[1] for c in cells], marker="sd", color=color)
    _line(plt, xs, lines["macd"], colors.accent)
    _line(plt, xs, lines["signal"], colors.second)
    return str(plt.build()).splitlines()


def _volume(request: ChartRequest, rows: int, xs: list[int], colors: ChartColors) -> list[str]:
    """Volume bars in eighth-cell steps, coloured like their candles."""
    s, n = request.series, request.visible
    ups = [c > o for o, c in zip(s.open[-n:], s.close[-n:], strict=True)]
    peak = max(s.volume[-n:])
    eighths = [round(v / peak * rows * 8) if peak > 0 else 0 for v in s.volume[-n:]]
    out = []
    for row in range(rows):
        level = (rows - 1 - row) * 8
        cells = [" "] * (request.width - request.labels)
        for x, h, up in zip(xs, eighths, ups, strict=True):
            if h > level:
                cells[x] = _ansi(_EIGHTHS[min(8, h - level)], colors.up if up else colors.down)
        label = fmt_compact_quote(peak) if row == 0 else ""
        out.append(_ansi(label.rjust(request.labels - 1) + " ", colors.muted) + "".join(cells))
    return out


def _axis(request: ChartRequest, xs: list[int], colors: ChartColors) -> str:
    """Times under the candles at round times, never overlapping (unaligned if none fits)."""
    length, stamps = request.length_ms, request.series.ts_ms[-request.visible :]
    form = "%b %d" if length >= 86_400_000 else "%a %Hh" if length >= 3_600_000 else "%H:%M"
    width = len(time.strftime(form, time.gmtime(0)))
    gaps = (m * 60_000 for m in _MINUTES)
    gap = next((g for g in gaps if g % length == 0 and g // length * STEP >= width + 3), length)
    for aligned in (True, False):
        cells, free = [" "] * (request.width - request.labels), 0
        for x, ts in zip(xs, stamps, strict=True):
            start = x - width // 2
            if (aligned and ts % gap) or start < free or start + width > len(cells):
                continue
            cells[start : start + width] = time.strftime(form, time.gmtime(ts // 1000))
            free = start + width + 2
        if free:
            break
    return " " * request.labels + _ansi("".join(cells), colors.muted)


def render(request: ChartRequest, colors: ChartColors) -> list[str]:
    """The chart as ANSI lines, ``request.width`` x ``request.height`` cells."""
    n, columns = request.visible, request.width - request.labels
    xs = [columns - 1 - STEP * (n - 1 - i) for i in range(n)]
    lines = {k: v[-n:] for k, v in indicators(request).items()}
    price, volume, lower, axis = panel_heights(request.height, request.lower)
    out = _price(request, price, xs, lines, colors)
    out += _volume(request, volume, xs, colors) if volume else []
    out += _lower(request, lower, xs, lines, colors) if lower else []
    return out + ([_axis(request, xs, colors)] if axis else [])
