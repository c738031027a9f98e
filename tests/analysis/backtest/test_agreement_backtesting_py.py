"""Agreement with the world: sma_cross fast=10 slow=30 fee=0.001 gives backtesting.py's trades
and final equity, to 1e-9 relative, on every candle file in ../shared/data.

How backtesting.py is set up to follow the candle-mode convention:

- ``trade_on_close=True``: a market order sent in ``next()`` fills at that candle's close
  (``False`` for ``--fill next-open``: the next candle's open);
- ``commission=0.001``: charged on the notional at entry and again at exit, and a buy of a
  fraction of equity is sized to ``cash // (price * (1 + commission))`` units, which is our
  ``C / (close * (1 + fee))``; a trade open at the end is valued at the last close with no
  exit commission (``finalize_trades=False``);
- backtesting.py trades whole units, so ``FractionalBacktest`` with a unit of 2**-40 (a power
  of two: scaling the prices by it is exact, so the crossings do not move) leaves a rounding
  of about 1e-13 per trade (1.8e-11 on the final equity after 945 trades of BTC-PERP);
- both sides compute the SMAs with ``signals.sma`` (TA-Lib's definition, each window summed
  on its own). With pandas' ``rolling().mean()`` on backtesting.py's side the fast and slow
  averages of a flat stretch (Bittrex ADA/BTC and XLM/BTC have many) differ in the last bit
  and cross where the exact averages are equal, so the trades differ for a reason that has
  nothing to do with fills; ``test_vector.py`` checks ``signals.sma`` against the indicator
  library and the crossing rule separately.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from tradeterm.analysis.backtest.candles import read_candles
from tradeterm.analysis.backtest.runner import run_vectorised
from tradeterm.analysis.backtest.signals import SmaCrossParams, sma
from tradeterm.domain.errors import DataError

backtesting = pytest.importorskip("backtesting")
from backtesting import Strategy  # noqa: E402
from backtesting.lib import FractionalBacktest  # noqa: E402

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "candles"
FILES = sorted(p for p in DATA.rglob("*") if p.is_file()) if DATA.is_dir() else []
UNIT = 2.0**-40
CASH = 10_000.0
FEE = 0.001
NOT_CANDLES = {"XRP_USDT_USDT-8h-funding_rate.feather"}  # rates in `open`, closes all 0


class SmaCross(Strategy):  # type: ignore[misc]
    fast = 10
    slow = 30

    def init(self) -> None:
        close = np.asarray(self.data.Close)
        self.fast_sma = self.I(sma, close, self.fast)
        self.slow_sma = self.I(sma, close, self.slow)

    def next(self) -> None:
        f, s = self.fast_sma, self.slow_sma
        if f[-1] > s[-1] and f[-2] <= s[-2]:
            if not self.position:
                self.buy(size=1 - 2**-52)  # all the cash (a size of 1 would mean one unit)
        elif f[-1] < s[-1] and f[-2] >= s[-2] and self.position:
            self.position.close()


def test_the_shared_candle_files_are_there() -> None:
    if not DATA.is_dir():
        pytest.skip(f"shared candle data not found at {DATA} (see shared/data/PROVENANCE.md)")
    assert len(FILES) >= 12


@pytest.mark.parametrize("fill", ["close", "next-open"])
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_sma_cross_agrees_with_backtesting_py(path: Path, fill: str) -> None:
    if path.name in NOT_CANDLES:
        with pytest.raises(DataError, match="prices must be finite and above 0"):
            read_candles(path)
        return
    candles = read_candles(path)
    ours = run_vectorised(
        candles, "sma_cross", SmaCrossParams(fast=10, slow=30), fee=FEE, cash=CASH, fill=fill
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "some trades remain open", progress bars
        bt = FractionalBacktest(
            candles.rename(columns=str.capitalize),
            SmaCross,
            cash=CASH,
            commission=FEE,
            trade_on_close=fill == "close",
            fractional_unit=UNIT,
        )
        stats = bt.run()
    closed = stats["_trades"]
    still_open = list(stats["_strategy"].trades)
    theirs = [
        (int(t.EntryBar), float(t.EntryPrice), int(t.ExitBar), float(t.ExitPrice), t.Size, t.PnL)
        for t in closed.itertuples()
    ] + [  # FractionalBacktest rescales closed trades only; an open trade's pl leaves out
        # its entry commission, which we count in
        (
            t.entry_bar,
            t.entry_price / UNIT,
            None,
            None,
            t.size * UNIT,
            t.pl - t.size * t.entry_price * FEE,
        )
        for t in still_open
    ]
    assert len(ours.trades) == len(theirs)
    bar = {str(ts.isoformat()): i for i, ts in enumerate(candles.index)}
    for mine, (entry_bar, entry_px, exit_bar, exit_px, size, pnl) in zip(
        ours.trades, theirs, strict=True
    ):
        assert bar[mine.entry_time] == entry_bar
        assert mine.entry_price == pytest.approx(entry_px, rel=1e-12)
        if exit_bar is None:
            assert mine.exit_time is None
        else:
            assert mine.exit_time is not None and bar[mine.exit_time] == exit_bar
            assert mine.exit_price == pytest.approx(exit_px, rel=1e-12)
        assert mine.quantity == pytest.approx(size, rel=1e-9)
        assert mine.pnl == pytest.approx(pnl, rel=1e-9, abs=1e-9 * CASH)
    assert ours.final_equity == pytest.approx(stats["Equity Final [$]"] / CASH, rel=1e-9)
