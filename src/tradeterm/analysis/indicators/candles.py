"""``from_candles``: every indicator with its customary parameters on one candle DataFrame."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.analysis.indicators._validate import IndicatorInputError
from tradeterm.analysis.indicators.moving import ema, macd, sma, wma
from tradeterm.analysis.indicators.oscillators import adx, roc, rsi, stochastic
from tradeterm.analysis.indicators.volatility import atr, bollinger, donchian, realized_volatility
from tradeterm.analysis.indicators.volume import obv, volume_zscore, vwap

CANDLE_COLUMNS = ("open", "high", "low", "close", "volume")


def from_candles(candles: pd.DataFrame, *, period: int = 20) -> pd.DataFrame:
    """Compute every indicator on a candle DataFrame, with the customary parameters.

    Moving averages, Bollinger, Donchian, the volume z-score and realised volatility use
    ``period``; the others keep their own defaults (RSI/ATR/ADX/stochastic 14, MACD 12/26/9,
    ROC 10). Index the candles by their open time (a DatetimeIndex) for session VWAP, e.g.
    ``candles.set_index("date")`` for freqtrade frames.

    Columns of the result: ``sma, ema, wma, rsi, macd, macd_signal, macd_hist, bb_middle,
    bb_upper, bb_lower, bb_percent_b, bb_width, atr, stoch_k, stoch_d, adx, plus_di,
    minus_di, obv, vwap, donchian_upper, donchian_lower, donchian_middle, roc,
    volume_zscore, realized_volatility``.

    Args:
        candles: DataFrame with at least the columns ``high, low, close, volume`` (lower case).
        period: window of the period-based indicators listed above, >= 2.

    Returns:
        DataFrame on ``candles``' index.

    Raises:
        IndicatorInputError: ``candles`` is not a DataFrame or lacks a column, or any check of
            the individual indicators fails.
    """
    if not isinstance(candles, pd.DataFrame):
        kind = type(candles).__name__
        raise IndicatorInputError(f"candles must be a pandas DataFrame, got {kind}")
    missing = [name for name in CANDLE_COLUMNS[1:] if name not in candles.columns]
    if missing:
        raise IndicatorInputError(
            f"candles lack the column(s) {missing}; they have {list(candles.columns)} "
            "(expected lower-case high, low, close, volume)"
        )
    high, low, close, volume = (candles[name] for name in CANDLE_COLUMNS[1:])
    parts: list[tuple[str, pd.Series | pd.DataFrame]] = [
        ("sma", sma(close, period)),
        ("ema", ema(close, period)),
        ("wma", wma(close, period)),
        ("rsi", rsi(close)),
        ("macd_", macd(close)),
        ("bb_", bollinger(close, period)),
        ("atr", atr(high, low, close)),
        ("stoch_", stochastic(high, low, close)),
        ("", adx(high, low, close)),
        ("obv", obv(close, volume)),
        ("vwap", vwap(high, low, close, volume)),
        ("donchian_", donchian(high, low, period)),
        ("roc", roc(close)),
        ("volume_zscore", volume_zscore(volume, period)),
        ("realized_volatility", realized_volatility(close, period)),
    ]
    data = {}
    for name, result in parts:
        if isinstance(result, pd.Series):
            data[name] = result.to_numpy()
        else:
            for column in result.columns:
                data[name + column if column != "macd" else "macd"] = result[column].to_numpy()
    return pd.DataFrame(data, index=candles.index, copy=False)
