"""The scanner table's columns and rows: live cells (last, 24h change, volume, spread, the
sparkline) from the engine's state, analytic cells (1h change, volatility, RSI, volume z,
trend state, regime, the three scores) from the latest scan, formatted once per scan."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.book import OrderBook
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Ticker
from tradeterm.ui.format import fmt_compact_quote, fmt_pct, fmt_price
from tradeterm.ui.palette import Styler, role
from tradeterm.ui.widgets.table import Column, Row

if TYPE_CHECKING:
    from tradeterm.analysis.scanner import ScanResult


#: Columns in display order; on a narrow pane the highest ``priority`` numbers go first, so
#: the scores stay longest after the symbol, price and 24h change.
COLUMNS = (
    Column("symbol", "SYMBOL", 12, "left"),
    Column("last", "LAST", 10),
    Column("chg_1h", "1H%", 6, priority=5),
    Column("chg_24h", "24H%", 7),
    Column("vol_24h", "VOL", 7, priority=2),
    Column("spread_bps", "SPR", 6, priority=6),
    Column("volatility", "VOLAT", 5, priority=7),
    Column("rsi", "RSI", 4, priority=3),
    Column("vol_z", "VOLZ", 5, priority=8),
    Column("trend", "TREND", 5, "left", priority=4),
    Column("regime", "REGIME", 13, "left", priority=10),
    Column("trend_score", "TRD", 3, priority=1),
    Column("meanrev_score", "MR", 3, priority=1),
    Column("momentum_score", "MOM", 3, priority=1),
    Column("spark", "RECENT", 8, "left", flex=True, priority=9, keep_end=True),
)
COLUMN_INDEX = {column.key: i for i, column in enumerate(COLUMNS)}
#: The columns that come from a scan, in the order ``Analytic`` holds them.
ANALYTIC = (
    "chg_1h",
    "volatility",
    "rsi",
    "vol_z",
    "trend",
    "regime",
    "trend_score",
    "meanrev_score",
    "momentum_score",
)
SCORES = ("trend_score", "meanrev_score", "momentum_score")
NO_VALUE = "—"


_up, _down, _muted = role("pnl_up"), role("pnl_down"), role("muted")
_strong, _low, _high = role("accent"), role("bid"), role("ask")


_TEXT_STYLES = {
    "up": _up,
    "down": _down,
    "flat": _muted,
    "trending_up": _up,
    "trending_down": _down,
    "ranging": _muted,
    "volatile": _strong,
}


def _signed(value: float) -> Styler:
    return _up if value >= 0 else _down


@dataclass(frozen=True, slots=True)
class Analytic:
    """One symbol's scan cells: text, sort value and style, in ``ANALYTIC`` order."""

    cells: tuple[str, ...]
    sort: tuple[float | str | None, ...]
    styles: tuple[Styler | None, ...]


EMPTY = Analytic((NO_VALUE,) * len(ANALYTIC), (None,) * len(ANALYTIC), (None,) * len(ANALYTIC))


def _cell(name: str, value: float | str) -> tuple[str, float | str | None, Styler | None]:
    if isinstance(value, str):  # the trend state or the regime
        style = _TEXT_STYLES.get(value)
        return value or NO_VALUE, value or None, style
    if math.isnan(value):
        return NO_VALUE, None, None
    if name == "chg_1h":
        return fmt_pct(value, 2 if abs(value) < 10 else 1), value, _signed(value)
    if name == "volatility":
        return f"{value:.1f}", value, None
    if name == "vol_z":
        return f"{value:+.1f}", value, None
    if name == "rsi":
        return f"{value:.0f}", value, _low if value <= 30 else _high if value >= 70 else None
    return f"{value:.0f}", value, _strong if value >= 70 else None  # a score, 0-100


def analytic_cells(result: ScanResult) -> dict[str, Analytic]:
    """Every symbol's scan cells, formatted once per scan."""
    columns = [result.column(name).tolist() for name in ANALYTIC]
    cells: dict[str, Analytic] = {}
    for i, symbol in enumerate(result.symbols):
        parts = [_cell(name, values[i]) for name, values in zip(ANALYTIC, columns, strict=True)]
        cells[symbol] = Analytic(
            tuple(p[0] for p in parts), tuple(p[1] for p in parts), tuple(p[2] for p in parts)
        )
    return cells


def scanner_row(
    symbol: str,
    market: Market,
    ticker: Ticker | None,
    book: OrderBook | None,
    spark: str,
    active: bool,
    scanned: Analytic,
    stale: str = "",
) -> Row:
    """One table row: live cells from the engine's state, analytic cells from the scan; with a
    ``stale`` label the row is muted and the label stands in for the sparkline."""
    last: Decimal | None = ticker.last if ticker else None
    change = ticker.change_pct if ticker else None
    volume = float(ticker.quote_volume_24h) if ticker else None
    bps = book.spread_bps() if book else None
    live = None if change is None else _signed(change)
    a_cells, a_sort, a_styles = scanned.cells, scanned.sort, scanned.styles
    if stale:
        spark = stale
        a_styles = (_muted,) * len(a_styles)
        live = _muted
    styles = (_muted if stale else None,) * 3
    return Row(
        symbol,
        (
            ("▸" if active else " ") + symbol,
            fmt_price(last, market.price_places),
            a_cells[0],
            fmt_pct(change),
            NO_VALUE if volume is None else fmt_compact_quote(volume),
            NO_VALUE if bps is None else f"{bps:.2f}",
            *a_cells[1:],
            spark,
        ),
        (symbol, last, a_sort[0], change, volume, bps, *a_sort[1:], change),
        (*styles[:2], a_styles[0], live, *styles[:2], *a_styles[1:], live),
    )
