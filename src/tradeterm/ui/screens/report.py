"""The session report screen: a PnL summary, per-symbol totals and the trades, scrollable."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Static

from tradeterm.analysis.session_report import RoundTrip, SessionReport
from tradeterm.ui.format import fmt_amount
from tradeterm.ui.palette import Palette
from tradeterm.ui.screens.jump import when_text
from tradeterm.ui.widgets.base import LineWidget, fit, line

Parts = list[tuple[str, Style | None]]
HINT = "s save JSON · ↑↓ PgUp PgDn scroll · esc close"


def fmt_duration(ns: int) -> str:
    """45s, 2m 05s, 1h 05m, 2d 03h (under a second: 250ms)."""
    if ns < 1_000_000_000:
        return f"{ns // 1_000_000}ms"
    seconds = ns // 1_000_000_000
    minutes, s = divmod(seconds, 60)
    hours, m = divmod(minutes, 60)
    days, h = divmod(hours, 24)
    if days:
        return f"{days}d {h:02d}h"
    if hours:
        return f"{hours}h {m:02d}m"
    return f"{minutes}m {s:02d}s" if minutes else f"{s}s"


def signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + fmt_amount(value)


class ReportView(LineWidget):
    """The report drawn line by line; as tall as its content, scrolled by its container."""

    DEFAULT_CSS = """
    ReportView {
        height: auto;
    }
    """

    def __init__(self, report: SessionReport) -> None:
        super().__init__()
        self.report = report
        self._cache: tuple[int, Palette, list[Parts]] | None = None

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        rows = self._rows(width)
        return line(rows[y], width) if y < len(rows) else Strip.blank(width)

    def text_lines(self) -> list[str]:
        """The report as plain text, one string per line (what the user reads)."""
        return ["".join(text for text, _ in row) for row in self._rows(self.size.width)]

    def _rows(self, width: int) -> list[Parts]:
        """Every line of the report at ``width``, built once per width and theme."""
        if not hasattr(self, "palette"):  # asked for its height before it was mounted
            self.palette = Palette.from_app(self.app)
        cache = self._cache
        if cache is not None and cache[0] == width and cache[1] is self.palette:
            return cache[2]
        rows = self._summary(width)
        if self.report.symbols:
            rows += [[], *self._symbols(width), [], *self._trades(width)]
        self._cache = (width, self.palette, rows)
        return rows

    def _pnl(self, value: Decimal) -> Style:
        p = self.palette
        return p.pnl_up if value > 0 else p.pnl_down if value < 0 else p.text

    def _summary(self, width: int) -> list[Parts]:
        r, p = self.report, self.palette
        quote = f" {r.quote}" if r.quote else ""
        slip = "—" if r.avg_slippage_bps is None else f"{r.avg_slippage_bps:+.2f} bps"
        if r.orders_without_mid:
            slip += f" ({len(r.orders_without_mid)} without mid)"
        hit = "—" if r.hit_rate is None else f"{r.hit_rate * 100:.1f}%"
        hit += f" ({r.winning_trades} of {r.closed_trades} closed)"
        open_trades = len(r.trades) - r.closed_trades
        pairs: list[tuple[str, str, Style, str, str]] = [
            ("Net PnL", signed(r.net_pnl) + quote, self._pnl(r.net_pnl),
             "Fills", f"{r.fills} in {len(r.orders) + len(r.orders_without_mid)} orders"),
            ("Realized", signed(r.realized_pnl), self._pnl(r.realized_pnl),
             "Volume", fmt_amount(r.volume_quote) + quote),
            ("Unrealized", signed(r.unrealized_pnl), self._pnl(r.unrealized_pnl),
             "Avg slippage", slip),
            ("Fees", fmt_amount(r.fees), p.text, "Hit rate", hit),
            ("In position", fmt_duration(r.time_in_position_ns), p.text,
             "Trades", f"{len(r.trades)}" + (f" ({open_trades} open)" if open_trades else "")),
        ]  # fmt: skip
        half = max(width // 2, 30)
        rows: list[Parts] = [[(" Session ", p.header), (self._span(), p.muted)]]
        for label, value, style, label2, value2 in pairs:
            left = fit(f" {label:<13}{value}", half)
            rows.append([(left[:14], p.muted), (left[14:], style), (f"{label2:<14}", p.muted),
                         (value2, p.text)])  # fmt: skip
        for asset, fee in r.other_fees.items():
            rows.append([(f" Other fees   {fmt_amount(fee)} {asset} (not in net PnL)", p.warning)])
        if r.symbols and r.quote is None:
            rows.append(
                [(" Symbols quote in different assets: totals add unlike amounts", p.warning)]
            )
        if not r.symbols:
            rows += [[], [(" No fills in this session.", p.muted)]]
        return rows

    def _span(self) -> str:
        r = self.report
        if r.start_ns is None or r.end_ns is None:
            return "—"
        same_day = when_text(r.start_ns)[:10] == when_text(r.end_ns)[:10]
        end = when_text(r.end_ns, day=not same_day)
        return f"{when_text(r.start_ns)} → {end} UTC ({fmt_duration(r.end_ns - r.start_ns)})"

    def _table(
        self, width: int, title: str, headers: list[str], rows: list[list[tuple[str, Style]]],
        left: int = 1, optional: int = 0,
    ) -> list[Parts]:  # fmt: skip
        """Columns sized to their content, the first ``left`` left-aligned, the rest right;
        the first ``optional`` columns are dropped while the table is wider than ``width``."""
        widths = [max([len(h)] + [len(row[i][0]) for row in rows]) for i, h in enumerate(headers)]
        first, gap = 0, 2
        while sum(widths[first:]) + gap * (len(widths) - first) > width:
            if gap > 1:
                gap = 1  # tighter columns before fewer columns
            elif first < optional:
                first, gap = first + 1, 2
            else:
                break
        p = self.palette

        def cells(values: list[tuple[str, Style | None]]) -> Parts:
            out: Parts = []
            for i, (text, style) in enumerate(values[first:], start=first):
                align = "left" if i < left else "right"
                out += [(" " * gap if out else " ", None), (fit(text, widths[i], align), style)]
            return out

        out: list[Parts] = [[(f" {title}", p.header)], cells([(h, p.header) for h in headers])]
        return out + [cells(list(row)) for row in rows]

    def _symbols(self, width: int) -> list[Parts]:
        p = self.palette
        rows = [
            [(s.symbol, p.text), (fmt_amount(s.position), p.text),
             (signed(s.realized_pnl), self._pnl(s.realized_pnl)),
             (signed(s.unrealized_pnl), self._pnl(s.unrealized_pnl)),
             (fmt_amount(s.fees), p.text), (signed(s.net_pnl), self._pnl(s.net_pnl))]
            for s in self.report.symbols
        ]  # fmt: skip
        headers = ["Symbol", "Position", "Realized", "Unrealized", "Fees", "Net"]
        return self._table(width, "By symbol", headers, rows)

    def _trades(self, width: int) -> list[Parts]:
        headers = ["Time", "Symbol", "Side", "Size", "Entry", "Exit", "PnL", "MAE bps", "Held"]
        rows = [self._trade_row(t) for t in self.report.trades]
        if not rows:
            return [[(" No trades.", self.palette.muted)]]
        return self._table(width, "Trades", headers, rows, left=3, optional=1)

    def _trade_row(self, t: RoundTrip) -> list[tuple[str, Style]]:
        p = self.palette
        exit_text = "open" if t.avg_exit is None else fmt_amount(t.avg_exit)
        return [
            (when_text(t.entry_ns, day=False)[:8], p.muted),
            (t.symbol, p.text),
            ("long" if t.side.sign > 0 else "short", p.bid if t.side.sign > 0 else p.ask),
            (fmt_amount(t.size), p.text),
            (fmt_amount(t.avg_entry), p.text),
            (exit_text, p.warning if t.is_open else p.text),
            (signed(t.pnl), self._pnl(t.pnl)),
            (f"{t.mae_bps:.1f}", p.pnl_down if t.mae_bps < 0 else p.muted),
            (fmt_duration(t.duration_ns), p.text),
        ]


class ReportScreen(ModalScreen[None]):
    """Shows a SessionReport; ``s`` calls ``save`` and shows where the JSON went."""

    DEFAULT_CSS = """
    ReportScreen {
        align: center middle;
        background: $background 60%;
    }
    #report-box {
        width: 100%;
        max-width: 110;
        height: 100%;
        max-height: 50;
        border: round $primary;
        background: $surface;
    }
    #report-body {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    #report-status {
        height: auto;
        color: $text-muted;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="report.close"),
        Binding("s", "save", "Save JSON", id="report.save"),
    ]

    def __init__(
        self, report: SessionReport, save: Callable[[], Path] | None = None, title: str = ""
    ) -> None:
        super().__init__()
        self.report = report
        self.save = save
        self.title_text = title or "Session report"
        self.saved_to: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="report-box") as box:
            box.border_title = self.title_text
            with VerticalScroll(id="report-body"):
                yield ReportView(self.report)
            yield Static(HINT, id="report-status", markup=False)

    def on_mount(self) -> None:
        for body in self.query("#report-body").results(VerticalScroll):  # gone if closing
            body.focus()

    def action_save(self) -> None:
        status = self.query_one("#report-status", Static)
        if self.save is None:
            status.update(f"Nothing to save to: this session has no recording · {HINT}")
            return
        try:
            path = self.save()
        except OSError as exc:
            status.update(f"Not saved: {exc}")
            self.notify(f"report not saved: {exc}", severity="error")
            return
        self.saved_to = path
        status.update(f"Saved to {path}")
        self.notify(f"report saved to {path}", timeout=3)

    def action_close(self) -> None:
        self.dismiss(None)
