"""Row-wise kernels over 2-D float arrays: TA-Lib-seeded recurrences and trailing windows.

Every row is one symbol, right-aligned and NaN-padded on the left (see ``CandleMatrix``), so
each row's data starts at its own column ``start``. The recurrences are the indicator
library's (``y[t] = d * y[t-1] + scale * z[t]`` from a seed that is the plain mean or sum of
the first window, as TA-Lib seeds them), evaluated for all rows at once:

- :func:`seeded_at` returns values at a few columns only, as one matrix product with the
  decay weights ``d ** (column - t)``: each value is a dot product over the row, so the
  rounding is that of a pairwise sum of at most ``length`` terms.
- :func:`seeded_full` returns the whole series with :func:`decay_rows`, the blocked
  evaluation of ``_recurrence`` (``BLOCK``-wide matrix products, then the same recurrence
  on the block ends) applied along axis 1.

Before its seed column a row is NaN; a row whose seed column lies beyond the last column (too
little history) is all NaN. A NaN inside a row's data makes that row NaN from there on and
never touches other rows.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from tradeterm.analysis.recurrence import BLOCK, FloatArray, matmul_rows

IntArray = npt.NDArray[np.int64]

_LOOP_COLUMNS = 64  # up to this many columns (or blocks), a loop over columns


@lru_cache(maxsize=32)
def _transfer(d: float) -> FloatArray:
    """``blocks @ transfer`` runs the recurrence inside each ``BLOCK``-wide block from 0."""
    lags = np.subtract.outer(np.arange(BLOCK), np.arange(BLOCK))  # lags[t, j] = t - j
    powers = d ** np.clip(lags, 0, None).astype(np.float64)
    transfer = np.ascontiguousarray(np.where(lags >= 0, powers, 0.0).T)
    transfer.flags.writeable = False
    return transfer


def _decay_loop(z: FloatArray, d: float) -> FloatArray:
    columns = np.ascontiguousarray(z.T)
    step = np.empty(columns.shape[1])
    for t in range(1, columns.shape[0]):
        np.multiply(columns[t - 1], d, out=step)
        columns[t] += step
    return np.ascontiguousarray(columns.T)


def decay_rows(z: FloatArray, d: float) -> FloatArray:
    """``y[:, t] = d * y[:, t-1] + z[:, t]`` along every row, from ``y = 0`` before column 0.

    Rows are cut into blocks of ``BLOCK`` columns (zero-padded on the left, which changes
    nothing): one small matrix product runs the recurrence inside every block from zero, the
    same recurrence with factor ``d ** BLOCK`` over the block ends (recursively) gives each
    block's true end, and each block adds ``d ** (j + 1)`` times the previous block's end.
    Every value is a sum of at most ``BLOCK`` terms plus one carry, as in ``_recurrence``.
    """
    rows, length = z.shape
    if length <= _LOOP_COLUMNS:
        return _decay_loop(z, d)
    blocks = -(-length // BLOCK)
    pad = blocks * BLOCK - length
    work = np.zeros((rows, blocks * BLOCK))
    work[:, pad:] = z
    local = np.empty_like(work)
    matmul_rows(work.reshape(-1, BLOCK), _transfer(d), local.reshape(-1, BLOCK))
    cube = local.reshape(rows, blocks, BLOCK)
    ends = decay_rows(np.ascontiguousarray(cube[:, :, -1]), d**BLOCK)
    carry = d ** np.arange(1, BLOCK + 1, dtype=np.float64)
    cube[:, 1:, :] += ends[:, :-1, None] * carry
    return local[:, pad:]


def starts(counts: IntArray, length: int) -> IntArray:
    """First column holding data in each row."""
    return length - counts


def window_sum(values: FloatArray, first: IntArray, width: int) -> FloatArray:
    """Per row, the sum of ``values[row, first : first + width]``; NaN past the last column."""
    length = values.shape[1]
    at = first[:, None] + np.arange(width)
    inside = at[:, -1] < length
    picked = np.take_along_axis(values, np.clip(at, 0, length - 1), axis=1)
    total: FloatArray = picked.sum(axis=1)
    total[~inside] = np.nan
    return total


@lru_cache(maxsize=64)
def _weights(d: float, length: int, columns: tuple[int, ...]) -> FloatArray:
    """``w[t, j] = d ** (columns[j] - t)`` for ``t <= columns[j]``, else 0."""
    t = np.arange(length)[:, None]
    lag = np.asarray(columns)[None, :] - t
    weights = np.where(lag >= 0, d ** np.clip(lag, 0, None).astype(np.float64), 0.0)
    weights = np.ascontiguousarray(weights)
    weights.flags.writeable = False
    return weights


def _inputs_after(z: FloatArray, seed_col: IntArray) -> FloatArray:
    """``z`` where the column is after the row's seed column, 0 elsewhere."""
    columns = np.arange(z.shape[1])
    return np.where(columns > seed_col[:, None], z, 0.0)


def seeded_at(
    z: FloatArray,
    seed: FloatArray,
    seed_col: IntArray,
    d: float,
    scale: float,
    columns: tuple[int, ...],
) -> FloatArray:
    """Values at ``columns`` of ``y[seed_col] = seed; y[t] = d * y[t-1] + scale * z[t]``.

    Args:
        z: recurrence inputs, shape ``(rows, length)``; read only after each seed column.
        seed: each row's value at its seed column (NaN: the row has no value anywhere).
        seed_col: each row's seed column.
        d: decay factor, ``0 <= d < 1``.
        scale: factor applied to ``z``.
        columns: the columns wanted, each in ``0 .. length - 1``.

    Returns:
        Shape ``(rows, len(columns))``; NaN where a column lies before the row's seed column.
    """
    rows, length = z.shape
    wanted = np.asarray(columns, dtype=np.int64)
    sums = np.empty((rows, len(columns)))
    matmul_rows(_inputs_after(z, seed_col), _weights(d, length, columns), sums)
    lag = wanted[None, :] - seed_col[:, None]
    defined = (lag >= 0) & (seed_col[:, None] < length)
    with np.errstate(over="ignore", invalid="ignore"):
        carried = seed[:, None] * d ** np.clip(lag, 0, None).astype(np.float64)
        values = sums * scale + carried
    return np.where(defined, values, np.nan)


def seeded_full(
    z: FloatArray, seed: FloatArray, seed_col: IntArray, d: float, scale: float
) -> FloatArray:
    """The whole series of the recurrence of :func:`seeded_at`, NaN before each seed column."""
    length = z.shape[1]
    work = _inputs_after(z, seed_col)
    work *= scale
    inside = seed_col < length
    work[np.flatnonzero(inside), seed_col[inside]] = seed[inside]
    y = decay_rows(work, d)
    y[np.arange(length)[None, :] < seed_col[:, None]] = np.nan
    y[~inside] = np.nan
    return y


def trailing(values: FloatArray, width: int, skip: int = 0) -> FloatArray | None:
    """The ``width`` columns ending ``skip`` columns before the last (a view); None if absent."""
    length = values.shape[1]
    end = length - skip
    if end - width < 0:
        return None
    return values[:, end - width : end]


def column_back(values: FloatArray, back: int) -> FloatArray:
    """Column ``length - 1 - back`` of every row (a view), all NaN if it does not exist."""
    length = values.shape[1]
    if back >= length:
        return np.full(values.shape[0], np.nan)
    return values[:, length - 1 - back]
