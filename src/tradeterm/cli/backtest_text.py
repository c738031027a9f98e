"""A backtest report as terminal text (figures, trades, plotext equity and drawdown charts) and
as files: ``report.json``, ``trades.csv`` and ``strategy.toml`` (a ``[[strategies]]`` entry)."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from tradeterm.analysis.backtest.report import Report, Trade

SHOWN_TRADES = 40
CHART_POINTS = 400


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.2f} %"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def duration_text(seconds: float) -> str:
    """``3d 4h 05m`` style, down to minutes (seconds below a minute)."""
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return (f"{days}d " if days else "") + (f"{hours}h " if days or hours else "") + f"{mins:02d}m"


def summary_lines(report: Report) -> list[str]:
    """The figures, one per line, labels aligned."""
    params = " ".join(f"{k}={v}" for k, v in report.params.items())
    recovered = "" if report.max_drawdown_recovered else ", not recovered"
    rows = [
        ("strategy", f"{report.strategy} {params} ({report.mode}, fill at {report.fill})"),
        ("candles", f"{report.candles:,} from {report.start} to {report.end}"),
        ("fee / cash", f"{report.fee:g} / {report.cash:,.2f}"),
        ("total return", _pct(report.total_return)),
        (
            "final equity",
            f"{report.final_equity:.6f} x start ({report.final_equity * report.cash:,.2f})",
        ),
        ("CAGR", _pct(report.cagr)),
        ("Sharpe", _num(report.sharpe)),
        ("Sortino", _num(report.sortino)),
        (
            "max drawdown",
            f"{report.max_drawdown * 100:.2f} % over "
            f"{duration_text(report.max_drawdown_duration_s)}{recovered}",
        ),
        ("win rate", _pct(report.win_rate).lstrip("+")),
        ("profit factor", _num(report.profit_factor)),
        ("exposure", f"{report.exposure * 100:.1f} %"),
        ("trades", f"{report.num_trades}"),
        ("fees paid", f"{report.fees_paid:,.2f}"),
    ]
    width = max(len(label) for label, _ in rows)
    return [f"{label:<{width}}  {value}" for label, value in rows]


def trade_lines(trades: list[Trade]) -> list[str]:
    """The trade list (the first and last ones when there are many)."""
    if not trades:
        return ["no trades"]
    head = f"{'#':>4}  {'entry':<25} {'price':>12}  {'exit':<25} {'price':>12} {'qty':>14} "
    head += f"{'fees':>10} {'pnl':>12} {'%':>8}"
    shown = list(enumerate(trades, 1))
    if len(shown) > SHOWN_TRADES:
        half = SHOWN_TRADES // 2
        shown = [*shown[:half], (0, None), *shown[-half:]]  # type: ignore[list-item]
    lines = [head]
    for number, trade in shown:
        if trade is None:
            lines.append(f"{'...':>4}  ({len(trades) - SHOWN_TRADES} more in --json or --out)")
            continue
        exit_time = trade.exit_time or "(open)"
        exit_price = "" if trade.exit_price is None else f"{trade.exit_price:.8g}"
        lines.append(
            f"{number:>4}  {trade.entry_time:<25} {trade.entry_price:>12.8g}  {exit_time:<25} "
            f"{exit_price:>12} {trade.quantity:>14.8g} {trade.fees:>10.2f} {trade.pnl:>12.2f} "
            f"{trade.return_pct:>8.2f}"
        )
    return lines


def chart(report: Report, *, width: int = 100, height: int = 24, color: bool = False) -> str:
    """Equity (top) and drawdown (bottom) against days since the first candle, by plotext."""
    import plotext as plt

    equity = report.equity * report.cash
    if len(equity) < 2:
        return ""
    step = max(1, len(equity) // CHART_POINTS)
    picked = np.arange(0, len(equity), step)
    if picked[-1] != len(equity) - 1:
        picked = np.append(picked, len(equity) - 1)
    seconds = (report.times - report.times[0]).total_seconds().to_numpy()
    days = (seconds[picked] / 86_400).tolist()
    plt.clear_figure()
    plt.subplots(2, 1)
    plt.plotsize(width, height)
    top = plt.subplot(1, 1)
    top.plotsize(width, height * 2 // 3)
    plt.title("equity")
    plt.plot(days, equity[picked].tolist(), marker="braille")
    bottom = plt.subplot(2, 1)
    bottom.plotsize(width, height - height * 2 // 3)
    plt.title("drawdown %")
    plt.plot(days, (-100 * report.drawdown()[picked]).tolist(), marker="braille")
    plt.xlabel("days")
    text: str = plt.build()
    plt.clear_figure()
    return text if color else str(plt.uncolorize(text))


def render_text(report: Report, *, color: bool = False) -> str:
    """Everything ``tradeterm backtest`` prints without ``--json``."""
    parts = [*summary_lines(report), "", *trade_lines(report.trades), ""]
    return "\n".join(parts) + chart(report, color=color)


def strategy_toml(report: Report) -> str:
    """A ``[[strategies]]`` entry with the backtest's parameters, ready for the config file."""
    import tomli_w

    name = report.strategy + "-" + "-".join(str(v) for v in report.params.values())
    entry = {"name": name, "kind": report.strategy}
    lines = ["[[strategies]]", tomli_w.dumps(entry).rstrip()]
    values = [f"{k} = {_toml_value(v)}" for k, v in report.params.items()]
    lines.append("params = { " + ", ".join(values) + " }")
    body = "\n".join(lines) + "\n"
    return (
        f"# {report.strategy} as backtested on {report.start} .. {report.end}: "
        f"total return {_pct(report.total_return)}, max drawdown "
        f"{report.max_drawdown * 100:.2f} %.\n"
        '# Add account = "..." and instrument = "BASE/QUOTE@venue" to run it.\n' + body
    )


def _toml_value(value: object) -> str:
    import tomli_w

    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def write_outputs(report: Report, folder: Path) -> list[Path]:
    """Write report.json, trades.csv and strategy.toml into ``folder`` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    report_path = folder / "report.json"
    report_path.write_text(
        json.dumps(report.as_json(), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    trades_path = folder / "trades.csv"
    with trades_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(Trade)])
        writer.writeheader()
        for trade in report.trades:
            writer.writerow(asdict(trade))
    toml_path = folder / "strategy.toml"
    toml_path.write_text(strategy_toml(report), encoding="utf-8")
    return [report_path, trades_path, toml_path]
