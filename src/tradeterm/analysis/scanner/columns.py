"""The scanner's columns (names, kinds, units, definitions), its windows and its error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tradeterm.domain.errors import TradetermError

# --- windows, in one-minute candles ------------------------------------------------------
INDICATOR_HISTORY = 500  # indicators and scores see at most the newest 500 candles
CHANGE_1H = 60  # chg_1h compares with the close this many candles back
CHANGE_24H = 1440  # chg_24h and vol_24h cover this many candles (fewer if fewer exist)
MINUTES_PER_DAY = 1440  # volatility is scaled from per-minute to per-day with its sqrt
VOLATILITY_RETURNS = 60  # log returns in the volatility (and sigma1) window
RSI_PERIOD = 14
VOL_Z_PERIOD = 20
EMA_FAST, EMA_SLOW = 20, 50  # trend state and the trend score's EMA components
TREND_SLOPE = 10  # the fast EMA must rise (fall) over this many candles for "up" ("down")
TREND_DEADBAND = 0.0002  # |EMA20 / EMA50 - 1| at or below this (2 bps) is "flat"
MACD_FAST, MACD_SLOW, MACD_SIGNAL = 12, 26, 9
BOLLINGER_PERIOD, BOLLINGER_STD = 20, 2.0
SUPPORT_WINDOW = 60  # support = lowest low of this many candles before the newest
MOVE_WINDOW = 15  # the momentum "strong move" is the return over this many candles
VOLUME_RECENT, VOLUME_BASE = 5, 60  # volume surge: last 5 candles vs the 60 before them
TIMEFRAMES = (1, 5, 15)  # minutes per bar of the multi-timeframe check
TIMEFRAME_BARS = 3  # a timeframe is "up" when its close is above the close 3 bars back
ACCELERATION_WINDOW = 5  # acceleration compares two consecutive 5-candle returns

TREND_HISTORY = max(EMA_SLOW, EMA_FAST + TREND_SLOPE)  # candles needed for the trend state


class ScannerError(TradetermError, ValueError):
    """A scanner call got something it cannot use: an unknown symbol or family, a bad length."""


Kind = Literal["number", "text"]


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """One column of the scanner table.

    Attributes:
        name: the stable column name (row keys, filter names).
        kind: ``"number"`` (float, NaN when undefined) or ``"text"`` (``""`` when undefined).
        unit: ``"%"``, ``"bps"``, ``"0-100"``, ``"price"``, ``"quote"``, ``"z"`` or ``""``.
        definition: what the value is, in plain words.
    """

    name: str
    kind: Kind
    unit: str
    definition: str


COLUMNS: tuple[ColumnInfo, ...] = (
    ColumnInfo("symbol", "text", "", "the market symbol"),
    ColumnInfo("last", "number", "price", "close of the newest one-minute candle"),
    ColumnInfo(
        "chg_1h",
        "number",
        "%",
        f"100 * (last / close {CHANGE_1H} candles back - 1); NaN with fewer than "
        f"{CHANGE_1H + 1} candles",
    ),
    ColumnInfo(
        "chg_24h",
        "number",
        "%",
        f"100 * (last / close {CHANGE_24H} candles back - 1); when the matrix holds "
        f"{CHANGE_24H} candles of the symbol or fewer, against the open of the oldest one "
        "(the change over all of them; ScanResult.chg_24h_candles says how many)",
    ),
    ColumnInfo(
        "vol_24h",
        "number",
        "quote",
        f"sum of close * volume over the newest {CHANGE_24H} candles (or all there are): "
        "quote volume estimated from base volumes",
    ),
    ColumnInfo(
        "spread_bps",
        "number",
        "bps",
        "(ask - bid) / mid * 10,000 from the order book or ticker passed to scan; NaN if none",
    ),
    ColumnInfo(
        "volatility",
        "number",
        "%",
        f"realised volatility per day in percent: 100 * sqrt({MINUTES_PER_DAY}) * sample "
        f"standard deviation of the last {VOLATILITY_RETURNS} one-minute log returns",
    ),
    ColumnInfo(
        "rsi",
        "number",
        "0-100",
        f"RSI({RSI_PERIOD}) with Wilder smoothing over the newest {INDICATOR_HISTORY} "
        f"candles, TA-Lib's value; NaN with fewer than {RSI_PERIOD + 1} candles or when the "
        "price never moved",
    ),
    ColumnInfo(
        "vol_z",
        "number",
        "z",
        f"(volume - mean) / std of the last {VOL_Z_PERIOD} volumes (newest included, "
        "population std); NaN when they are all equal",
    ),
    ColumnInfo(
        "trend",
        "text",
        "",
        f'"up" if EMA{EMA_FAST} > EMA{EMA_SLOW} by more than {TREND_DEADBAND * 1e4:g} bps '
        f"and EMA{EMA_FAST} rose over the last {TREND_SLOPE} candles; "
        '"down" for the mirror case; "flat" otherwise; "" with fewer than '
        f"{TREND_HISTORY} candles",
    ),
    ColumnInfo(
        "regime",
        "text",
        "",
        '"trending_up", "trending_down", "ranging" or "volatile" from ADX(14), the ATR '
        'percentile and realised volatility (analysis.regime, docs/regimes.md); "" with '
        "fewer than 121 candles or when the price never moved",
    ),
    ColumnInfo("trend_score", "number", "0-100", "trend-following setup score (see recipes)"),
    ColumnInfo("meanrev_score", "number", "0-100", "mean-reversion setup score (see recipes)"),
    ColumnInfo("momentum_score", "number", "0-100", "momentum setup score (see recipes)"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
NUMERIC_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "number")
TEXT_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "text")
COLUMN_INFO: dict[str, ColumnInfo] = {column.name: column for column in COLUMNS}
