"""The scanner / watchlist pane: one row per symbol with live prices and the latest scan's
indicators and scores; sortable by any column, filtered by an expression (``f``), with the
reasons behind a row's scores one key away (``w``). Enter makes a symbol active."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message

from tradeterm.domain.book import OrderBook
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle, Ticker
from tradeterm.engine.candle_series import CandleSeries
from tradeterm.ui.format import sparkline
from tradeterm.ui.keys import SCANNER_BINDINGS
from tradeterm.ui.panes.scanner_rows import (
    COLUMN_INDEX,
    COLUMNS,
    EMPTY,
    Analytic,
    analytic_cells,
    scanner_row,
)
from tradeterm.ui.widgets.filterline import FilterLine
from tradeterm.ui.widgets.table import FastTable

if TYPE_CHECKING:
    from tradeterm.analysis.filter import Filter
    from tradeterm.analysis.scanner import ScanResult

SPARK_W = 24
SPARK_MINUTES = 5  # one sparkline point per five minutes: the last 2 hours


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What ``show`` was last given (the engine's live mappings), to redraw on a new filter."""

    markets: Mapping[str, Market]
    tickers: Mapping[str, Ticker]
    books: Mapping[str, OrderBook]
    candles: Mapping[str, Sequence[Candle]]
    active: str


class ScannerPane(Vertical):
    """Watchlist of every symbol on the venue; posts FastTable.RowSelected with the symbol."""

    BINDINGS: ClassVar[list[BindingType]] = list(SCANNER_BINDINGS)

    class FilterChanged(Message):
        """The filter was set, edited or cleared (the summary changed)."""

    class WhyRequested(Message):
        """The user asked why the selected row scored what it did (None: no row)."""

        def __init__(self, symbol: str | None) -> None:
            super().__init__()
            self.symbol = symbol

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.filter_line = FilterLine(id="scanner-filter")
        self.table = FastTable(
            COLUMNS,
            sort_column=COLUMN_INDEX["vol_24h"],
            sort_reverse=True,
            id="scanner-table",
            empty_text="waiting for market data…",
        )
        self.result: ScanResult | None = None
        self.rule: Filter | None = None
        self.total = 0
        #: "" while the feed is fresh, else the staleness label every row shows.
        self.stale = ""
        self._analytic: dict[str, Analytic] = {}
        self._passing: frozenset[str] = frozenset()
        self._sparks: dict[str, tuple[tuple[int, Decimal], str]] = {}
        self._inputs: _Inputs | None = None
        #: Carries out ``w`` with the selected symbol in the key's own handler, so the screen
        #: it opens takes the rest of a burst; the parent sets it. Unset, ``w`` posts
        #: ``WhyRequested``.
        self.why: Callable[[str | None], None] | None = None

    def compose(self) -> ComposeResult:
        yield self.filter_line
        yield self.table

    # --- data (set by the app) -----------------------------------------------------

    def set_scan(self, result: ScanResult) -> None:
        """Take a new scan; its cells show at the next ``show``."""
        self.result = result
        self._analytic = analytic_cells(result)
        self._match()

    def set_filter(self, rule: Filter | None) -> None:
        """Show only the rows ``rule`` passes (None: every row), redrawing at once."""
        self.rule = rule
        self._match()
        self._draw()
        self.post_message(self.FilterChanged())

    @property
    def summary(self) -> str:
        """The pane's subtitle: the filter and how many rows pass, or the keys."""
        if self.rule is None:
            return "f filter · w why · > < sort"
        return f"{self.rule.text.strip()} · {self.table.row_count} of {self.total}"

    @property
    def active(self) -> str | None:
        """The symbol drawn as active (marked ``▸``), None before the first draw."""
        return None if self._inputs is None else self._inputs.active

    @property
    def selected(self) -> str | None:
        return self.table.cursor_key

    def show(
        self,
        markets: Mapping[str, Market],
        tickers: Mapping[str, Ticker],
        books: Mapping[str, OrderBook],
        candles: Mapping[str, Sequence[Candle]],
        active: str,
        stale: str = "",
    ) -> None:
        """Show every market's row; a ``stale`` label ("stale 12s") greys them all and takes
        the place of their sparklines."""
        self._inputs = _Inputs(markets, tickers, books, candles, active)
        self.stale = stale
        self._draw()

    def _match(self) -> None:
        rule, result = self.rule, self.result
        if rule is None or result is None:
            self._passing = frozenset()
            return
        mask = rule.mask(result).tolist()
        self._passing = frozenset(s for s, ok in zip(result.symbols, mask, strict=True) if ok)

    def _passes(self, symbol: str) -> bool:
        rule = self.rule
        if rule is None:
            return True
        if self.result is not None and symbol in self._analytic:
            return symbol in self._passing
        return rule.matches({"symbol": symbol})  # not scanned yet: only its name is known

    def _draw(self) -> None:
        inputs = self._inputs
        if inputs is None:
            return
        rows = []
        analytic = self._analytic
        for symbol, market in inputs.markets.items():
            if not self._passes(symbol):
                continue
            rows.append(
                scanner_row(
                    symbol,
                    market,
                    inputs.tickers.get(symbol),
                    inputs.books.get(symbol),
                    self._spark(symbol, inputs.candles.get(symbol)),
                    symbol == inputs.active,
                    analytic.get(symbol, EMPTY),
                    self.stale,
                )
            )
        self.total = len(inputs.markets)
        self.table.empty_text = (
            "no symbol passes the filter" if self.rule is not None else "waiting for market data…"
        )
        self.table.set_rows(rows)

    def _spark(self, symbol: str, series: Sequence[Candle] | None) -> str:
        if not series:
            return ""
        last = series[-1]
        key = (last.ts_ms, last.close)
        cached = self._sparks.get(symbol)
        if cached and cached[0] == key:
            return cached[1]
        count = min(SPARK_W, (len(series) + SPARK_MINUTES - 1) // SPARK_MINUTES)
        if isinstance(series, CandleSeries):  # packed: no candle made for a point
            closes = series.floats_back("close", SPARK_MINUTES, count)
        else:
            closes = [float(series[-1 - i * SPARK_MINUTES].close) for i in range(count)]
        closes.reverse()
        text = sparkline(closes, SPARK_W)
        self._sparks[symbol] = (key, text)
        return text

    # --- keys and the filter line ---------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``f`` and ``w`` act at once (priority bindings, so what they open has the focus
        before the next key of a burst), except while the filter line has the focus: there
        they type an f or a w."""
        typing = self.screen.focused is self.filter_line.input
        return not (action in ("filter", "why") and typing)

    def action_filter(self) -> None:
        self.filter_line.open(self.rule.text if self.rule is not None else "")

    def action_why(self) -> None:
        if self.why is not None:
            self.why(self.table.cursor_key)
        else:
            self.post_message(self.WhyRequested(self.table.cursor_key))

    @on(FilterLine.Edited)
    def _filter_edited(self, event: FilterLine.Edited) -> None:
        event.stop()
        self.set_filter(event.rule)

    @on(FilterLine.Done)
    def _filter_done(self, event: FilterLine.Done) -> None:
        event.stop()
        if not event.keep:
            self.set_filter(None)
        self.table.focus()
