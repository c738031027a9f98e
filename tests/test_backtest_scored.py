"""Two engines, one answer for the score strategies: ``trend``, ``mean_reversion`` and
``momentum`` run vectorised (numpy scores, one pass for stops) make the same trades as the
strategy objects run through the engine, the paper venue and the deterministic driver, on
every shared candle file; and the event-driven final equity is what the documented fee and
sizing difference predicts from the vectorised trades, to 1e-9 relative.

The event-driven strategy spends ``spend / (1 + MARKET_BUY_MARGIN)`` = 0.99 / 1.02 of its free
quote per buy (``tradeterm.strategies.scored``); the formula is in ``test_backtest_event``.
Each file is cut to about 520 one-minute bars of the strategy (a 1m candle is one bar, a
longer candle four), so both the short windows and the full 500-bar windows are scored.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.test_backtest_event import DATA, FILES, NOT_CANDLES, expected_equity
from tradeterm.analysis.backtest.candles import read_candles
from tradeterm.analysis.backtest.runner import run_vectorised
from tradeterm.analysis.backtest.scored import WINDOW, scores, tape
from tradeterm.analysis.backtest.signals import parse_params
from tradeterm.cli.backtest_event import event_report
from tradeterm.domain.errors import ConfigError, DataError

FEE = 0.001
SPENT = 0.99 / 1.02
STRATEGIES = ("trend", "mean_reversion", "momentum")
BARS_1M = 520
BARS_LONGER = 130
NAUTILUS_1M = DATA / "nautilus_btc-perp-20211231-20220201_1m.csv"


def candles_of(path: Path):  # type: ignore[no-untyped-def]
    if path.name in NOT_CANDLES:
        pytest.skip("funding rates, not prices")
    try:
        candles = read_candles(path)
    except DataError:
        pytest.skip(f"{path.name} holds no candles")
    step = int(np.median(np.diff(candles.index.as_unit("ms").asi8)))
    return candles.iloc[: BARS_1M if step <= 60_000 else BARS_LONGER]


def trades(report) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [(t.entry_time, t.entry_price, t.exit_time, t.exit_price) for t in report.trades]


@pytest.mark.slow  # 36 event-driven runs, 10-25 s each on a loaded 2-core machine
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_vectorised_score_strategies_make_the_event_driven_trades(
    path: Path, strategy: str
) -> None:
    candles = candles_of(path)
    vector = run_vectorised(candles, strategy, parse_params(strategy, {}), fee=FEE)
    event = event_report(candles, strategy, {}, fee=FEE, cash=Decimal(10_000))
    assert vector.mode == "vectorised" and event.mode == "event"
    assert trades(event) == trades(vector)
    last = float(candles["close"].iloc[-1])
    want = expected_equity([t.__dict__ for t in vector.trades], last, SPENT)
    assert math.isclose(event.final_equity, want, rel_tol=1e-9, abs_tol=0.0)


def test_the_comparison_is_not_empty() -> None:
    """On the 1m BTC candles the three strategies trade, with stops and exit rules, and the
    windows reach the full 500 bars."""
    candles = read_candles(NAUTILUS_1M).iloc[:BARS_1M]
    taped = tape(candles)
    assert len(taped.bars["close"]) > WINDOW  # one 1m candle, one bar
    score, rsi = scores(taped.bars, taped.bar_ms, "trend")
    assert np.isnan(score[:61]).all() and not np.isnan(score[61:]).any()
    assert not np.isnan(rsi[61:]).any()
    made = {s: run_vectorised(candles, s, parse_params(s, {}), fee=FEE).num_trades
            for s in STRATEGIES}  # fmt: skip
    assert all(n > 0 for n in made.values()), made


def test_the_bars_are_the_minutes_of_the_played_trades() -> None:
    """A 5m candle is played as four trades at 0, 75, 150 and 225 s: four one-trade bars."""
    candles = read_candles(DATA / "binance_spot_2019-10_freqtrade" / "XRP_ETH-5m.feather")
    taped = tape(candles.iloc[:3])
    rows = candles.iloc[:3][["open", "high", "low", "close"]].to_numpy().ravel()
    # the end trade closes the last bar: 12 bars, each one trade of the candles in order
    assert taped.bars["close"].tolist() == rows.tolist()
    assert taped.bars["volume"].tolist() == [1.0] * 12
    start = int(candles.index[0].timestamp() * 1000)
    assert taped.bar_ms[:4].tolist() == [start, start + 60_000, start + 120_000, start + 180_000]


def test_score_parameters_are_checked_and_next_open_is_refused() -> None:
    with pytest.raises(ConfigError, match="entry_score"):
        parse_params("trend", {"entry_score": "120"})
    with pytest.raises(ConfigError, match="exit_rsi"):
        parse_params("trend", {"exit_rsi": "50"})
    params = parse_params("mean_reversion", {"exit_rsi": "60", "stop_loss_pct": "0"})
    candles = read_candles(NAUTILUS_1M).iloc[:200]
    with pytest.raises(ConfigError, match="--fill close only"):
        run_vectorised(candles, "mean_reversion", params, fee=FEE, fill="next-open")
