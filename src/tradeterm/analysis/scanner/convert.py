"""The scanner's one conversion place: domain candles and tickers (Decimal) to float arrays."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from tradeterm.analysis.scanner.columns import ScannerError
from tradeterm.domain.market_data import Candle, Ticker
from tradeterm.engine.candle_columns import ASIDE
from tradeterm.engine.candle_series import CandleSeries

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FIELDS = ("open", "high", "low", "close", "volume")
_FIELDS = attrgetter(*FIELDS)
_REUSE_SEARCH = 256  # newest candles searched for the last converted closed candle


@dataclass(frozen=True, slots=True)
class CandleMatrix:
    """Candles of many symbols as 2-D float64 arrays, one row per symbol, oldest column first.

    Each row is right-aligned: column ``length - 1`` holds the symbol's newest candle and a
    symbol with fewer than ``length`` candles is left-padded with NaN. Candles are taken as
    consecutive one-minute bars (a missing minute is not detected, as in the indicators).

    Attributes:
        symbols: row labels, in the order of the input mapping.
        open, high, low, close, volume: arrays of shape ``(len(symbols), length)``.
        counts: candles present per row (``<= length``; 0 for an empty series).
        last_ts_ms: open time of each row's newest candle, -1 for an empty series.
    """

    symbols: tuple[str, ...]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    counts: IntArray
    last_ts_ms: IntArray

    @property
    def length(self) -> int:
        """Columns per row."""
        return int(self.close.shape[1])

    def __len__(self) -> int:
        return len(self.symbols)


def _tail(series: Sequence[Candle], length: int) -> list[Candle]:
    """The newest ``length`` candles, oldest first, copied in one C-level pass.

    The copy runs without executing Python code, so the engine cannot append in the middle of
    it; should a deque still report a mutation (a collection ran a finaliser that let another
    thread in), the copy is simply taken again.
    """
    for _ in range(3):
        try:
            newest_first = list(islice(reversed(series), length))
        except RuntimeError:
            continue
        newest_first.reverse()
        return newest_first
    newest_first = list(islice(reversed(list(series)), length))
    newest_first.reverse()
    return newest_first


def _safe_float(value: Decimal) -> float:
    try:
        return float(value)
    except (ValueError, TypeError, InvalidOperation):  # a signalling NaN or a non-number
        return math.nan


def _to_floats(candles: Iterable[Candle], count: int) -> FloatArray:
    """``(count, 5)`` float64 of open, high, low, close, volume; each correctly rounded.

    ``float(Decimal)`` rounds correctly (CPython formats the Decimal and parses the digits
    with the correctly rounded ``strtod``) and was the fastest exact path measured here, at
    about 0.3-0.4 us a value: ``float(str(d))`` does the same work plus a Python-level
    ``str`` call (1.0-1.2x the time), ``as_integer_ratio`` division about 1.5x, and joining
    strings for one bulk parse (``np.fromstring``, pandas' CSV reader) 1.3-2x. Values a
    float cannot hold (a signalling NaN, a non-number) become NaN.
    """
    fields = list(chain.from_iterable(map(_FIELDS, candles)))
    try:
        flat = np.fromiter(map(float, fields), dtype=np.float64, count=5 * count)
    except (ValueError, TypeError, InvalidOperation):
        flat = np.fromiter(map(_safe_float, fields), dtype=np.float64, count=5 * count)
    return flat.reshape(count, 5)


_POWERS = np.array([float(10**k) for k in range(23)])
"""Powers of ten a float holds exactly: ``digits / 10**k`` is then correctly rounded, as
``float(Decimal)`` is."""
_EXACT_DIGITS = 2**53


def _packed_floats(series: CandleSeries, length: int) -> tuple[FloatArray, int]:
    """The newest ``length`` candles of a packed series as ``(n, 5)`` floats, and the newest
    open time (-1: none): the packed columns are converted as integers in one vectorised pass
    (``digits * 10**exp`` with both exact in a float is correctly rounded, the same float as
    ``float(Decimal)``); anything else (the few newest candles, a value put aside, digits a
    float does not hold exactly) as :func:`_to_floats` does."""
    hot = series.hot[-length:] if length else []
    ts, columns, aside = series.columns()
    count = min(len(ts), length - len(hot))
    start = len(ts) - count
    out = np.empty((count + len(hot), 5))
    for field, column in enumerate(columns):
        if not count:
            break
        wide = column.digits.typecode != "i"
        digits = np.frombuffer(column.digits, dtype=np.int64 if wide else np.int32)[start:]
        target = out[:count, field]
        if column.exps is None and column.exp is not None and abs(column.exp) <= 22:
            # the common case: one exponent, a price in ticks or a volume in lots
            exp = column.exp
            target[:] = digits
            if exp < 0:
                target /= _POWERS[-exp]
            elif exp > 0:
                target *= _POWERS[exp]
            if not wide or not (np.abs(digits) > _EXACT_DIGITS).any():
                continue
            exps = np.full(count, exp, np.int64)
        elif column.exps is None:
            exps = np.full(count, ASIDE if column.exp is None else column.exp, np.int64)
        else:
            exps = np.frombuffer(column.exps, dtype=np.int8)[start:].astype(np.int64)
        values = digits.astype(np.float64)
        scale = _POWERS[np.clip(np.abs(exps), 0, 22)]
        target[:] = np.where(exps >= 0, values * scale, values / scale)
        inexact = (np.abs(digits) > _EXACT_DIGITS) | (np.abs(exps) > 22)
        for index in np.flatnonzero(inexact).tolist():
            value = aside.get((start + index, field))
            if value is None:
                value = column.value(start + index)
            target[index] = math.nan if value is None else _safe_float(value)
    if hot:
        out[count:] = _to_floats(hot, len(hot))
    newest = hot[-1].ts_ms if hot else ts[-1] if count else -1
    return out, newest


def _assemble(
    symbols: tuple[str, ...], blocks: list[FloatArray], last_ts: list[int], length: int
) -> CandleMatrix:
    """Copy per-symbol ``(n, 5)`` blocks into right-aligned, NaN-padded rows."""
    rows = len(symbols)
    cube = np.empty((5, rows, length))
    for row, block in enumerate(blocks):  # row slices: cheaper than one fancy-index scatter
        pad = length - len(block)
        if pad:
            cube[:, row, :pad] = np.nan
        if pad < length:
            cube[:, row, pad:] = block.T
    counts = np.fromiter(map(len, blocks), dtype=np.int64, count=rows)
    last_ts_ms = np.asarray(last_ts, dtype=np.int64).reshape(rows)
    return CandleMatrix(symbols, cube[0], cube[1], cube[2], cube[3], cube[4], counts, last_ts_ms)


def _check_length(length: int) -> int:
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ScannerError(f"length must be a whole number of candles >= 1, got {length!r}")
    return length


def candles_to_matrix(series: Mapping[str, Sequence[Candle]], length: int) -> CandleMatrix:
    """Convert the newest ``length`` candles of every symbol to a :class:`CandleMatrix`.

    Args:
        series: candles per symbol, oldest first (the engine's ``state.candles``).
        length: columns of the matrix; longer histories keep their newest ``length`` candles.

    Returns:
        The matrix, rows in the order of ``series``. Converting 500 symbols x 500 candles
        (1.25 million Decimals) takes about 0.5 s on the 2-core benchmark machine; a caller
        that converts every few seconds should keep a :class:`MatrixBuilder`, which converts
        only what changed (about 25 ms for the same matrix after one new candle each).

    Raises:
        ScannerError: ``length`` is not an int >= 1.
    """
    length = _check_length(length)
    symbols = tuple(series)
    if any(isinstance(series[symbol], CandleSeries) for symbol in symbols):
        return MatrixBuilder().build(series, length)
    windows = [_tail(series[symbol], length) for symbol in symbols]
    total = sum(map(len, windows))
    flat = _to_floats(chain.from_iterable(windows), total)
    counts = list(map(len, windows))
    blocks = np.split(flat, np.cumsum(counts)[:-1]) if symbols else []
    last_ts = [window[-1].ts_ms if window else -1 for window in windows]
    return _assemble(symbols, blocks, last_ts, length)


@dataclass(slots=True)
class _Converted:
    candles: list[Candle]
    values: FloatArray


class MatrixBuilder:
    """Builds :class:`CandleMatrix` snapshots repeatedly, converting only what changed.

    A :class:`CandleSeries` (the engine's packed candles) is converted whole at each call,
    from its integer columns (vectorised: about as fast as reusing floats, and nothing kept).
    For other sequences it keeps the floats of every symbol's candles from the previous call.
    A candle that was already closed then (any but the newest) and is still the same object is
    reused; the newest candles are converted again. This relies on what the engine does: it appends
    closed candles and only ever replaces, or updates in place, the newest one. A history
    that was reloaded (new objects) is converted in full. The result always equals
    ``candles_to_matrix(series, length)``.

    One builder serves one caller at a time (e.g. the scanner's worker).
    """

    def __init__(self) -> None:
        self._cache: dict[str, _Converted] = {}
        #: How many candles the last ``build`` converted for each symbol, in its order (the
        #: rest were reused): what the incremental conversion saves, for checks and tests.
        self.last_conversions: tuple[int, ...] = ()

    def build(self, series: Mapping[str, Sequence[Candle]], length: int) -> CandleMatrix:
        """The matrix of ``series`` as :func:`candles_to_matrix` makes it, incrementally."""
        length = _check_length(length)
        symbols = tuple(series)
        cache: dict[str, _Converted] = {}
        blocks: list[FloatArray] = []
        last_ts: list[int] = []
        conversions: list[int] = []
        for symbol in symbols:
            candles = series[symbol]
            if isinstance(candles, CandleSeries):  # packed: converted whole, nothing cached
                block, newest = _packed_floats(candles, length)
                conversions.append(len(block))
                blocks.append(block)
                last_ts.append(newest)
                continue
            window = _tail(candles, length)
            converted, count = self._update(self._cache.get(symbol), window)
            conversions.append(count)
            cache[symbol] = converted
            blocks.append(converted.values)
            last_ts.append(window[-1].ts_ms if window else -1)
        self._cache = cache
        self.last_conversions = tuple(conversions)
        return _assemble(symbols, blocks, last_ts, length)

    @staticmethod
    def _update(previous: _Converted | None, window: list[Candle]) -> tuple[_Converted, int]:
        """The window's floats, and how many of its candles were converted for them."""
        reused = _reusable(previous, window) if previous is not None else 0
        if previous is None or reused == 0:
            return _Converted(window, _to_floats(window, len(window))), len(window)
        kept = previous.values[len(previous.candles) - 1 - reused : len(previous.candles) - 1]
        fresh = _to_floats(window[reused:], len(window) - reused)
        return _Converted(window, np.concatenate((kept, fresh))), len(window) - reused


def _reusable(previous: _Converted, window: list[Candle]) -> int:
    """How many leading candles of ``window`` can reuse ``previous`` floats (0: none).

    The anchor is the newest candle that was closed at the previous conversion. Found at
    position ``p`` of the new window, the new candles ``0 .. p`` must be the previous ones
    that ended at the anchor, which is checked on the first of them (the deques only grow at
    the right and drop at the left).
    """
    old = previous.candles
    if len(old) < 2 or not window:
        return 0
    anchor = old[-2]
    lowest = max(-1, len(window) - 1 - _REUSE_SEARCH)
    for position in range(len(window) - 1, lowest, -1):
        if window[position] is anchor:
            first_old = len(old) - 2 - position
            if first_old < 0 or old[first_old] is not window[0]:
                return 0
            return position + 1
    return 0


def ticker_spread_bps(ticker: Ticker | None) -> float:
    """``(ask - bid) / mid`` in basis points from a ticker's best bid and ask; NaN if unknown.

    Computed in Decimal and converted once, as ``OrderBook.spread_bps`` does; a crossed
    ticker gives a negative spread.
    """
    if ticker is None or ticker.bid is None or ticker.ask is None:
        return math.nan
    total = ticker.bid + ticker.ask
    if total <= 0:
        return math.nan
    return float((ticker.ask - ticker.bid) / (total / 2)) * 10_000.0


def spread_column(
    symbols: Sequence[str],
    spreads: Mapping[str, float | None] | None,
    tickers: Mapping[str, Ticker] | None,
) -> FloatArray:
    """Spread in bps per symbol: ``spreads[symbol]`` when given, else the ticker's, else NaN."""
    if not spreads and not tickers:
        return np.full(len(symbols), np.nan)
    given = spreads or {}
    known = tickers or {}
    values = []
    for symbol in symbols:
        value = given.get(symbol)
        if value is None:
            values.append(ticker_spread_bps(known.get(symbol)))
        else:
            values.append(float(value))
    return np.asarray(values, dtype=np.float64).reshape(len(symbols))
