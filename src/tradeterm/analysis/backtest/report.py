"""Backtest reports: returns, risk ratios, drawdown, trade statistics and the trade list.

Definitions (per-candle equity ``E``, a multiple of the starting cash; ``r`` its simple
returns from one candle to the next; ``N`` candles per year, 365.25 days of the median
candle spacing, as crypto trades every day):

- ``sharpe`` = mean(r) / std(r, ddof=1) * sqrt(N); ``sortino`` = mean(r) / sqrt(mean(min(r,
  0)^2)) * sqrt(N); both ``None`` when undefined (no variation, no losing candle).
- ``max_drawdown`` = max(1 - E / running peak of E); its duration runs from that peak to the
  candle where E is back at the peak (or to the end, ``max_drawdown_recovered`` false).
- ``cagr`` = final_equity ** (1 / years) - 1 over the candles' span (last open + one spacing
  - first open).
- ``win_rate`` and ``profit_factor`` (gross profit / gross loss) count closed trades;
  ``exposure`` is the share of candles with a position held.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.analysis.backtest.vector import FloatArray, Simulation, equity_curve

YEAR_S = 365.25 * 86_400


@dataclass(frozen=True)
class Trade:
    """One round trip (``exit_*`` None while still open). Money in the quote currency."""

    entry_time: str
    entry_price: float
    exit_time: str | None
    exit_price: float | None
    quantity: float
    fees: float
    pnl: float
    return_pct: float


@dataclass
class Report:
    """Everything ``tradeterm backtest`` prints; :meth:`as_json` is the ``--json`` object."""

    strategy: str
    params: dict[str, Any]
    mode: str
    fill: str
    fee: float
    cash: float
    candles: int
    start: str
    end: str
    num_trades: int
    final_equity: float
    total_return: float
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    max_drawdown_duration_s: float
    max_drawdown_recovered: bool
    fees_paid: float
    win_rate: float | None
    profit_factor: float | None
    exposure: float
    trades: list[Trade] = field(default_factory=list)
    equity: FloatArray = field(default_factory=lambda: np.ones(0), repr=False)
    times: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]), repr=False)

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON values (the curve is left out)."""
        skip = ("equity", "times", "trades")
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        data["params"] = dict(self.params)
        data["trades"] = [asdict(t) for t in self.trades]
        return data

    def drawdown(self) -> FloatArray:
        """1 - equity / running peak, per candle."""
        curve = self.equity
        result: FloatArray = 1.0 - curve / np.maximum.accumulate(curve)
        return result


def _iso(moment: pd.Timestamp) -> str:
    return str(moment.isoformat())


def spacing_s(times: pd.DatetimeIndex) -> float:
    """The median gap between candles, in seconds (60 when there is only one candle)."""
    if len(times) < 2:
        return 60.0
    gaps = np.diff(times.as_unit("ns").asi8) / 1e9
    return float(np.median(gaps))


def _ratio(top: float, bottom: float) -> float | None:
    return _finite(lambda: top / bottom) if bottom > 0 else None


def _finite(compute: Callable[[], float]) -> float | None:
    """The value, or None where it overflows or is not finite (JSON has no inf or NaN)."""
    try:
        value = compute()
    except (OverflowError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def build_report(
    *,
    strategy: str,
    params: dict[str, Any],
    candles: pd.DataFrame,
    sim: Simulation,
    fill: str,
    cash: float,
    mode: str = "vectorised",
    curve: tuple[FloatArray, npt.NDArray[np.bool_]] | None = None,
    trade_list: list[Trade] | None = None,
) -> Report:
    """The report of ``sim`` run on ``candles`` with ``cash`` quote to start.

    An event-driven run gives its own equity curve and held flags (``curve``) and trade list
    (``trade_list``); ``sim`` then gives only the final equity and the fee rate."""
    close = candles["close"].to_numpy(dtype=np.float64)
    times = pd.DatetimeIndex(candles.index)
    equity, held = equity_curve(sim, close) if curve is None else curve
    step = spacing_s(times)
    per_year = YEAR_S / step if step > 0 else 0.0
    returns = equity[1:] / equity[:-1] - 1.0 if len(equity) > 1 else np.zeros(0)
    sharpe = sortino = None
    if len(returns) > 1:
        mean = float(returns.mean())
        scaled = _ratio(mean, float(returns.std(ddof=1)))
        sharpe = None if scaled is None else scaled * math.sqrt(per_year)
        downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))
        scaled = _ratio(mean, downside)
        sortino = None if scaled is None else scaled * math.sqrt(per_year)
    peak = np.maximum.accumulate(equity)
    drawdown = 1.0 - equity / peak
    trough = int(np.argmax(drawdown))
    depth = float(drawdown[trough])
    level = np.flatnonzero(drawdown[: trough + 1] == 0.0)
    start = int(level[-1]) if len(level) else 0
    after = np.flatnonzero(drawdown[trough:] == 0.0)
    recovered = depth == 0.0 or bool(len(after))
    end = trough + int(after[0]) if len(after) else len(equity) - 1
    duration = (times[end] - times[start]).total_seconds() if depth > 0 else 0.0
    years = ((times[-1] - times[0]).total_seconds() + step) / YEAR_S
    final = sim.final_equity
    cagr = _finite(lambda: final ** (1.0 / years) - 1.0) if years > 0 and final > 0 else None
    trades = _trades(sim, times, close, cash) if trade_list is None else trade_list
    closed = [t for t in trades if t.exit_time is not None]
    gains = sum(t.pnl for t in closed if t.pnl > 0)
    losses = -sum(t.pnl for t in closed if t.pnl < 0)
    return Report(
        strategy=strategy,
        params=params,
        mode=mode,
        fill=fill,
        fee=sim.fee,
        cash=cash,
        candles=len(close),
        start=_iso(times[0]),
        end=_iso(times[-1]),
        num_trades=len(trades),
        final_equity=final,
        total_return=final - 1.0,
        cagr=cagr,
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown=depth,
        max_drawdown_duration_s=duration,
        max_drawdown_recovered=recovered,
        fees_paid=sum((t.fees for t in trades), 0.0),
        win_rate=sum(t.pnl > 0 for t in closed) / len(closed) if closed else None,
        profit_factor=_ratio(gains, losses),
        exposure=float(held.mean()) if len(held) else 0.0,
        trades=trades,
        equity=equity,
        times=times,
    )


def iso_times(times: pd.DatetimeIndex, rows: npt.NDArray[np.intp]) -> list[str]:
    """``times[rows]`` as ISO 8601 UTC text, like ``Timestamp.isoformat()``, in one pass."""
    values = times.as_unit("ns").asi8
    picked: npt.NDArray[np.datetime64] = np.asarray(values[rows]).astype("datetime64[ns]")
    if (values % 1_000_000_000).any():
        texts = np.datetime_as_string(picked, unit="us")
    else:
        texts = np.datetime_as_string(picked, unit="s")
    return [text + "+00:00" for text in texts.tolist()]


def _trades(
    sim: Simulation, times: pd.DatetimeIndex, close: FloatArray, cash: float
) -> list[Trade]:
    """The trade list, computed as arrays and boxed once per trade."""
    count = len(sim.entry_bar)
    if not count:
        return []
    units = sim.units * cash
    cost = sim.cash_before * cash
    entry_fee = units * sim.entry_price * sim.fee
    is_open = sim.exit_bar >= sim.bars
    exit_px = np.where(is_open, close[-1], sim.exit_price)
    gross = units * exit_px
    exit_fee = np.where(is_open, 0.0, gross * sim.fee)
    pnl = gross - exit_fee - cost
    entries = iso_times(times, sim.entry_bar)
    exits = iso_times(times, np.minimum(sim.exit_bar, sim.bars - 1))
    columns = zip(
        entries,
        sim.entry_price.tolist(),
        exits,
        sim.exit_price.tolist(),
        is_open.tolist(),
        units.tolist(),
        (entry_fee + exit_fee).tolist(),
        pnl.tolist(),
        (100.0 * pnl / cost).tolist(),
        strict=True,
    )
    return [
        Trade(
            entry_time=entry,
            entry_price=entry_px,
            exit_time=None if still_open else exit_time,
            exit_price=None if still_open else exit_price,
            quantity=quantity,
            fees=fees,
            pnl=profit,
            return_pct=percent,
        )
        for entry, entry_px, exit_time, exit_price, still_open, quantity, fees, profit, percent in (
            columns
        )
    ]
