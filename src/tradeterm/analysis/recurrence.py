"""Linear recurrences ``y[t] = d * y[t-1] + z[t]`` (EMA, Wilder smoothing), blocked and chunked.

A sequential loop is what TA-Lib runs; in numpy it would cost a Python step per row. Here the
rows are cut into blocks of ``BLOCK``: one matrix-vector product gives every block's last
value as if the block started from zero, the same recurrence applied (recursively) to those
values with factor ``d ** BLOCK`` gives each block's true last value, and one small matrix
product per block finishes it with the carry from the previous block added to its first value.
Every result is then a sum of at most ``BLOCK`` terms plus one carry, so the rounding error is
that of the sequential loop and does not grow along the series.

The work goes in chunks of ``CHUNK`` rows whose inputs are produced on the fly by callbacks, so
nothing but the caller's outputs has the length of the series (fresh multi-megabyte temporaries
cost page faults that, on the 2-core VM used for the benchmarks, took longer than the maths).

:func:`combined_filter` evaluates a weighted sum of recurrences over one shared input (the MACD
line, fast EMA - slow EMA) with one matrix product per block instead of one per recurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

BLOCK = 8  # rows per block: an 8 x 8 matrix product per block
CHUNK = 1 << 15  # rows per chunk of work (256 KiB per float64 buffer)
_SMALL = 64  # up to this many rows, a plain loop
# Matrix products are issued in row slices of at most this many multiply-adds (matrix-vector
# products: this many elements). OpenBLAS runs products that small on the calling thread; it
# splits bigger ones across threads, and on the busy 2-core machine such a product stalled
# 10-30x (1.3 ms single-threaded, 30+ ms threaded while another process ran).
_SERIAL_WORK = 1 << 18
_SERIAL_VECTOR = 1 << 15

Producer = Callable[[int, int, FloatArray], None]
"""``produce(lo, hi, out)`` writes the recurrence inputs ``tail[lo:hi]`` into ``out``."""

Consumer = Callable[[int, int, Sequence[FloatArray]], None]
"""``consume(begin, end, ys)`` receives ``y[begin:end]`` of each recurrence (scratch: copy it)."""


def matmul_rows(a: FloatArray, b: FloatArray, out: FloatArray) -> None:
    """``out[...] = a @ b``, issued in row slices small enough to stay on the calling thread."""
    rows = a.shape[0]
    if b.ndim == 1:
        step = max(1, _SERIAL_VECTOR // max(1, a.shape[1]))
    else:
        step = max(1, _SERIAL_WORK // max(1, a.shape[1] * b.shape[1]))
    for begin in range(0, rows, step):
        end = min(rows, begin + step)
        np.matmul(a[begin:end], b, out=out[begin:end])


@dataclass(frozen=True, slots=True)
class Recurrence:
    """``y[0] = seed``; ``y[i] = d * y[i-1] + tail[i-1]`` for ``i >= 1``.

    Attributes:
        seed: the first value.
        d: the decay factor, ``0 <= d < 1``.
        tail: producer of the inputs after the seed (see :func:`from_array`).
        out: where to write ``y`` (contiguous, ``rows`` long); None for a scratch buffer.
    """

    seed: float
    d: float
    tail: Producer
    out: FloatArray | None = None


class ArrayTail:
    """Producer of ``scale * values[lo:hi]``; the engine also reads ``values`` directly."""

    __slots__ = ("scale", "values")

    def __init__(self, values: FloatArray, scale: float) -> None:
        self.values = values
        self.scale = scale

    def __call__(self, lo: int, hi: int, out: FloatArray) -> None:
        if self.scale == 1.0:
            out[...] = self.values[lo:hi]
        else:
            np.multiply(self.values[lo:hi], self.scale, out=out)


def from_array(values: FloatArray, scale: float = 1.0) -> Producer:
    """A producer reading ``scale * values[lo:hi]``."""
    return ArrayTail(values, scale)


@lru_cache(maxsize=64)
def _matrices(d: float) -> tuple[FloatArray, FloatArray, float]:
    """``(transfer, end_weights, d ** BLOCK)`` for factor ``d``."""
    powers = d ** np.arange(BLOCK + 1, dtype=np.float64)
    lags = np.subtract.outer(np.arange(BLOCK), np.arange(BLOCK))
    # block_out = block_in @ transfer with transfer[j, t] = d ** (t - j) for j <= t, else 0
    transfer = np.ascontiguousarray(np.where(lags >= 0, powers[np.clip(lags, 0, None)], 0.0).T)
    end_weights = np.ascontiguousarray(powers[BLOCK - 1 :: -1])  # d ** (BLOCK - 1 - j)
    transfer.flags.writeable = False
    end_weights.flags.writeable = False
    return transfer, end_weights, float(powers[BLOCK])


def _loop(values: FloatArray, d: float) -> None:
    acc = 0.0
    result = []
    for value in values.tolist():
        acc = d * acc + value
        result.append(acc)
    values[:] = result


def decay_filter(values: FloatArray, d: float) -> None:
    """In place, ``y[0] = z[0]``, ``y[t] = d * y[t-1] + z[t]`` over a whole array."""
    rows = len(values)
    if rows <= _SMALL:
        _loop(values, d)
        return
    run_recurrences(rows, [Recurrence(float(values[0]), d, from_array(values[1:]), out=values)])


def run_recurrences(
    rows: int, recurrences: Sequence[Recurrence], consume: Consumer | None = None
) -> None:
    """Evaluate recurrences of ``rows`` values side by side, chunk by chunk.

    Args:
        rows: length of every ``y`` (the seed plus ``rows - 1`` tail values).
        recurrences: what to compute; producers are called once or twice per chunk.
        consume: receives every chunk of results (views of ``out`` or of scratch buffers
            it may overwrite), in order, once; None when the results go to ``out`` only.
    """
    if rows <= 0:
        return
    count = len(recurrences)
    size = min(CHUNK, -(-rows // BLOCK) * BLOCK)
    z = np.empty((count, size))
    y = np.empty((count, size))

    def fill(f: int, begin: int, end: int) -> FloatArray:
        recurrence = recurrences[f]
        buffer = z[f, : end - begin]
        if begin == 0:
            buffer[0] = recurrence.seed
            if end > 1:
                recurrence.tail(0, end - 1, buffer[1:])
        else:
            recurrence.tail(begin - 1, end - 1, buffer)
        return buffer

    if rows <= _SMALL:
        results = []
        for f, recurrence in enumerate(recurrences):
            target = y[f, :rows] if recurrence.out is None else recurrence.out[:rows]
            target[:] = fill(f, 0, rows)
            _loop(target, recurrence.d)
            results.append(target)
        if consume is not None:
            consume(0, rows, results)
        return

    matrices = [_matrices(recurrence.d) for recurrence in recurrences]
    full = rows // BLOCK
    ends = np.empty((count, full))
    for f, recurrence in enumerate(recurrences):
        _block_ends(recurrence, matrices[f][1], full, ends[f], partial(fill, f))
        decay_filter(ends[f], matrices[f][2])  # true last value of every block
        ends[f] *= recurrence.d  # the carry into the next block

    for begin in range(0, rows, size):
        end = min(rows, begin + size)
        first = begin // BLOCK
        whole = (end - begin) // BLOCK
        results = []
        for f, recurrence in enumerate(recurrences):
            buffer = fill(f, begin, end)
            transfer = matrices[f][0]
            blocks = buffer[: whole * BLOCK].reshape(whole, BLOCK)
            if first:
                blocks[:, 0] += ends[f, first - 1 : first + whole - 1]
            else:
                blocks[1:, 0] += ends[f, : whole - 1]
            target = y[f, : end - begin] if recurrence.out is None else recurrence.out[begin:end]
            matmul_rows(blocks, transfer, target[: whole * BLOCK].reshape(whole, BLOCK))
            rest = end - begin - whole * BLOCK
            if rest:
                tail = buffer[whole * BLOCK :]
                tail[0] += ends[f, first + whole - 1]
                target[whole * BLOCK :] = tail @ transfer[:rest, :rest]
            results.append(target)
        if consume is not None:
            consume(begin, end, results)


def _block_ends(
    recurrence: Recurrence,
    weights: FloatArray,
    full: int,
    ends: FloatArray,
    fill: Callable[[int, int], FloatArray],
) -> None:
    """Each block's last value as if the block started from zero."""
    tail = recurrence.tail
    if not isinstance(tail, ArrayTail):
        size = min(CHUNK, full * BLOCK)
        for begin in range(0, full * BLOCK, size):
            end = min(full * BLOCK, begin + size)
            matmul_rows(
                fill(begin, end).reshape(-1, BLOCK), weights, ends[begin // BLOCK : end // BLOCK]
            )
        return
    # y-block b holds z[8b .. 8b+7] = scale * values[8b-1 .. 8b+6] (block 0 starts with the seed)
    ends[0] = float(fill(0, BLOCK) @ weights)
    if full > 1:
        rows = tail.values[BLOCK - 1 : BLOCK - 1 + (full - 1) * BLOCK].reshape(full - 1, BLOCK)
        matmul_rows(rows, weights * tail.scale, ends[1:])


def seeded_filter(seed: float, tail: FloatArray, d: float, scale: float, out: FloatArray) -> None:
    """Fill ``out`` with ``y[0] = seed``, ``y[i] = d * y[i-1] + scale * tail[i-1]``.

    ``out`` has ``len(tail) + 1`` slots. With ``seed`` the mean of the first window and
    ``tail`` the values after it, this is an EMA or Wilder average seeded the TA-Lib way.
    """
    run_recurrences(len(tail) + 1, [Recurrence(seed, d, from_array(tail, scale), out=out)])


@dataclass(frozen=True, slots=True)
class Term:
    """``weight * y`` in a :func:`combined_filter`: ``y[0] = seed``,
    ``y[i] = d * y[i-1] + scale * values[i-1]`` (``0 <= d < 1``)."""

    seed: float
    d: float
    scale: float
    weight: float


def _carries(term: Term, values: FloatArray, full: int, into: FloatArray) -> None:
    """``into[0] = seed``; ``into[b] = d * y[BLOCK * b - 1]`` (the carry into block ``b``)."""
    _, weights, factor = _matrices(term.d)
    into[0] = term.seed
    ends = into[1:]
    first = np.empty(BLOCK)
    first[0] = term.seed
    np.multiply(values[: BLOCK - 1], term.scale, out=first[1:])
    ends[0] = float(first @ weights)
    if full > 1:
        rows = values[BLOCK - 1 : BLOCK - 1 + (full - 1) * BLOCK].reshape(full - 1, BLOCK)
        matmul_rows(rows, weights * term.scale, ends[1:])
    decay_filter(ends, factor)  # true last value of every block
    ends *= term.d


def combined_filter(values: FloatArray, terms: Sequence[Term], out: FloatArray) -> None:
    """Fill ``out`` (contiguous, ``len(values) + 1`` slots) with ``sum(weight * y)``.

    The recurrences share their input, so one matrix product per block of rows gives the
    weighted sum directly from ``values`` (no scaled copies, no per-term products): the
    blocks' rows times the summed transfer matrices, plus each term's carry into the block
    times its decay row. The carries are each term's own block ends, computed exactly as in
    :func:`run_recurrences`, so the rounding does not grow along the series either.
    """
    rows = len(values) + 1
    full = rows // BLOCK
    if rows <= _SMALL:
        scratch = np.empty(rows)
        out[:rows] = 0.0
        for term in terms:
            seeded_filter(term.seed, values, term.d, term.scale, scratch)
            scratch *= term.weight
            out[:rows] += scratch
        return
    count = len(terms)
    carries = np.empty((full + 1, count))
    mixing = np.zeros((BLOCK + count, BLOCK))  # rows: a block's inputs, then the carries
    for f, term in enumerate(terms):
        transfer = _matrices(term.d)[0]
        mixing[:BLOCK] += (term.weight * term.scale) * transfer
        mixing[BLOCK + f] = term.weight * transfer[0]
        column = np.empty(full + 1)
        _carries(term, values, full, column)
        carries[:, f] = column
    inputs, decays = mixing[:BLOCK], mixing[BLOCK:]
    size = min(CHUNK, full * BLOCK)
    scratch = np.empty((size // BLOCK, BLOCK))
    for begin in range(0, full * BLOCK, size):
        end = min(full * BLOCK, begin + size)
        first, blocks = begin // BLOCK, (end - begin) // BLOCK
        target = out[begin:end].reshape(blocks, BLOCK)
        if begin == 0:  # block 0 starts with the seeds, which come in as carries
            head = np.zeros(BLOCK)
            head[1:] = values[: BLOCK - 1]
            target[0] = head @ inputs
            if blocks > 1:
                body = values[BLOCK - 1 : end - 1].reshape(blocks - 1, BLOCK)
                matmul_rows(body, inputs, target[1:])
        else:
            matmul_rows(values[begin - 1 : end - 1].reshape(blocks, BLOCK), inputs, target)
        carried = scratch[:blocks]
        matmul_rows(carries[first : first + blocks], decays, carried)
        target += carried
    rest = rows - full * BLOCK
    if rest:
        tail = values[full * BLOCK - 1 :]
        out[full * BLOCK : rows] = tail @ inputs[:rest, :rest] + carries[full] @ decays[:, :rest]
