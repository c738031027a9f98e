"""The trades tape: the latest public trades, newest on top, coloured by aggressor side."""

from __future__ import annotations

from collections.abc import Sequence

from textual.strip import Strip

from tradeterm.domain.enums import Side
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Trade
from tradeterm.ui.format import clock_text, fmt_price, fmt_qty
from tradeterm.ui.widgets.base import LineWidget, fit, line


class Tape(LineWidget, can_focus=True):
    """Time, price and size of recent trades; buys in the bid colour, sells in the ask colour."""

    DIRECT_LINES = True
    PALETTE_LINES = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._trades: Sequence[Trade] = ()
        self._market: Market | None = None
        self._lines: list[Strip] = []
        # the rows on screen by trade (id: trades are values, their hash is slow), for the
        # layout they were drawn in: a new trade moves the others down, drawn already
        self._rows: dict[int, tuple[Trade, Strip]] = {}
        self._layout: tuple[object, ...] = ()

    def show(self, trades: Sequence[Trade], market: Market) -> None:
        self._trades, self._market = trades, market
        self._draw()

    def resized(self) -> None:
        self._draw()

    def theme_changed(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width, height = self.area.width, self.area.height
        if not self.is_mounted or width <= 0 or height <= 0:
            return
        palette = self.palette
        market = self._market
        if market is None:
            self.set_lines([line([(fit("waiting for trades…", width), palette.muted)], width)])
            return
        time_w = 9
        price_w = max(8, (width - time_w) // 2)
        size_w = max(6, width - time_w - price_w)
        header = fit("TIME", time_w) + fit("PRICE", price_w, "right") + fit("SIZE", size_w, "right")
        lines = [line([(header, palette.header)], width)]
        places, qty_places = market.price_places, market.qty_places
        layout = (width, price_w, size_w, places, qty_places, palette)
        known = self._rows if layout == self._layout else {}
        rows: dict[int, tuple[Trade, Strip]] = {}
        for trade, _ in zip(self._trades, range(height - 1), strict=False):
            row = known.get(id(trade))
            if row is None or row[0] is not trade:
                style = palette.bid if trade.side is Side.BUY else palette.ask
                strip = line(
                    [
                        (fit(clock_text(trade.ts_ns), time_w), palette.muted),
                        (fit(fmt_price(trade.price, places), price_w, "right"), style),
                        (fit(fmt_qty(trade.qty, qty_places, size_w - 1), size_w, "right"), style),
                    ],
                    width,
                )
                row = (trade, strip)
            rows[id(trade)] = row
            lines.append(row[1])
        self._rows, self._layout = rows, layout
        if len(lines) == 1:
            lines.append(line([(fit("no trades yet", width), palette.muted)], width))
        self.set_lines(lines + [Strip.blank(width)] * (height - len(lines)))
