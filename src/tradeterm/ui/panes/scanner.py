"""The scanner / watchlist pane: one row per symbol, sortable, Enter makes a symbol active."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from decimal import Decimal

from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Vertical

from tradeterm.domain.book import OrderBook
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Ticker
from tradeterm.ui.format import fmt_compact_quote, fmt_pct, fmt_price, sparkline
from tradeterm.ui.palette import Palette
from tradeterm.ui.widgets.table import Column, FastTable, Row

SPARK_W = 24
SPARK_MINUTES = 5  # one sparkline point per five minutes: the last 80 minutes

COLUMNS = (
    Column("symbol", "SYMBOL", 10, "left"),
    Column("last", "LAST", 10),
    Column("change", "24H%", 7),
    Column("volume", "VOL", 7, priority=2),
    Column("spread", "SPR", 6, priority=3),
    Column("trend", "TREND 2h", 8, "left", flex=True, priority=4),
)


def _up(p: Palette) -> Style:
    return p.pnl_up


def _down(p: Palette) -> Style:
    return p.pnl_down


class ScannerPane(Vertical):
    """Watchlist of every symbol on the venue; posts FastTable.RowSelected with the symbol."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = FastTable(
            COLUMNS,
            sort_column=3,
            sort_reverse=True,
            id="scanner-table",
            empty_text="waiting for market data…",
        )
        self._sparks: dict[str, tuple[tuple[int, Decimal], str]] = {}

    def compose(self) -> ComposeResult:
        yield self.table

    def show(
        self,
        markets: Mapping[str, Market],
        tickers: Mapping[str, Ticker],
        books: Mapping[str, OrderBook],
        candles: Mapping[str, deque[Candle]],
        active: str,
    ) -> None:
        rows = []
        for symbol, market in markets.items():
            ticker = tickers.get(symbol)
            book = books.get(symbol)
            last = ticker.last if ticker else None
            change = ticker.change_pct if ticker else None
            volume = float(ticker.quote_volume_24h) if ticker else None
            bps = book.spread_bps() if book else None
            spark = self._spark(symbol, candles.get(symbol))
            styler = None if change is None else (_up if change >= 0 else _down)
            label = ("▸" if symbol == active else " ") + symbol
            rows.append(
                Row(
                    symbol,
                    (
                        label,
                        fmt_price(last, market.price_places),
                        fmt_pct(change),
                        "—" if volume is None else fmt_compact_quote(volume),
                        "—" if bps is None else f"{bps:.2f}",
                        spark,
                    ),
                    (symbol, last, change, volume, bps, change),
                    (None, None, styler, None, None, styler),
                )
            )
        self.table.set_rows(rows)

    def _spark(self, symbol: str, series: deque[Candle] | None) -> str:
        if not series:
            return ""
        last = series[-1]
        key = (last.ts_ms, last.close)
        cached = self._sparks.get(symbol)
        if cached and cached[0] == key:
            return cached[1]
        count = min(SPARK_W, (len(series) + SPARK_MINUTES - 1) // SPARK_MINUTES)
        closes = [float(series[-1 - i * SPARK_MINUTES].close) for i in range(count)]
        closes.reverse()
        text = sparkline(closes, SPARK_W)
        self._sparks[symbol] = (key, text)
        return text
