"""The vectorised long-only engine: entry/exit signals on closed candles into trades and equity.

The candle-mode convention (the default, ``fill="close"``): a market order sent on a candle's
close fills at that close, and the fee is paid in the quote currency on top of the notional. A
buy with cash ``C`` gets ``C / (close * (1 + fee))`` units, a sale of ``U`` units yields ``U *
close * (1 - fee)``. Every entry buys with all the cash, every exit sells everything; a position
still open at the end is valued at the last close without an exit fee. ``fill="next-open"``:
the order fills at the next candle's open instead (a signal on the last candle does not fill).

This is backtesting.py's ``trade_on_close=True`` with ``commission=fee`` (and its default,
``trade_on_close=False``, for next-open), and vectorbt's ``from_signals`` with ``fees=fee``.

Amounts are multiples of the starting cash (1.0 means unchanged); :mod:`.report` scales them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Fill = Literal["close", "next-open"]
FILLS: tuple[Fill, ...] = ("close", "next-open")


@dataclass(frozen=True)
class Simulation:
    """The trades of one run, as arrays (one element per trade, in order).

    ``exit_bar`` is the number of candles and ``exit_price`` NaN for a trade still open;
    ``cash_before`` is the cash each trade started with, as a multiple of the start.
    """

    entry_bar: IntArray
    entry_price: FloatArray
    exit_bar: IntArray
    exit_price: FloatArray
    cash_before: FloatArray
    final_equity: float
    fee: float
    bars: int

    @property
    def is_open(self) -> bool:
        """Whether the last trade is still open at the end."""
        return bool(len(self.exit_bar)) and int(self.exit_bar[-1]) == self.bars

    @property
    def units(self) -> FloatArray:
        """Units bought by each trade, per unit of starting cash."""
        return self.cash_before / (self.entry_price * (1.0 + self.fee))


def long_state(signal: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
    """Whether the strategy wants to be long after each candle: the last non-zero signal
    (+1 enter, -1 exit) so far was +1. Signals that repeat the current state do nothing."""
    positions = np.arange(len(signal))
    last = np.maximum.accumulate(np.where(signal != 0, positions, 0))
    state: npt.NDArray[np.bool_] = signal[last] == 1
    return state


def simulate(
    open_: FloatArray, close: FloatArray, signal: npt.NDArray[np.int8], fee: float, fill: Fill
) -> Simulation:
    """Trade ``signal`` (per candle: +1 enter, -1 exit, 0 nothing, known at its close) on
    the candles' prices with the convention in the module docstring."""
    bars = len(close)
    state = long_state(signal).view(np.int8)
    change = np.diff(state, prepend=np.int8(0))
    entry_bar = np.flatnonzero(change == 1)
    exit_bar = np.flatnonzero(change == -1)
    if fill == "close":
        prices = close
    else:
        prices = open_
        entry_bar, exit_bar = entry_bar + 1, exit_bar + 1
        entry_bar = entry_bar[entry_bar < bars]
        exit_bar = exit_bar[: len(entry_bar)]
        exit_bar = exit_bar[exit_bar < bars]
    return from_trades(entry_bar, prices[entry_bar], exit_bar, prices[exit_bar], close, fee)


def from_trades(
    entry_bar: IntArray,
    entry_price: FloatArray,
    exit_bar: IntArray,
    exit_price: FloatArray,
    close: FloatArray,
    fee: float,
) -> Simulation:
    """The simulation of trades entered and left at these candles and prices (one exit per
    entry, in order; one entry more than exits when the last trade is still open), with the
    fee and sizing convention in the module docstring."""
    bars = len(close)
    closed = len(exit_bar)
    growth = exit_price / entry_price[:closed] * ((1.0 - fee) / (1.0 + fee))
    cash_before = np.empty(len(entry_bar))
    if len(entry_bar):
        cash_before[0] = 1.0
        np.cumprod(growth[: len(entry_bar) - 1], out=cash_before[1:])
    final = float(np.prod(growth))
    if closed < len(entry_bar):
        final *= float(close[-1] / (entry_price[-1] * (1.0 + fee)))
        exit_bar = np.append(exit_bar, bars)
        exit_price = np.append(exit_price, np.nan)
    return Simulation(entry_bar, entry_price, exit_bar, exit_price, cash_before, final, fee, bars)


def equity_curve(sim: Simulation, close: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Equity after each candle (a multiple of the start) and whether a position was held.

    Held from the fill candle up to the exit candle (exclusive): the equity there is the units
    times the close; at and after an exit it is the cash the sale brought.
    """
    bars = len(close)
    count = np.zeros(bars, dtype=np.intp)
    np.add.at(count, sim.entry_bar, 1)  # a candle's last trade is the one it shows
    trade = np.cumsum(count) - 1
    k = np.maximum(trade, 0)
    if not len(sim.entry_bar):
        return np.ones(bars), np.zeros(bars, dtype=np.bool_)
    held = (trade >= 0) & (np.arange(bars) < sim.exit_bar[k])
    cash_after = np.append(sim.cash_before[1:], sim.final_equity)
    flat = np.where(trade >= 0, cash_after[k], 1.0)
    equity = np.where(held, sim.units[k] * close, flat)
    return equity, held
