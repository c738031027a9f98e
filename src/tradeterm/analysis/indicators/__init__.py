"""Vectorised technical indicators over candle Series, with TA-Lib's definitions.

One function per indicator. Each takes pandas Series (and keyword parameters with the
customary defaults) and returns a float64 Series, or a DataFrame for indicators with several
outputs, on the input's index. Definitions, warm-up lengths and seeding follow TA-Lib; each
docstring names the TA-Lib call it matches and says where it deliberately differs.

- ``sma``, ``ema``, ``wma`` -> Series ``sma_<period>`` ... (TA-Lib SMA, EMA, WMA)
- ``rsi`` -> ``rsi_<period>`` (RSI); ``roc`` -> ``roc_<period>`` (ROC)
- ``macd`` -> columns ``macd, signal, hist`` (MACD)
- ``bollinger`` -> ``middle, upper, lower, percent_b, width`` (BBANDS with an SMA)
- ``atr`` -> ``atr_<period>`` (ATR)
- ``stochastic`` -> ``k, d`` (STOCHF with an SMA %D)
- ``adx`` -> ``adx, plus_di, minus_di`` (ADX, PLUS_DI, MINUS_DI)
- ``obv`` -> ``obv`` (OBV)
- ``donchian`` -> ``upper, lower, middle`` (MAX and MIN of highs and lows)
- ``vwap`` (UTC-day sessions), ``volume_zscore``, ``realized_volatility``: not in TA-Lib
- ``from_candles``: all of the above from one candle DataFrame

Rules shared by every indicator:

- **Warm-up**: rows before the first computable value are NaN; each docstring gives the
  count. Fewer rows than the warm-up give an all-NaN result of the same length, not an error.
- **Input**: int or float Series (nullable and Arrow-backed numeric dtypes too), converted to
  float64. Decimal/object, bool and other dtypes are refused: convert at the boundary with
  ``.astype(float)``. Multi-input indicators need Series of the same length and index.
  ``high`` must not be below ``low`` (swapped arguments are caught); volumes must not be
  negative for OBV and VWAP; closes must be positive for realised volatility.
- **Missing values**: leading NaNs are allowed and mean "no data yet": the indicator starts at
  the first row where every input has a value and its warm-up counts from there. A NaN or an
  infinite value after that raises :class:`IndicatorInputError` naming the first bad row:
  gaps are never skipped silently. Rows are taken as consecutive candles; a time gap in the
  index is not detected (reindex to a regular grid to turn gaps into NaN rows, then drop or
  fill them).
- **Index**: a DatetimeIndex must be strictly increasing (sorted, no duplicates); other
  indexes are used in row order.
- **Undefined values**: where a formula is 0/0 (a flat window for %B, stochastic and z-score,
  no movement yet for RSI and the DIs) the result is NaN, never a made-up 0 or 50. TA-Lib
  returns 0 in those rows; everywhere else the values agree.
- **Exactness**: window sums and moments are computed per window (pairwise sums, or
  deviations from a value inside the window), recursive averages in short blocks, running
  totals with restarts, so the rounding error does not grow with the number of rows. On a
  million-row random walk around 50,000 the Bollinger sigma stays within 1e-15 of exact
  arithmetic, where pandas' rolling std drifts to 1.5e-6.

Errors are :class:`IndicatorInputError`, both a ``ValueError`` and a ``TradetermError``.
"""

from tradeterm.analysis.indicators._validate import IndicatorInputError
from tradeterm.analysis.indicators.candles import from_candles
from tradeterm.analysis.indicators.moving import ema, macd, sma, wma
from tradeterm.analysis.indicators.oscillators import adx, roc, rsi, stochastic
from tradeterm.analysis.indicators.volatility import atr, bollinger, donchian, realized_volatility
from tradeterm.analysis.indicators.volume import obv, volume_zscore, vwap

__all__ = [
    "IndicatorInputError",
    "adx",
    "atr",
    "bollinger",
    "donchian",
    "ema",
    "from_candles",
    "macd",
    "obv",
    "realized_volatility",
    "roc",
    "rsi",
    "sma",
    "stochastic",
    "volume_zscore",
    "vwap",
    "wma",
]
