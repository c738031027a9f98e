"""Window kernels: sums, weighted sums, mean and variance, extremes, running totals; no drift.

numpy only: the indicators and the chart use them.

- :func:`window_sum` adds each window as a pairwise tree of power-of-two pieces, never as a
  difference of running totals (which is what drifts in pandas and TA-Lib).
- :func:`window_dot` and :class:`WindowMoments` compute every window as its own dot product
  (a band matrix product over blocks of ``period`` windows). The variance uses deviations from
  a value that lies inside every window of its block, so it does not cancel against the price
  level: its absolute error is about ``period * 2**-52 * range**2`` where ``range`` is the
  window's own spread of values (``range**2 / variance`` is at most ``2 * period``), whatever
  the length of the series. Above period 64 the sums are running sums restarted every block
  (cheaper than the band product there), which allows up to ``4 * period**2 * 2**-52 *
  range**2`` with ``range`` taken over the ``2 * period - 1`` values around the window.
- :func:`rolling_extreme` takes maxima/minima by doubling (``log2(period)`` passes, exact).
- :func:`cumulative_sum_inplace` restarts every ``_CUM_BLOCK`` rows and carries the totals
  with a compensated sum, so its error does not grow with the length either
  (``indicators.volume.session_cumsums`` restarts at every session).

:func:`map_windows` drives any of these over a long series in chunks, so temporaries stay
small (they would otherwise cost page faults that outweigh the arithmetic).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tradeterm.analysis.recurrence import CHUNK, FloatArray, matmul_rows

_CUM_BLOCK = 1024  # rows per restart of cumulative_sum_inplace
_CUMSUM_ABOVE_PERIOD = 64  # WindowMoments sums by matrix product up to this period

Result = TypeVar("Result")


def map_windows(
    values: FloatArray,
    period: int,
    kernel: Callable[[FloatArray], Result],
    consume: Callable[[int, int, Result], None],
) -> None:
    """Run a window kernel over ``values`` in chunks of about ``CHUNK`` windows.

    ``kernel(piece)`` returns its results for the ``len(piece) - period + 1`` windows of a
    piece; ``consume(begin, end, result)`` receives those of windows ``begin .. end - 1``
    (window ``t`` covers ``values[t : t + period]``).
    """
    outputs = len(values) - period + 1
    step = period * max(1, CHUNK // period)
    for begin in range(0, max(outputs, 0), step):
        end = min(outputs, begin + step)
        consume(begin, end, kernel(values[begin : end + period - 1]))


def window_sum(values: FloatArray, period: int) -> FloatArray:
    """Sum of every window of ``period`` values (``len(values) - period + 1`` results).

    Each window is a tree of partial sums of power-of-two lengths, with the rounding error of
    a pairwise sum. A NaN in a window gives NaN.
    """
    outputs = len(values) - period + 1
    if outputs <= 0:
        return np.empty(0)
    total: FloatArray | None = None
    offset = 0
    level = values  # level[i] = sum of values[i : i + width]
    width = 1
    while True:
        if period & width:
            piece = level[offset : offset + outputs]
            total = piece.copy() if total is None else np.add(total, piece, out=total)
            offset += width
        if width * 2 > period:
            break
        level = level[:-width] + level[width:]
        width *= 2
    assert total is not None
    return total


def rolling_extreme(values: FloatArray, period: int, *, maximum: bool) -> FloatArray:
    """Maximum (or minimum) of every window of ``period`` values."""
    outputs = len(values) - period + 1
    if outputs <= 0:
        return np.empty(0)
    pick: Callable[..., FloatArray] = np.maximum if maximum else np.minimum
    level = values  # level[i] = extreme of values[i : i + width]
    width = 1
    while width * 2 <= period:
        level = pick(level[:-width], level[width:])
        width *= 2
    if width == period:
        return np.array(level[:outputs], copy=True)
    return pick(level[:outputs], level[period - width : period - width + outputs])


@lru_cache(maxsize=32)
def _band(weights: tuple[float, ...]) -> FloatArray:
    """Matrix applying ``weights`` to each of the ``p`` windows of a ``2p - 1`` segment."""
    period = len(weights)
    band = np.zeros((2 * period - 1, period))
    column = np.array(weights, dtype=np.float64)
    for t in range(period):
        band[t : t + period, t] = column
    band.flags.writeable = False
    return band


def _segments(values: FloatArray, period: int) -> tuple[FloatArray, int]:
    """The ``2p - 1`` values behind each block of ``p`` windows (a view), and the leftover."""
    outputs = len(values) - period + 1
    full = outputs // period
    view = sliding_window_view(values, 2 * period - 1)[::period][:full] if full else None
    return (view if view is not None else np.empty((0, 2 * period - 1))), outputs - full * period


def window_dot(values: FloatArray, weights: tuple[float, ...]) -> FloatArray:
    """``sum(weights[i] * values[t + i])`` for every window (``O(n * p)`` work, no drift)."""
    period = len(weights)
    outputs = len(values) - period + 1
    if outputs <= 0:
        return np.empty(0)
    band = _band(weights)
    segments, rest = _segments(values, period)
    full = len(segments)
    result = np.empty((full + (rest > 0), period))
    if full:
        matmul_rows(np.ascontiguousarray(segments), band, result[:full])
    if rest:
        tail = np.zeros(2 * period - 1)
        tail[: len(values) - full * period] = values[full * period :]
        result[full] = tail @ band
    return result.reshape(-1)[:outputs]


class WindowMoments:
    """Mean and population variance (ddof=0) of every window of ``period`` values.

    Windows go in blocks of ``period``; all windows of a block contain the last value of its
    first window, and deviations from that value are summed (and squared and summed) per
    window, exactly as dot products (a running sum restarted per block for periods above
    64). ``variance = Q/p - (S/p)**2`` of those deviations, clipped at 0.

    An instance keeps its work buffers between calls (for chunked use through
    :func:`map_windows`); the arrays it returns are overwritten by the next call.
    """

    def __init__(self, period: int, windows: int = CHUNK) -> None:
        self.period = period
        self.lead = 0 if period <= _CUMSUM_ABOVE_PERIOD else 1  # running sums: a zero column
        self._allocate(-(-windows // period))

    def _allocate(self, blocks: int) -> None:
        self.work = np.empty((2 * blocks, 2 * self.period - 1 + self.lead))
        self.sums = np.empty((2 * blocks, self.period))
        self.square = np.empty((blocks, self.period))
        self.shifts = np.empty(blocks)

    def __call__(self, values: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(mean, variance)`` of the ``len(values) - period + 1`` windows of ``values``."""
        period = self.period
        outputs = len(values) - period + 1
        if outputs <= 0:
            return np.empty(0), np.empty(0)
        segments, rest = _segments(values, period)
        full = len(segments)
        blocks = full + (rest > 0)
        if 2 * blocks > len(self.work):
            self._allocate(blocks)
        lead = self.lead
        work = self.work[: 2 * blocks]
        dev = work[:blocks, lead:]
        shifts = self.shifts[:blocks]
        if full:
            shifts[:full] = segments[:, period - 1]
            np.subtract(segments, shifts[:full, None], out=dev[:full])
        if rest:
            tail = values[full * period :]
            shifts[full] = tail[period - 1]
            np.subtract(tail, shifts[full], out=dev[full, : len(tail)])
            dev[full, len(tail) :] = 0.0
        np.square(dev, out=work[blocks:, lead:])
        if lead:
            work[:, 0] = 0.0
            np.cumsum(work, axis=1, out=work)
            sums = self.sums[: 2 * blocks]
            np.subtract(work[:, period : 2 * period], work[:, :period], out=sums)
        else:
            sums = self.sums[: 2 * blocks]
            matmul_rows(work, _band((1.0,) * period), sums)
        mean, var = sums[:blocks], sums[blocks:]
        np.divide(mean, period, out=mean)
        np.divide(var, period, out=var)
        square = self.square[:blocks]
        np.multiply(mean, mean, out=square)
        np.subtract(var, square, out=var)
        np.maximum(var, 0.0, out=var)
        np.add(mean, shifts[:, None], out=mean)
        return mean.reshape(-1)[:outputs], var.reshape(-1)[:outputs]


def window_mean_var(values: FloatArray, period: int) -> tuple[FloatArray, FloatArray]:
    """Mean and population variance of every window of ``period`` values (see WindowMoments)."""
    mean, var = WindowMoments(period, max(len(values) - period + 1, 1))(values)
    return mean.copy(), var.copy()


def cumulative_sum_inplace(values: FloatArray) -> None:
    """Replace ``values`` (contiguous) by its running total, with no drift along the series.

    Sums restart every ``_CUM_BLOCK`` rows; block totals are accumulated per chunk and the
    chunk totals with a compensated (Neumaier) sum, so every result is a short sum plus a
    correctly carried offset.
    """
    carry = 0.0
    compensation = 0.0
    step = _CUM_BLOCK * max(1, CHUNK // _CUM_BLOCK)
    for begin in range(0, len(values), step):
        chunk = values[begin : begin + step]
        whole = len(chunk) // _CUM_BLOCK
        if whole:
            table = chunk[: whole * _CUM_BLOCK].reshape(whole, _CUM_BLOCK)
            np.cumsum(table, axis=1, out=table)
            before = np.cumsum(table[:-1, -1])  # totals of the blocks before each block
            table[1:] += before[:, None]
        rest = chunk[whole * _CUM_BLOCK :]
        if len(rest):
            np.cumsum(rest, out=rest)
            if whole:
                rest += chunk[whole * _CUM_BLOCK - 1]
        # blocks 1.. received their predecessors' totals; now add everything before the chunk
        total = float(chunk[-1])
        offset = carry + compensation
        if offset:
            chunk += offset
        updated = carry + total
        if abs(carry) >= abs(total):
            compensation += (carry - updated) + total
        else:
            compensation += (total - updated) + carry
        carry = updated


def true_range(high: FloatArray, low: FloatArray, prev_close: FloatArray, out: FloatArray) -> None:
    """``out = max(high, prev_close) - min(low, prev_close)``, the true range.

    Equal, bit for bit, to TA-Lib's ``max(high - low, |high - prev|, |low - prev|)``: both
    pick the same pair of prices, and rounding a difference is monotonic.
    """
    np.maximum(high, prev_close, out=out)
    out -= np.minimum(low, prev_close)
