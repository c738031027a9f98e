"""The order-book ladder: asks over bids with sizes, running totals, depth bars, flashes,
the account's own orders and a price cursor."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from textual.binding import BindingType
from textual.message import Message
from textual.strip import Strip

from tradeterm.domain.book import Level, OrderBook
from tradeterm.domain.market import Market
from tradeterm.ui.format import fmt_price
from tradeterm.ui.keys import LADDER_BINDINGS
from tradeterm.ui.widgets.base import LineWidget, fit, line
from tradeterm.ui.widgets.ladder_rows import (
    RowLayout,
    bucket_own,
    bucket_price,
    draw_row,
    merge_own,
    running,
    spread_line,
    step_cursor,
)

GROUPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
FLASH_NS = 600_000_000
Prices = Mapping[Decimal, Decimal]


class Ladder(LineWidget, can_focus=True):
    """Depth ladder of the active symbol; ``group`` buckets prices by 1, 2, 5, 10... ticks.

    Own orders are marked on their rows (``set_own``). Up/down move a price cursor over the
    rows shown; +/- post ``MoveOrder`` so the app moves the own order at the cursor.
    """

    DIRECT_LINES = True
    PALETTE_LINES = True

    BINDINGS: ClassVar[list[BindingType]] = list(LADDER_BINDINGS)

    class CursorMoved(Message):
        """The cursor moved to ``price`` (None: cleared)."""

        def __init__(self, price: Decimal | None) -> None:
            super().__init__()
            self.price = price

    class MoveOrder(Message):
        """+/- was pressed: move the own order at ``price`` (the cursor) by ``ticks``."""

        def __init__(self, price: Decimal | None, ticks: int) -> None:
            super().__init__()
            self.price = price
            self.ticks = ticks

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.group_index = 0
        self._lines: list[Strip] = []
        self._book: OrderBook | None = None
        self._market: Market | None = None
        self._now_ns = 0
        self._own_raw: tuple[Prices, Prices] = ({}, {})
        self._own: tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]] = ({}, {})
        self._own_step: Decimal | None = None
        self._seen: dict[tuple[bool, Decimal], Decimal] = {}
        self._flash_until: dict[tuple[bool, Decimal], int] = {}
        self._symbol = ""
        #: "" while the book is fresh, else its staleness label ("stale 12s"...): rows greyed.
        self.stale = ""
        self.cursor: Decimal | None = None
        self._shown: list[Decimal] = []  # prices of the rows on screen, top to bottom
        self._full = False  # both sides filled their rows at the last drawing
        # the last drawing's rows by what they show, and the column layout and palette they
        # were drawn with: a row that shows the same again keeps its Strip (and the caches
        # of filtered and cut copies the compositor made of it)
        self._rows: dict[tuple[object, ...], Strip] = {}
        self._rows_drawn: tuple[object, ...] = ()
        #: How many times the ladder drew its lines (for performance checks and tests).
        self.render_count = 0

    @property
    def group_ticks(self) -> int:
        return GROUPS[self.group_index]

    @property
    def step(self) -> Decimal | None:
        return None if self._market is None else self._market.tick_size * self.group_ticks

    @property
    def title(self) -> str:
        """What the ladder shows: symbol and grouping, for its pane's border."""
        ticks, market = self.group_ticks, self._market
        plural = "s" if ticks > 1 else ""
        if market is None:
            return ""
        stale = f" · {self.stale}" if self.stale else ""
        return f"{self._symbol} · {ticks} tick{plural} ({self.step}){stale}"

    def show(
        self, book: OrderBook, market: Market, now_ns: int, stale: str = "", label: str = ""
    ) -> None:
        """Draw ``book`` as of ``now_ns``; a ``stale`` label ("stale 12s") greys its rows.
        ``label`` names the instrument (``BTC/USDT@binance`` where two venues list it)."""
        label = label or market.symbol
        if label != self._symbol:
            self._symbol = label
            self._forget()
        self._book, self._market, self._now_ns = book, market, now_ns
        self.stale = stale
        self._draw()

    def set_own(self, buys: Prices, sells: Prices) -> None:
        """Own resting size per limit price (on orders' change); redraws if a marker on screen
        changes."""
        if (buys, sells) == self._own_raw:
            return
        before = (set(self._own[0]), set(self._own[1]))
        self._own_raw = (dict(buys), dict(sells))
        self._own_step = None
        self._bucket()
        changed = (before[0] ^ self._own[0].keys()) | (before[1] ^ self._own[1].keys())
        shown = self._shown
        if not self._full or any(shown[-1] <= p <= shown[0] for p in changed):
            self._draw()

    def bucket(self, price: Decimal, is_bid: bool) -> Decimal:
        """The row ``price`` falls on at the current grouping."""
        step = self.step
        return price if step is None else bucket_price(price, step, is_bid)

    def change_group(self, delta: int) -> int:
        """Group ``delta`` steps coarser (or finer when negative); returns the ticks per row."""
        index = max(0, min(len(GROUPS) - 1, self.group_index + delta))
        if index != self.group_index:
            self.group_index = index
            self._forget()
            self._draw()
        return self.group_ticks

    def _forget(self) -> None:
        """A new symbol or grouping: no flashes to compare against, no cursor."""
        self._seen.clear()
        self._flash_until.clear()
        self._set_cursor(None)

    @property
    def flashing(self) -> bool:
        """Whether a changed level is still highlighted (it needs a redraw to fade)."""
        return bool(self._flash_until)

    def flash_due(self, now_ns: int) -> bool:
        """True when a highlight has expired and the ladder must redraw to clear it."""
        return any(t <= now_ns for t in self._flash_until.values())

    def resized(self) -> None:
        self._draw()

    theme_changed = resized

    # --- the cursor -------------------------------------------------------------

    def set_cursor(self, price: Decimal | None) -> None:
        self._set_cursor(price)
        self._draw()

    def action_clear_cursor(self) -> None:
        self.set_cursor(None)

    def _set_cursor(self, price: Decimal | None) -> None:
        if price != self.cursor:
            self.cursor = price
            self.post_message(self.CursorMoved(price))

    def action_cursor(self, delta: int) -> None:
        """Move to the next row up (-1) or down (1); the first press lands on the touch."""
        book = self._book
        if self._shown and book is not None:
            touch = book.best_ask() if delta < 0 else book.best_bid()
            start = None if touch is None else self.bucket(touch, is_bid=delta > 0)
            self.set_cursor(step_cursor(self._shown, self.cursor, delta, start))

    def action_move_order(self, ticks: int) -> None:
        self.post_message(self.MoveOrder(self.cursor, ticks))

    # --- drawing --------------------------------------------------------------

    def _bucket(self) -> None:
        step = self.step
        if step is not None and step != self._own_step:
            self._own_step = step
            buys, sells = self._own_raw
            self._own = (bucket_own(buys, step, True), bucket_own(sells, step, False))

    def _levels(self, n: int) -> tuple[list[Level], list[Level]]:
        book, step = self._book, self.step
        assert book is not None and step is not None
        if self.group_ticks == 1:
            asks, bids = book.asks.top(n), book.bids.top(n)
        else:
            asks, bids = book.asks.grouped(n, step), book.bids.grouped(n, step)
        self._bucket()
        own_bids, own_asks = self._own
        return merge_own(asks, own_asks, n, False), merge_own(bids, own_bids, n, True)

    def _draw(self) -> None:
        width, height = self.area.width, self.area.height
        if not self.is_mounted or width <= 0 or height <= 0:
            return
        self.render_count += 1
        palette = self.palette
        if self._book is None or self._market is None:
            blank = [Strip.blank(width)] * height
            blank[0] = line([(fit("waiting for the order book…", width), palette.muted)], width)
            self.set_lines(blank)
            return
        market = self._market
        per_side = max(1, (height - 2) // 2)
        asks, bids = self._levels(per_side)
        now = self._now_ns
        self._flash_until = {k: t for k, t in self._flash_until.items() if t > now}
        self._shown = [p for p, _ in reversed(asks)] + [p for p, _ in bids]
        self._full = len(asks) == len(bids) == per_side
        ask_cum, bid_cum = running(asks), running(bids)
        places = market.price_places
        price_w = max([len(fmt_price(p, places)) for p, _ in asks + bids] + [5]) + 1
        layout = RowLayout(
            width=width,
            price_w=price_w,
            num_w=max(8, min(14, (width - price_w - 2) // 3)),
            places=places,
            qty_places=market.qty_places,
            scale=max(ask_cum[-1:] + bid_cum[-1:], default=Decimal(0)) or Decimal(1),
        )
        header = fit("  PRICE", price_w + 2) + fit("SIZE", layout.num_w, "right")
        lines = [line([(header + fit("TOTAL", layout.num_w, "right"), palette.header)], width)]
        seen: dict[tuple[bool, Decimal], Decimal] = {}
        drawn = (width, price_w, layout.num_w, places, market.qty_places, palette)
        if drawn != self._rows_drawn:
            self._rows, self._rows_drawn = {}, drawn
        known, self._rows = self._rows, {}
        ask_rows = [
            self._row(False, lvl, cum, layout, seen, known)
            for lvl, cum in zip(asks, ask_cum, strict=True)
        ]
        lines.extend([Strip.blank(width)] * (per_side - len(ask_rows)))
        lines.extend(reversed(ask_rows))
        spread_style = palette.muted if self.stale else palette.accent
        lines.append(spread_line(self._book, spread_style, width, places))
        lines.extend(
            self._row(True, lvl, cum, layout, seen, known)
            for lvl, cum in zip(bids, bid_cum, strict=True)
        )
        lines.extend([Strip.blank(width)] * (height - len(lines)))
        self._seen = seen
        self.set_lines(lines[:height])

    def _row(
        self,
        is_bid: bool,
        level: Level,
        cum: Decimal,
        layout: RowLayout,
        seen: dict[tuple[bool, Decimal], Decimal],
        known: dict[tuple[object, ...], Strip],
    ) -> Strip:
        price, qty = level
        key = (is_bid, price)
        previous = self._seen.get(key)
        seen[key] = qty
        if previous is not None and previous != qty:
            self._flash_until[key] = self._now_ns + FLASH_NS
        own = price in self._own[0 if is_bid else 1]
        flashing = key in self._flash_until
        bar, cursor, stale = layout.bar(cum), price == self.cursor, bool(self.stale)
        shows = (is_bid, price, qty, cum, bar, own, flashing, cursor, stale)
        strip = known.get(shows)
        if strip is None:
            level_row = (is_bid, price, qty, cum)
            strip = draw_row(self.palette, layout, level_row, own, flashing, cursor, stale, bar)
        self._rows[shows] = strip
        return strip
