"""The vectorised engine against a candle-by-candle loop written from the documented
convention: same trades, same equity after every candle, in both fill modes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.analysis.backtest.report import build_report
from tradeterm.analysis.backtest.signals import SmaCrossParams, crossings, sma, sma_cross
from tradeterm.analysis.backtest.vector import equity_curve, simulate
from tradeterm.analysis.indicators import sma as indicator_sma


@dataclass
class LoopRun:
    trades: list[tuple[int, float, int | None, float | None]]  # entry bar/price, exit bar/price
    equity: list[float]


def loop_backtest(
    opens: list[float], closes: list[float], signal: list[int], fee: float, fill: str
) -> LoopRun:
    """One candle at a time: a buy with cash C gets C / (price (1 + fee)) units, a sale of U
    units yields U price (1 - fee); orders fill at the signal candle's close, or at the next
    candle's open."""
    cash, units, wanted_long = 1.0, 0.0, False
    pending: str | None = None
    trades: list[tuple[int, float, int | None, float | None]] = []
    equity = []
    for i, (o, c) in enumerate(zip(opens, closes, strict=True)):
        if pending is not None:  # next-open: last candle's order fills at this open
            if pending == "buy":
                units, cash = cash / (o * (1 + fee)), 0.0
                trades.append((i, o, None, None))
            else:
                cash, units = units * o * (1 - fee), 0.0
                trades[-1] = (*trades[-1][:2], i, o)
            pending = None
        order = None
        if signal[i] == 1 and not wanted_long:
            order, wanted_long = "buy", True
        elif signal[i] == -1 and wanted_long:
            order, wanted_long = "sell", False
        if order is not None and fill == "close":
            if order == "buy":
                units, cash = cash / (c * (1 + fee)), 0.0
                trades.append((i, c, None, None))
            else:
                cash, units = units * c * (1 - fee), 0.0
                trades[-1] = (*trades[-1][:2], i, c)
        elif order is not None:
            pending = order
        equity.append(cash + units * c)
    return LoopRun(trades, equity)


def check_same(opens: list[float], closes: list[float], signal: list[int], fee: float, fill: str):
    o, c = np.array(opens), np.array(closes)
    sim = simulate(o, c, np.array(signal, dtype=np.int8), fee, fill)  # type: ignore[arg-type]
    ref = loop_backtest(opens, closes, signal, fee, fill)
    assert list(sim.entry_bar) == [t[0] for t in ref.trades]
    assert list(sim.entry_price) == [t[1] for t in ref.trades]
    exits = [t[2] if t[2] is not None else len(closes) for t in ref.trades]
    assert list(sim.exit_bar) == exits
    for ours, theirs in zip(sim.exit_price, ref.trades, strict=True):
        assert (math.isnan(ours) and theirs[3] is None) or ours == theirs[3]
    assert sim.final_equity == pytest.approx(ref.equity[-1], rel=1e-12)
    curve, held = equity_curve(sim, c)
    np.testing.assert_allclose(curve, ref.equity, rtol=1e-12)
    return sim, held


prices = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.tuples(prices, prices, st.sampled_from([-1, 0, 0, 0, 1])), min_size=1, max_size=60
    ),
    fee=st.sampled_from([0.0, 0.001, 0.0075]),
    fill=st.sampled_from(["close", "next-open"]),
)
def test_the_vectorised_engine_trades_like_the_candle_loop(
    data: list[tuple[float, float, int]], fee: float, fill: str
) -> None:
    opens = [d[0] for d in data]
    closes = [d[1] for d in data]
    check_same(opens, closes, [d[2] for d in data], fee, fill)


def test_a_worked_example_in_candle_mode() -> None:
    closes = [100.0, 110.0, 121.0, 100.0, 90.0]
    signal = [0, 1, 0, -1, 1]  # buy at 110, sell at 100, buy at 90 (still open at the end)
    sim, held = check_same(closes, closes, signal, 0.001, "close")
    first = 1 / (110 * 1.001) * 100 * 0.999
    assert sim.final_equity == pytest.approx(first / (90 * 1.001) * 90, rel=1e-15)
    assert held.tolist() == [False, True, True, False, True]


def test_next_open_fills_at_the_following_open_and_a_last_signal_does_not_fill() -> None:
    opens = [10.0, 11.0, 12.0, 13.0, 14.0]
    closes = [10.5, 11.5, 12.5, 13.5, 14.5]
    sim, _ = check_same(opens, closes, [1, 0, -1, 0, 1], 0.0, "next-open")
    assert sim.entry_bar.tolist() == [1] and sim.exit_bar.tolist() == [3]
    assert sim.final_equity == pytest.approx(13.0 / 11.0)


def test_sma_cross_signals_follow_the_indicator_library_and_the_crossing_rule() -> None:
    rng = np.random.default_rng(7)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 2_000)))
    ours = sma(close, 30)
    theirs = indicator_sma(pd.Series(close), 30).to_numpy()
    np.testing.assert_array_equal(ours, theirs)  # the same drift-free windows, bit for bit
    fast, slow = sma(close, 10), sma(close, 30)
    signal = sma_cross(close, SmaCrossParams(fast=10, slow=30))
    for i in range(1, len(close)):
        up = fast[i] > slow[i] and fast[i - 1] <= slow[i - 1]
        down = fast[i] < slow[i] and fast[i - 1] >= slow[i - 1]
        assert signal[i] == (1 if up else -1 if down else 0), i
    assert (signal != 0).sum() > 10


def test_touching_without_crossing_gives_no_signal() -> None:
    fast = np.array([np.nan, 1.0, 2.0, 2.0, 3.0, 2.0, 1.0])
    slow = np.array([np.nan, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0])
    # below, touch, touch, above (cross up), touch, below (cross down)
    assert crossings(fast, slow).tolist() == [0, 0, 0, 0, 1, 0, -1]


def test_the_report_figures_follow_their_definitions() -> None:
    closes = [100.0, 110.0, 121.0, 100.0, 90.0, 95.0]
    index = pd.date_range("2024-01-01", periods=len(closes), freq="h", tz="UTC")
    candles = pd.DataFrame({"open": closes, "close": closes}, index=index)
    signal = np.array([1, 0, 0, -1, 1, 0], dtype=np.int8)
    sim = simulate(np.array(closes), np.array(closes), signal, 0.001, "close")
    report = build_report(
        strategy="x", params={}, candles=candles, sim=sim, fill="close", cash=1000.0
    )
    ref = loop_backtest(closes, closes, signal.tolist(), 0.001, "close").equity
    peak, worst = ref[0], 0.0
    for value in ref:
        peak = max(peak, value)
        worst = max(worst, 1 - value / peak)
    assert report.max_drawdown == pytest.approx(worst)
    assert report.max_drawdown_duration_s == 3 * 3600  # peak at 02:00, still under at 05:00
    assert not report.max_drawdown_recovered
    returns = np.diff(ref) / ref[:-1]
    per_year = 365.25 * 24
    assert report.sharpe == pytest.approx(returns.mean() / returns.std(ddof=1) * per_year**0.5)
    assert report.num_trades == 2 and report.trades[1].exit_time is None
    first = report.trades[0]
    assert first.quantity == pytest.approx(1000 / (100 * 1.001))
    assert first.fees == pytest.approx(1000 / 1.001 * 0.001 + first.quantity * 100 * 0.001)
    assert first.pnl == pytest.approx(first.quantity * 100 * 0.999 - 1000)
    assert report.win_rate == 0.0 and report.profit_factor == 0.0  # no gain, one loss
    assert report.exposure == pytest.approx(5 / 6)
    assert report.final_equity == pytest.approx(ref[-1])
    assert report.total_return == pytest.approx(ref[-1] - 1)
