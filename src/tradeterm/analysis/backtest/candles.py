"""Candle file readers: CSV, Parquet, Feather and JSON candles into one checked DataFrame.

Layouts accepted (recognised by content, not by file name; any of them may be gzipped):

- CSV with a header: a time column (``date``, ``timestamp``, ``time``, ``datetime``,
  ``open_time`` or ``ts``) and ``open, high, low, close`` and optionally ``volume``;
- Parquet or Feather with the same columns (freqtrade's layout ``date, open, high, low,
  close, volume``);
- JSON lists ``[[ms, open, high, low, close, volume], ...]`` as ccxt and freqtrade write them;
- a Kraken ``GET /0/public/OHLC`` response body (``{"result": {"PAIR": [[s, o, h, l, c, vwap,
  volume, count], ...]}}``).

The result: a DataFrame indexed by the candle's open time (``date``, UTC), float columns
``open, high, low, close, volume``, sorted, without duplicate times, every price finite and
above 0 (volume may be missing: it is not used). A file that cannot be read raises
:class:`DataError` naming the file, the columns found and the layouts accepted.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.domain.errors import DataError
from tradeterm.domain.market_data import Candle

PRICES = ("open", "high", "low", "close")
COLUMNS = (*PRICES, "volume")
TIME_NAMES = ("date", "timestamp", "time", "datetime", "open_time", "ts")
LAYOUTS = (
    "CSV with a header (date|timestamp|time, open, high, low, close[, volume]); "
    "Parquet or Feather with those columns (freqtrade: date, open, high, low, close, volume); "
    "JSON list [[ms, open, high, low, close, volume], ...] (ccxt, freqtrade); "
    "a Kraken OHLC response body; any of them gzipped"
)


class _Unreadable(Exception):
    """Internal: why a file is not candles, and the columns that were found."""

    def __init__(self, reason: str, columns: Sequence[object] = ()) -> None:
        super().__init__(reason)
        self.columns = [str(c) for c in columns]


def read_candles(path: Path) -> pd.DataFrame:
    """The candles in ``path`` (see the module docstring for the layouts and the result)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return _checked(_parse(raw))
    except _Unreadable as exc:
        found = ", ".join(exc.columns) if exc.columns else "none"
        raise DataError(
            f"{path}: not a candle file: {exc}. Columns found: {found}. Accepted: {LAYOUTS}"
        ) from None


def from_store(candles: Sequence[Candle], source: str) -> pd.DataFrame:
    """Candles from the candle store as the same checked frame: the one place where their
    exact Decimals become floats. ``source`` names them in an error."""
    table = pd.DataFrame(
        [
            (c.ts_ms, float(c.open), float(c.high), float(c.low), float(c.close), float(c.volume))
            for c in candles
        ],
        columns=["time", *COLUMNS],
    )
    try:
        return _checked(table)
    except _Unreadable as exc:
        raise DataError(f"{source}: {exc}") from None


def read_many(paths: Sequence[Path]) -> pd.DataFrame:
    """Several files of one market as one series: merged by time, the first file wins a
    time that two files both hold."""
    frames = [read_candles(p) for p in paths]
    if len(frames) == 1:
        return frames[0]
    merged = pd.concat(frames)
    merged = merged[~merged.index.duplicated(keep="first")]
    return merged.sort_index(kind="stable")


def _parse(raw: bytes) -> pd.DataFrame:
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise _Unreadable(f"broken gzip data ({exc})") from None
    if not raw.strip():
        raise _Unreadable("the file is empty")
    try:
        if raw[:4] == b"PAR1":
            return pd.read_parquet(io.BytesIO(raw))
        if raw[:6] == b"ARROW1":
            return pd.read_feather(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise _Unreadable(f"damaged Parquet/Feather data ({type(exc).__name__})") from None
    head = raw.lstrip()[:1]
    if head in (b"[", b"{"):
        return _from_json(raw)
    return _from_csv(raw)


def _from_json(raw: bytes) -> pd.DataFrame:
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _Unreadable(f"invalid JSON ({exc})") from None
    volume_at = 5
    if isinstance(data, dict):
        result = data.get("result")
        rows = None
        if isinstance(result, dict):
            rows = next((v for v in result.values() if isinstance(v, list)), None)
        if rows is None:
            raise _Unreadable("a JSON object without a Kraken 'result' list", list(data)[:10])
        data, volume_at = rows, 6
    if not isinstance(data, list) or not data:
        raise _Unreadable("JSON that is not a non-empty list of candles")
    first = data[0]
    if isinstance(first, dict):
        return pd.DataFrame(data)
    if not all(isinstance(row, list) and len(row) > volume_at for row in data):
        raise _Unreadable(f"JSON rows are not all lists of at least {volume_at + 1} values")
    names = ["time", *PRICES]
    try:
        table = pd.DataFrame(
            [[row[0], *row[1:5], row[volume_at]] for row in data], columns=[*names, "volume"]
        )
    except (TypeError, ValueError) as exc:
        raise _Unreadable(f"JSON rows cannot form a table ({exc})") from None
    if volume_at == 6:  # Kraken: seconds
        table["time"] = _numbers(table["time"], "time") * 1000
    return table


def _from_csv(raw: bytes) -> pd.DataFrame:
    try:
        header = raw.lstrip().split(b"\n", 1)[0]
        sep = next((c for c in (",", ";", "\t", "|") if c.encode() in header), ",")
        return pd.read_csv(io.BytesIO(raw), sep=sep)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        raise _Unreadable(f"not readable as CSV ({str(exc).splitlines()[0][:120]})") from None


def _checked(table: pd.DataFrame) -> pd.DataFrame:
    found = [str(c) for c in table.columns]
    if isinstance(table.index, pd.DatetimeIndex):
        table = table.reset_index()
        found = [str(c) for c in table.columns]
    lower = {str(c).strip().lower(): c for c in table.columns}
    time_name = next((lower[n] for n in TIME_NAMES if n in lower), None)
    missing = [n for n in PRICES if n not in lower]
    if time_name is None or missing:
        what = ([] if time_name is not None else ["a time column"]) + missing
        raise _Unreadable("missing " + ", ".join(what), found)
    if len(table) < 2:
        raise _Unreadable(f"{len(table)} candle(s); a backtest needs at least 2", found)
    out = pd.DataFrame(index=_times(table[time_name]))
    out.index.name = "date"
    for name in COLUMNS:
        column = lower.get(name)
        values = (
            np.zeros(len(table)) if column is None else _numbers(table[column], name).to_numpy()
        )
        out[name] = values
    prices = out[list(PRICES)].to_numpy()
    bad = ~(np.isfinite(prices) & (prices > 0)).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        values = ", ".join(f"{n}={float(out[n].iloc[row])!r}" for n in PRICES)
        raise _Unreadable(
            f"row {row + 1} ({out.index[row]}) has {values}: prices must be finite and above 0",
            found,
        )
    out = out.sort_index(kind="stable")
    if out.index.has_duplicates:
        twice = out.index[out.index.duplicated()][0]
        raise _Unreadable(f"the time {twice} appears more than once", found)
    return out


def _numbers(column: pd.Series, name: str) -> pd.Series:
    converted = pd.to_numeric(column, errors="coerce")
    if converted.isna().any() and not column.isna().all():
        row = int(np.argmax(converted.isna().to_numpy()))
        raise _Unreadable(f"{name} in row {row + 1} is {column.iloc[row]!r}, not a number")
    return converted.astype("float64")


def _times(column: pd.Series) -> pd.DatetimeIndex:
    """Open times as UTC: datetimes (naive ones taken as UTC), epoch numbers (seconds,
    milliseconds, microseconds or nanoseconds, told apart by size) or ISO 8601 strings."""
    try:
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            times = pd.DatetimeIndex(column)
        elif pd.api.types.is_numeric_dtype(column.dtype):
            numbers = column.to_numpy(dtype="float64")
            if not np.isfinite(numbers).all():
                raise _Unreadable("a time is missing or not finite")
            biggest = float(np.abs(numbers).max())
            if biggest >= 9e18:
                raise _Unreadable(f"a time of {biggest:g} is out of range")
            unit = "s" if biggest < 1e11 else "ms" if biggest < 1e14 else "us"
            if biggest >= 1e17:
                unit = "ns"
            times = pd.DatetimeIndex(pd.to_datetime(numbers.astype("int64"), unit=unit))
        else:
            text = column.astype(str)
            times = pd.DatetimeIndex(pd.to_datetime(text, utc=True, format="ISO8601"))
        if times.hasnans:
            raise _Unreadable("a time is missing")
        times = times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")
        return times.as_unit("ns")
    except _Unreadable:
        raise
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        text = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise _Unreadable(
            f"times not understood ({text}); give ISO 8601 dates or epoch numbers"
        ) from None
