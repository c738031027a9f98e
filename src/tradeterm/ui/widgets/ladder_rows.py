"""The ladder's row arithmetic: own orders bucketed to the grouping and merged into the levels
shown, running totals, and depth bars painted under a row's cells."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tradeterm.domain.book import Level, OrderBook
from tradeterm.domain.numbers import ceil_to, floor_to
from tradeterm.ui.format import fmt_price, fmt_qty
from tradeterm.ui.palette import Palette
from tradeterm.ui.widgets.base import fit, line


@dataclass(frozen=True, slots=True)
class RowLayout:
    """Column widths and number formats shared by every row of one frame."""

    width: int
    price_w: int
    num_w: int
    places: int
    qty_places: int
    scale: Decimal
    """The deepest running total on screen: a full-width depth bar."""

    def bar(self, cum: Decimal) -> int:
        """The depth bar's cells for a running total of ``cum``."""
        return int(self.width * float(cum / self.scale) + 0.5)


def draw_row(
    palette: Palette,
    layout: RowLayout,
    level: tuple[bool, Decimal, Decimal, Decimal],
    own: bool,
    flashing: bool,
    cursor: bool,
    stale: bool = False,
    bar: int | None = None,
) -> Strip:
    """One price row: own-order marker, price, size, running total, depth bar (``bar`` cells,
    by default ``layout.bar(cum)``), cursor; a ``stale`` row is drawn in the muted role,
    without flashes."""
    is_bid, price, qty, cum = level
    price_w, num_w, width = layout.price_w, layout.num_w, layout.width
    text = (
        ("◆ " if own else "  ")
        + fit(fmt_price(price, layout.places), price_w)
        + fit(fmt_qty(qty, layout.qty_places, num_w - 1), num_w, "right")
        + fit(fmt_qty(cum, layout.qty_places, num_w - 1), num_w, "right")
    )
    text = fit(text, width)
    if bar is None:
        bar = layout.bar(cum)
    size_style: Style = palette.text + palette.flash if flashing else palette.text
    price_style = palette.bid if is_bid else palette.ask
    text_style = palette.text
    if stale:
        price_style = size_style = text_style = palette.muted
    cells = [
        (text[:2], palette.own),
        (text[2 : 2 + price_w], price_style),
        (text[2 + price_w : 2 + price_w + num_w], size_style),
        (text[2 + price_w + num_w :], text_style),
    ]
    strip = with_bar(cells, width, bar, palette.bid_bar if is_bid else palette.ask_bar)
    return strip.apply_style(palette.cursor) if cursor else strip


def bucket_price(price: Decimal, step: Decimal, is_bid: bool) -> Decimal:
    """The ladder row a price falls on: bids round down to the step, asks up."""
    return floor_to(price, step) if is_bid else ceil_to(price, step)


def bucket_own(
    own: Mapping[Decimal, Decimal], step: Decimal, is_bid: bool
) -> dict[Decimal, Decimal]:
    """Own resting sizes summed per ladder row: bids round down to the step, asks up (as the
    book's own grouping does)."""
    out: dict[Decimal, Decimal] = {}
    for price, size in own.items():
        key = bucket_price(price, step, is_bid)
        out[key] = out.get(key, Decimal(0)) + size
    return out


def merge_own(
    levels: list[Level], own: Mapping[Decimal, Decimal], n: int, is_bid: bool
) -> list[Level]:
    """The ``n`` best rows of ``levels`` plus own-order prices the book has no size at, so an
    order resting at an empty price still shows on its row (with the book's size 0)."""
    extra = [(p, Decimal(0)) for p in own if not any(p == q for q, _ in levels)]
    if not extra:
        return levels
    merged = sorted([*levels, *extra], key=lambda level: level[0], reverse=is_bid)
    return merged[:n]


def running(levels: list[Level]) -> list[Decimal]:
    total = Decimal(0)
    out = []
    for _, qty in levels:
        total += qty
        out.append(total)
    return out


def with_bar(cells: list[tuple[str, Style]], width: int, bar: int, bar_style: Style) -> Strip:
    """Give the rightmost ``bar`` cells of the row the depth-bar background."""
    start = width - min(bar, width)
    segments: list[Segment] = []
    x = 0
    for text, style in cells:
        end = x + len(text)
        if end <= start:
            segments.append(Segment(text, style))
        elif x >= start:
            segments.append(Segment(text, style + bar_style))
        else:
            cut = start - x
            segments.append(Segment(text[:cut], style))
            segments.append(Segment(text[cut:], style + bar_style))
        x = end
    if x < width:
        pad = width - x
        plain = max(0, min(pad, start - x))
        if plain:
            segments.append(Segment(" " * plain))
        if pad - plain:
            segments.append(Segment(" " * (pad - plain), bar_style))
    return Strip(segments, width)


def spread_line(book: OrderBook, style: Style, width: int, places: int) -> Strip:
    """The line between asks and bids: spread in price and bps, and the mid."""
    spread, mid, bps = book.spread(), book.mid(), book.spread_bps()
    if spread is None or mid is None or bps is None:
        text = "one side of the book is empty"
    else:
        text = f"spread {spread}  {bps:.2f} bps   mid {fmt_price(mid, places + 1)}"
    return line([(text.center(width), style)], width)


def step_cursor(
    shown: list[Decimal], cursor: Decimal | None, delta: int, start: Decimal | None
) -> Decimal:
    """Where the ladder cursor goes from ``cursor`` one row up (-1) or down (1) among the
    ``shown`` prices (top to bottom): the first move lands on ``start`` (the touch)."""
    if cursor is None:
        return start if start in shown and start is not None else shown[len(shown) // 2]
    if cursor in shown:
        return shown[max(0, min(len(shown) - 1, shown.index(cursor) + delta))]
    # the cursor's level left the screen: step to the nearest row that way
    way = [p for p in shown if (p > cursor if delta < 0 else p < cursor)]
    return (min(way) if delta < 0 else max(way)) if way else cursor
