"""Vectorised ``trend``, ``mean_reversion`` and ``momentum``: the scanner's scores of every bar in
numpy batches, then the strategy's entries, exits, stop-loss and take-profit in one pass.

The event-driven mode plays each candle as four trades (open, high, low, close at 0, ¼, ½ and
¾ of the candle) and sets a one-level book at the close just before the next candle opens
(``tradeterm.venues.replay.candle_feed``). The strategy (``tradeterm.strategies.scored``)
builds one-minute bars from those trades, so a 1m candle is one bar and a longer candle is
four one-trade bars; each bar closes when the first trade of a later minute arrives. This
module replays exactly that, without the engine:

- the bars are the trades grouped by minute (volume: the number of trades, one unit each);
- on a closing bar the score is the scanner's (``tradeterm.analysis.scanner.scan``) over the
  last 500 closed bars, once the strategy holds ``min_history + 1`` of them, scanned in
  batches, one matrix row per window (see :func:`scores`);
- on every trade, while long: a price at or below entry x (1 - stop_loss_pct/100) or at or
  above entry x (1 + take_profit_pct/100) sells. Then, on the bar the trade closes (unless
  it just sold): flat and score >= entry_score buys; long and the exit rule (score <=
  exit_score; for mean reversion RSI >= exit_rsi) sells;
- every order fills at the book standing when it is sent: the close of the last candle that
  ended. A fill on a candle's open trade belongs to the candle before (the candle-mode
  convention: sent on that candle's close, filled at it); any other fill to its own candle.

The trades then take the vectorised fee and sizing convention (:mod:`.vector`): all the cash
in, fee in quote on top, everything out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, Field

from tradeterm.analysis.backtest.vector import FloatArray, Simulation, from_trades
from tradeterm.analysis.scanner.convert import CandleMatrix
from tradeterm.analysis.scanner.passes import scan
from tradeterm.analysis.scanner.recipes import RECIPES

WINDOW = 500
"""Closed bars a score strategy keeps (its ``candle_window``)."""
BAR_MS = 60_000
"""The score strategies' bars are one minute long."""
BATCH = 128
"""Windows scanned in one matrix."""

Score = Annotated[float, Field(ge=0, le=100)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]


class ScoreParams(BaseModel):
    """Parameters of ``trend`` and ``momentum`` (those of ``tradeterm.strategies.scored``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_score: Score = 75.0
    """Buy when the family's score (0-100) is at or above this."""
    exit_score: Score = 25.0
    """Sell when the score falls to this or below (``trend``, ``momentum``)."""
    stop_loss_pct: Percent = Decimal("2")
    """Sell when a trade prints this % under the entry price (0: no stop)."""
    take_profit_pct: Percent = Decimal("4")
    """Sell when a trade prints this % over the entry price (0: none)."""
    spend: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.99")
    """The event-driven mode's share of the free quote per buy; the vectorised mode
    spends all of it (its documented convention), so this does not change the trades."""


class MeanReversionParams(ScoreParams):
    """Parameters of ``mean_reversion``."""

    entry_score: Score = 70.0
    """Buy when the mean-reversion score (0-100) is at or above this."""
    exit_rsi: Annotated[float, Field(ge=0, le=100)] = 55.0
    """Sell when the RSI is back at this or above."""


@dataclass(frozen=True)
class Tape:
    """The trades the event-driven mode plays, as arrays, and the minute bars they make."""

    price: FloatArray
    book: FloatArray  # the book's price when each trade arrives (NaN before the first)
    candle: npt.NDArray[np.intp]  # the candle a fill on each trade belongs to
    closes: npt.NDArray[np.intp]  # the bar each trade closes, or -1
    bars: dict[str, FloatArray]  # open high low close volume of the closed bars
    bar_ms: npt.NDArray[np.int64]


def spacing_ms(times_ms: npt.NDArray[np.int64]) -> int:
    """The candles' median spacing, as the candle feed plays them (60,000 for one)."""
    return int(np.median(np.diff(times_ms))) if len(times_ms) > 1 else 60_000


def tape(candles: pd.DataFrame) -> Tape:
    """The four trades of each candle, one more at the last close, and their minute bars."""
    times = candles.index.as_unit("ms").asi8.astype(np.int64)
    n = len(times)
    length = spacing_ms(times)
    rows = candles[["open", "high", "low", "close"]].to_numpy(dtype=np.float64)
    close = rows[:, 3]
    quarter_ns = length * 250_000
    steps = np.arange(4, dtype=np.int64) * quarter_ns
    ts_ns = (times[:, None] * 1_000_000 + steps[None, :]).ravel()
    ts_ns = np.append(ts_ns, times[-1] * 1_000_000 + 4 * quarter_ns) if n else ts_ns
    price = np.append(rows.ravel(), close[-1]) if n else np.zeros(0)
    book = np.append(np.repeat(np.append(np.nan, close[:-1]), 4), close[-1]) if n else price
    which = np.repeat(np.arange(n), 4)
    candle = np.where(np.tile(np.arange(4), n) == 0, which - 1, which)
    candle = np.append(candle, n - 1) if n else candle
    minute = (ts_ns // 1_000_000) // BAR_MS
    starts = np.flatnonzero(np.diff(minute, prepend=minute[:1] - 1) != 0) if n else minute
    closes = np.full(len(price), -1, dtype=np.intp)
    closes[starts[1:]] = np.arange(len(starts) - 1)
    bounds = np.append(starts, len(price))
    done = len(starts) - 1  # the last bar never closes
    first, last = bounds[:done], bounds[1 : done + 1] - 1
    bars = {
        "open": price[first],
        "high": np.maximum.reduceat(price, first) if done else np.zeros(0),
        "low": np.minimum.reduceat(price, first) if done else np.zeros(0),
        "close": price[last],
        "volume": (last - first + 1).astype(np.float64),
    }
    return Tape(price, book, candle.astype(np.intp), closes, bars, minute[first] * BAR_MS)


def _matrix(
    bars: dict[str, FloatArray], ends: range, length: int, ts: npt.NDArray[np.int64]
) -> CandleMatrix:
    """The windows of up to ``length`` bars ending at each bar in ``ends``, one row each,
    right-aligned and NaN-padded as the scanner's matrices are."""
    rows = len(ends)
    cube = np.full((5, rows, length), np.nan)
    counts = np.minimum(np.arange(ends.start, ends.stop, dtype=np.int64) + 1, length)
    full = ends.start - length + 1 >= 0 and rows > 0
    for f, name in enumerate(("open", "high", "low", "close", "volume")):
        if full:  # every row a whole window: strided views, copied in one go
            view = np.lib.stride_tricks.sliding_window_view(bars[name], length)
            cube[f] = view[ends.start - length + 1 : ends.stop - length + 1]
            continue
        for row, (end, n) in enumerate(zip(ends, counts.tolist(), strict=True)):
            cube[f, row, length - n :] = bars[name][end + 1 - n : end + 1]
    symbols = tuple(str(i) for i in ends)
    last_ts = ts[ends.start : ends.stop]
    return CandleMatrix(symbols, cube[0], cube[1], cube[2], cube[3], cube[4], counts, last_ts)


def _scan(
    bars: dict[str, FloatArray], ends: range, length: int, ts: npt.NDArray[np.int64], column: str
) -> tuple[FloatArray, FloatArray]:
    result = scan(_matrix(bars, ends, length, ts))
    return result.numbers[column], result.numbers["rsi"]


def scores(
    bars: dict[str, FloatArray],
    bar_ms: npt.NDArray[np.int64],
    family: str,
    thresholds: tuple[float, ...] = (),
) -> tuple[FloatArray, FloatArray]:
    """The family's score and the RSI on every closed bar, over the strategy's window (NaN
    where the strategy has too few bars to score).

    Whole 500-bar windows are scanned in batches, which gives each row exactly the numbers
    of a scan of that window alone. Shorter windows are scanned together too, NaN-padded
    to one width; that moves a score by about 1e-11, so a bar whose padded score or RSI is
    NaN or within 1e-6 of one of ``thresholds`` (the values the strategy compares them with)
    is scanned again alone, at its own length: every decision is the event-driven one.
    """
    count = len(bars["close"])
    recipe = RECIPES[family]
    score, rsi = np.full(count, np.nan), np.full(count, np.nan)
    first = recipe.min_history  # bar b is scored once b + 1 >= min_history + 1
    short = range(first, min(count, WINDOW - 1))
    if short:
        score[short.start : short.stop], rsi[short.start : short.stop] = _scan(
            bars, short, short.stop, bar_ms, recipe.column
        )
        part = slice(short.start, short.stop)
        doubt = np.isnan(score[part]) | np.isnan(rsi[part])
        for value in thresholds:
            doubt |= (np.abs(score[part] - value) <= 1e-6) | (np.abs(rsi[part] - value) <= 1e-6)
        for b in (np.flatnonzero(doubt) + short.start).tolist():
            one, alone = _scan(bars, range(b, b + 1), b + 1, bar_ms, recipe.column)
            score[b], rsi[b] = one[0], alone[0]
    for start in range(max(first, WINDOW - 1), count, BATCH):
        ends = range(start, min(count, start + BATCH))
        score[ends.start : ends.stop], rsi[ends.start : ends.stop] = _scan(
            bars, ends, WINDOW, bar_ms, recipe.column
        )
    return score, rsi


def simulate_scored(
    candles: pd.DataFrame, family: str, params: ScoreParams, fee: float
) -> Simulation:
    """The trades of the score strategy of ``family`` on ``candles`` (see the module)."""
    taped = tape(candles)
    exit_rsi = params.exit_rsi if isinstance(params, MeanReversionParams) else None
    thresholds = (params.entry_score, params.exit_score, *([exit_rsi] if exit_rsi else []))
    score, rsi = scores(taped.bars, taped.bar_ms, family, thresholds)
    sl, tp = params.stop_loss_pct / 100, params.take_profit_pct / 100
    entries: list[tuple[int, float]] = []
    exits: list[tuple[int, float]] = []
    entry: Decimal | None = None
    prices, books = taped.price.tolist(), taped.book.tolist()
    closes, candle = taped.closes.tolist(), taped.candle.tolist()
    score_l, rsi_l = score.tolist(), rsi.tolist()
    for t, b in enumerate(closes):
        if entry is not None:
            p = Decimal(repr(prices[t]))
            if (sl and p <= entry * (1 - sl)) or (tp and p >= entry * (1 + tp)):
                exits.append((candle[t], books[t]))
                entry = None
                continue  # busy until the sale fills: the bar's close is not acted on
        if b < 0:
            continue
        s = score_l[b]
        if entry is None:
            if s >= params.entry_score:
                entries.append((candle[t], books[t]))
                entry = Decimal(repr(books[t]))
        elif (exit_rsi is None and s <= params.exit_score) or (
            exit_rsi is not None and rsi_l[b] >= exit_rsi
        ):
            exits.append((candle[t], books[t]))
            entry = None
    close = candles["close"].to_numpy(dtype=np.float64)
    return from_trades(
        np.array([e[0] for e in entries], dtype=np.intp),
        np.array([e[1] for e in entries], dtype=np.float64),
        np.array([e[0] for e in exits], dtype=np.intp),
        np.array([e[1] for e in exits], dtype=np.float64),
        close,
        fee,
    )
