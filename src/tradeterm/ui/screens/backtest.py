"""The backtest report screen: a finished backtest's figures, its equity chart (plotext, drawn
like the chart pane's) and its trades, from ``:backtest`` or the palette."""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tradeterm.domain.numbers import fmt
from tradeterm.ui.chart_render import ChartColors

if TYPE_CHECKING:
    from tradeterm.analysis.backtest.report import Report, Trade

HINT = "↑↓ PgUp PgDn trades · esc close"
COLUMNS = ("#", "in", "in @", "out", "out @", "qty", "pnl", "ret")


def pct(value: float | None) -> str:
    """A fraction as a signed percentage; ``n/a`` when undefined."""
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:+.2f}%"


def ratio(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.2f}"


def figures(report: Report) -> str:
    """The report's headline figures on one line (wrapped by the screen when narrow)."""
    amount = fmt(Decimal(repr(report.cash * report.final_equity)), 2)
    fees = fmt(Decimal(repr(report.fees_paid)), 2)
    return (
        f"{report.candles} candles {when(report.start)} to {when(report.end)} · fee "
        f"{report.fee * 100:g}% · return {pct(report.total_return)} (equity {amount}) · "
        f"CAGR {pct(report.cagr)} · "
        f"Sharpe {ratio(report.sharpe)} · Sortino {ratio(report.sortino)} · "
        f"max drawdown {pct(-report.max_drawdown)} · trades {report.num_trades} · "
        f"win {pct(report.win_rate).lstrip('+')} · profit factor {ratio(report.profit_factor)} · "
        f"exposure {pct(report.exposure).lstrip('+')} · fees {fees}"
    )


class EquityChart(Widget):
    """The equity curve (a multiple of the starting cash) drawn by plotext at the widget's
    size; redrawn only when the size or the theme changes."""

    DEFAULT_CSS = """
    EquityChart {
        height: 3fr;
        min-height: 5;
    }
    """

    def __init__(self, equity: list[float]) -> None:
        super().__init__()
        self.equity = equity
        self._drawn: tuple[int, int, str, Text] | None = None

    def render(self) -> RenderResult:
        width, height = self.size
        drawn = self._drawn
        if drawn is not None and drawn[:3] == (width, height, self.app.theme):
            return drawn[3]
        colors = ChartColors.from_variables(self.app.get_css_variables())
        text = Text.from_ansi(self.picture(width, height, colors))
        self._drawn = (width, height, self.app.theme, text)
        return text

    def picture(self, width: int, height: int, colors: ChartColors) -> str:
        """The plotext picture as ANSI text, ``width`` x ``height`` cells."""
        from textual_plotext import Plot

        if width < 10 or height < 3 or len(self.equity) < 2:
            return "no equity curve to draw" if len(self.equity) < 2 else ""
        plt = Plot()
        # as the chart pane: plotext would clamp the figure to the size of the terminal it sees
        plt._limit_size(False, False)  # type: ignore[attr-defined]
        plt.plotsize(width, height)
        plt.theme("clear")
        plt.ticks_color(colors.muted)
        step = max(1, math.ceil(len(self.equity) / (2 * width)))
        xs = list(range(0, len(self.equity), step))
        color = colors.up if self.equity[-1] >= self.equity[0] else colors.down
        plt.plot(xs, [self.equity[x] for x in xs], color=color, marker="braille")
        plt.xticks([], [])
        built: str = plt.build()
        return built


class BacktestScreen(ModalScreen[None]):
    """Read-only; Esc (or q) closes it. ``price_places`` and ``qty_places`` are the
    market's, so prices show to the tick and quantities to the lot."""

    DEFAULT_CSS = """
    BacktestScreen {
        align: center middle;
        background: $background 60%;
    }
    #backtest-body {
        width: 98%;
        max-width: 160;
        height: 96%;
        border: round $primary;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    #backtest-figures {
        height: auto;
        color: $text-muted;
    }
    #backtest-trades {
        height: 2fr;
        min-height: 4;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="backtest.close"),
    ]

    def __init__(self, report: Report, where: str, price_places: int, qty_places: int) -> None:
        super().__init__()
        self.report = report
        self.where = where
        self.price_places = price_places
        self.qty_places = qty_places

    def compose(self) -> ComposeResult:
        report = self.report
        params = " ".join(f"{k}={v}" for k, v in report.params.items())
        with Vertical(id="backtest-body") as body:
            title = f"Backtest {report.strategy} {params} · {self.where} · {report.mode}"
            body.border_title = title
            body.border_subtitle = HINT
            yield Static(figures(report), id="backtest-figures", markup=False)
            yield EquityChart([float(v) for v in report.equity])
            yield DataTable(id="backtest-trades", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one("#backtest-trades", DataTable)
        table.add_columns(*COLUMNS)
        for n, trade in enumerate(self.report.trades, 1):
            table.add_row(*self.row(n, trade), key=str(n))
        table.focus()

    def row(self, n: int, trade: Trade) -> tuple[str, ...]:
        """One trade as the table shows it: times to the minute (the year is in the figures),
        prices to the tick, quantities to the lot."""

        def price(value: float | None) -> str:
            return "open" if value is None else fmt(Decimal(repr(value)), self.price_places)

        exit_time = "open" if trade.exit_time is None else when(trade.exit_time)[5:]
        return (
            str(n),
            when(trade.entry_time)[5:],
            price(trade.entry_price),
            exit_time,
            "" if trade.exit_price is None else price(trade.exit_price),
            fmt(lot(trade.quantity, self.qty_places), self.qty_places),
            fmt(Decimal(repr(trade.pnl)), 2),
            f"{trade.return_pct:+.2f}%",
        )

    def table_text(self) -> list[list[str]]:
        """The trades table's cells, row by row (what the user reads)."""
        return [list(self.row(n, t)) for n, t in enumerate(self.report.trades, 1)]

    def action_close(self) -> None:
        self.dismiss(None)


def lot(quantity: float, places: int) -> Decimal:
    """A quantity rounded down to ``places`` decimals (the lot): never more than was bought."""
    return Decimal(repr(quantity)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def when(iso: str) -> str:
    """``2026-01-01T12:34:00+00:00`` as ``2026-01-01 12:34``."""
    return iso.replace("T", " ")[:16]
