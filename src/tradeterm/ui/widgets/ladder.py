"""The order-book ladder: asks over bids with sizes, running totals, depth bars and flashes."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tradeterm.domain.book import Level, OrderBook
from tradeterm.domain.market import Market
from tradeterm.ui.format import fmt_price, fmt_qty
from tradeterm.ui.widgets.base import LineWidget, fit, line

GROUPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
FLASH_NS = 600_000_000


class Ladder(LineWidget, can_focus=True):
    """Depth ladder of the active symbol; ``group`` buckets prices by 1, 2, 5, 10... ticks."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.group_index = 0
        self._lines: list[Strip] = []
        self._book: OrderBook | None = None
        self._market: Market | None = None
        self._now_ns = 0
        self._own: Mapping[Decimal, Decimal] = {}
        self._seen: dict[tuple[bool, Decimal], Decimal] = {}
        self._next_seen: dict[tuple[bool, Decimal], Decimal] = {}
        self._flash_until: dict[tuple[bool, Decimal], int] = {}
        self._symbol = ""

    @property
    def group_ticks(self) -> int:
        return GROUPS[self.group_index]

    @property
    def step(self) -> Decimal | None:
        return None if self._market is None else self._market.tick_size * self.group_ticks

    def show(
        self,
        book: OrderBook,
        market: Market,
        now_ns: int,
        own: Mapping[Decimal, Decimal] | None = None,
    ) -> None:
        """Draw ``book`` as of ``now_ns``; ``own`` maps prices to the account's resting size."""
        if market.symbol != self._symbol:
            self._symbol = market.symbol
            self._seen.clear()
            self._flash_until.clear()
        self._book, self._market, self._now_ns = book, market, now_ns
        self._own = own or {}
        self._draw()

    def change_group(self, delta: int) -> int:
        """Group ``delta`` steps coarser (or finer when negative); returns the ticks per row."""
        index = max(0, min(len(GROUPS) - 1, self.group_index + delta))
        if index != self.group_index:
            self.group_index = index
            self._seen.clear()
            self._flash_until.clear()
            self._draw()
        return self.group_ticks

    @property
    def title(self) -> str:
        """What the ladder shows: symbol and grouping, for its pane's border."""
        if self._market is None:
            return ""
        ticks = self.group_ticks
        return f"{self._market.symbol} · {ticks} tick{'s' if ticks > 1 else ''} ({self.step})"

    def flash_due(self, now_ns: int) -> bool:
        """True when a highlight has expired and the ladder must redraw to clear it."""
        return any(t <= now_ns for t in self._flash_until.values())

    def on_resize(self) -> None:
        self._draw()

    def theme_changed(self) -> None:
        self._draw()

    # --- drawing --------------------------------------------------------------

    def _levels(self, n: int) -> tuple[list[Level], list[Level]]:
        book, step = self._book, self.step
        assert book is not None and step is not None
        if self.group_ticks == 1:
            return book.asks.top(n), book.bids.top(n)
        return book.asks.grouped(n, step), book.bids.grouped(n, step)

    def _draw(self) -> None:
        width, height = self.size.width, self.size.height
        if not self.is_mounted or width <= 0 or height <= 0:
            return
        palette = self.palette
        if self._book is None or self._market is None:
            blank = [Strip.blank(width)] * height
            blank[0] = line([(fit("waiting for the order book…", width), palette.muted)], width)
            self.set_lines(blank)
            return
        market = self._market
        per_side = max(1, (height - 2) // 2)
        asks, bids = self._levels(per_side)
        self._next_seen = {}
        now = self._now_ns
        self._flash_until = {k: t for k, t in self._flash_until.items() if t > now}
        ask_cum = _running(asks)
        bid_cum = _running(bids)
        deepest = max(ask_cum[-1:] + bid_cum[-1:], default=Decimal(0))
        scale = deepest or Decimal(1)
        places = market.price_places
        qty_places = market.qty_places
        price_w = max([len(fmt_price(p, places)) for p, _ in asks + bids] + [5]) + 1
        num_w = max(8, min(14, (width - price_w - 2) // 3))

        header = (
            fit("  PRICE", price_w + 2) + fit("SIZE", num_w, "right") + fit("TOTAL", num_w, "right")
        )
        lines = [line([(header, palette.header)], width)]
        ask_rows = []
        for (price, qty), cum in zip(asks, ask_cum, strict=True):
            ask_rows.append(
                self._row(False, price, qty, cum, scale, price_w, num_w, places, qty_places, width)
            )
        pad = per_side - len(ask_rows)
        lines.extend([Strip.blank(width)] * pad)
        lines.extend(reversed(ask_rows))
        lines.append(self._spread_line(width, places))
        for (price, qty), cum in zip(bids, bid_cum, strict=True):
            lines.append(
                self._row(True, price, qty, cum, scale, price_w, num_w, places, qty_places, width)
            )
        lines.extend([Strip.blank(width)] * (height - len(lines)))
        self._seen = self._next_seen
        self.set_lines(lines[:height])

    def _row(
        self,
        is_bid: bool,
        price: Decimal,
        qty: Decimal,
        cum: Decimal,
        scale: Decimal,
        price_w: int,
        num_w: int,
        places: int,
        qty_places: int,
        width: int,
    ) -> Strip:
        palette = self.palette
        key = (is_bid, price)
        previous = self._seen.get(key)
        self._next_seen[key] = qty
        if previous is not None and previous != qty:
            self._flash_until[key] = self._now_ns + FLASH_NS
        flashing = self._flash_until.get(key, 0) > self._now_ns
        own = self._own.get(price)
        marker = "◆ " if own else "  "
        text = (
            marker
            + fit(fmt_price(price, places), price_w)
            + fit(fmt_qty(qty, qty_places, num_w - 1), num_w, "right")
            + fit(fmt_qty(cum, qty_places, num_w - 1), num_w, "right")
        )
        text = fit(text, width)
        bar = int(width * float(cum / scale) + 0.5)
        side_style = palette.bid if is_bid else palette.ask
        bar_style = palette.bid_bar if is_bid else palette.ask_bar
        size_style: Style = palette.text + palette.flash if flashing else palette.text
        cells = [
            (text[:2], palette.own),
            (text[2 : 2 + price_w], side_style),
            (text[2 + price_w : 2 + price_w + num_w], size_style),
            (text[2 + price_w + num_w :], palette.text),
        ]
        return _with_bar(cells, width, bar, bar_style)

    def _spread_line(self, width: int, places: int) -> Strip:
        book = self._book
        assert book is not None
        spread, mid, bps = book.spread(), book.mid(), book.spread_bps()
        if spread is None or mid is None or bps is None:
            text = "one side of the book is empty"
        else:
            text = f"spread {spread}  {bps:.2f} bps   mid {fmt_price(mid, places + 1)}"
        return line([(text.center(width), self.palette.accent)], width)


def _running(levels: list[Level]) -> list[Decimal]:
    total = Decimal(0)
    out = []
    for _, qty in levels:
        total += qty
        out.append(total)
    return out


def _with_bar(cells: list[tuple[str, Style]], width: int, bar: int, bar_style: Style) -> Strip:
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
