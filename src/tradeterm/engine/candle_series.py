"""``CandleSeries``: one symbol's one-minute candles held compactly, read as ``Candle`` objects.

A day of candles for 124 symbols as ``Candle`` objects with five ``Decimal`` each took about
40 MB (235 bytes a candle). Here only the newest candles (``HOT``, the ones a venue may still
update) stay objects; older ones are packed into integer columns: the open time and, for each
of open, high, low, close and volume, the Decimal's integer coefficient (4 bytes while it fits,
else 8) and its exponent (one per column while the column shares it, as prices in ticks and
volumes in lots do). That is 24 bytes a candle (the open time in whole minutes), and exact:
reading a packed candle gives a ``Candle`` equal to the one stored, down to its Decimals'
exponents. A value that does not
fit (more than 18 digits, NaN, -0, not a Decimal) is kept aside as it is.

It behaves as the ``deque(maxlen=...)`` it replaces for the engine's state: ``append``,
``extend``, ``clear``, indexing (``series[-1] = candle`` replaces the newest), ``len``,
iteration both ways. ``tail(n)`` gives the newest ``n`` as objects; ``packed_tail(n)`` gives
them as a new series (a cheap copy, for a reader in another thread, e.g. the scanner, which
turns the columns into floats without making a Decimal: ``columns``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from typing import overload

from tradeterm.domain.market_data import Candle
from tradeterm.engine.candle_columns import ASIDE, INT32, Column, Times, split

FIELDS = ("open", "high", "low", "close", "volume")
HOT = 64
"""Newest candles kept as objects (packed in batches of ``HOT`` once twice as many)."""


class CandleSeries(Sequence[Candle]):
    """Candles oldest first, at most ``maxlen`` (the oldest go first), packed when old."""

    __slots__ = ("_aside", "_columns", "_first", "_hot", "_ts", "maxlen")

    def __init__(self, candles: Iterable[Candle] = (), maxlen: int | None = None) -> None:
        self.maxlen = maxlen
        self._ts = Times()
        self._columns = tuple(Column() for _ in FIELDS)
        self._aside: dict[tuple[int, int], Decimal] = {}
        """(absolute index, field) -> a value that could not be packed."""
        self._first = 0
        """Absolute index of the oldest packed candle (grows as old ones are dropped)."""
        self._hot: deque[Candle] = deque()
        self.extend(candles)

    # --- reading ----------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"CandleSeries({list(self)!r}, maxlen={self.maxlen})"

    def __eq__(self, other: object) -> bool:
        """Equal to another series with equal candles in the same order (as a deque is to a
        deque, not to a list)."""
        if not isinstance(other, CandleSeries):
            return NotImplemented
        return len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    @property
    def packed(self) -> int:
        """How many of the oldest candles are packed (the rest are objects)."""
        return len(self._ts)

    def __len__(self) -> int:
        return len(self._ts) + len(self._hot)

    def __bool__(self) -> bool:
        return bool(self._ts) or bool(self._hot)

    def _unpack(self, index: int) -> Candle:
        values: list[Decimal] = []
        for field, column in enumerate(self._columns):
            value = column.value(index)
            if value is None:
                value = self._aside[(self._first + index, field)]
            values.append(value)
        return Candle(self._ts[index], *values)

    @overload
    def __getitem__(self, index: int) -> Candle: ...

    @overload
    def __getitem__(self, index: slice) -> list[Candle]: ...

    def __getitem__(self, index: int | slice) -> Candle | list[Candle]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = self._position(index)
        packed = len(self._ts)
        return self._unpack(index) if index < packed else self._hot[index - packed]

    def _position(self, index: int) -> int:
        """``index`` from the oldest (a negative one counts from the newest). Raises
        IndexError outside the series."""
        size = len(self)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError("candle index out of range")
        return position

    def __setitem__(self, index: int, candle: Candle) -> None:
        """Replace one candle (the engine replaces the newest, which is never packed)."""
        index = self._position(index)
        packed = len(self._ts)
        if index >= packed:
            self._hot[index - packed] = candle
            return
        everything = list(self)
        everything[index] = candle
        self.clear()
        self.extend(everything)

    def __iter__(self) -> Iterator[Candle]:
        for index in range(len(self._ts)):
            yield self._unpack(index)
        yield from list(self._hot)

    def __reversed__(self) -> Iterator[Candle]:
        yield from reversed(list(self._hot))
        for index in range(len(self._ts) - 1, -1, -1):
            yield self._unpack(index)

    def float_at(self, index: int, field: str) -> float:
        """One field of one candle as a float, without making the candle (the same float as
        ``float(series[index].<field>)``: an integer over a power of ten rounds correctly)."""
        index = self._position(index)
        packed = len(self._ts)
        if index >= packed:
            return float(getattr(self._hot[index - packed], field))
        position = FIELDS.index(field)
        column = self._columns[position]
        exp = column.exp if column.exps is None else column.exps[index]
        if exp == ASIDE or exp is None:
            return float(self._aside[(self._first + index, position)])
        digits = column.digits[index]
        return digits / 10**-exp if exp < 0 else float(digits * 10**exp)

    def floats_back(self, field: str, step: int, count: int) -> list[float]:
        """``float_at(-1 - i * step, field)`` for ``i`` in ``range(count)`` (newest first,
        as far as the series reaches), in one pass."""
        hot, packed = self._hot, len(self._ts)
        size = packed + len(hot)
        indices = range(size - 1, max(-1, size - 1 - step * count), -step)
        out = [float(getattr(hot[i - packed], field)) for i in indices if i >= packed]
        rest = [i for i in indices if i < packed]
        if not rest:
            return out
        position = FIELDS.index(field)
        column = self._columns[position]
        exp = column.exp
        if column.exps is not None or exp is None or exp == ASIDE:
            return out + [self.float_at(i, field) for i in rest]
        digits = column.digits
        if exp < 0:
            scale = 10**-exp
            return out + [digits[i] / scale for i in rest]
        scale = 10**exp
        return out + [float(digits[i] * scale) for i in rest]

    def tail(self, count: int) -> list[Candle]:
        """The newest ``count`` candles, oldest first."""
        newest_first = list(islice(reversed(self), max(0, count)))
        newest_first.reverse()
        return newest_first

    def packed_tail(self, count: int) -> CandleSeries:
        """The newest ``count`` candles as a new series (packed ones copied as columns)."""
        out = CandleSeries()
        hot = list(self._hot)[-count:] if count > 0 else []
        start = max(0, len(self._ts) - max(0, count - len(hot)))
        out._ts = self._ts.copy(start)
        out._columns = tuple(column.copy(start) for column in self._columns)
        out._first = self._first + start
        out._aside = {key: v for key, v in self._aside.items() if key[0] >= out._first}
        out._hot = deque(hot)
        return out

    def columns(self) -> tuple[Times, tuple[Column, ...], dict[tuple[int, int], Decimal]]:
        """The packed part: open times, the five columns and the values put aside (keyed by
        (index into the columns, field)). Read-only; the newest candles are in ``hot``."""
        first = self._first
        aside = {(index - first, field): v for (index, field), v in self._aside.items()}
        return self._ts, self._columns, aside

    @property
    def hot(self) -> list[Candle]:
        """The newest candles, kept as objects, oldest first."""
        return list(self._hot)

    def copy(self) -> CandleSeries:
        copied = self.packed_tail(len(self))
        copied.maxlen = self.maxlen
        return copied

    # --- writing ----------------------------------------------------------------------

    def append(self, candle: Candle) -> None:
        self._hot.append(candle)
        if len(self._hot) >= 2 * HOT:
            self._pack(len(self._hot) - HOT)
        self._trim()

    def put(self, candle: Candle) -> Candle:
        """A live update: ``candle`` replaces the newest candle when it opens at the same
        time, is appended when it opens later, and is dropped when it opens earlier (a late
        print for a bar already closed). Returns the newest candle after it. (One call per
        trade on a live feed: the newest candle is read once, from the objects.)"""
        hot = self._hot
        newest = hot[-1] if hot else (self._unpack(len(self._ts) - 1) if self._ts else None)
        if newest is None or newest.ts_ms < candle.ts_ms:
            self.append(candle)
        elif newest is candle or newest.ts_ms > candle.ts_ms:
            return newest
        elif hot:
            hot[-1] = candle
        else:
            self[-1] = candle
        return candle

    def extend(self, candles: Iterable[Candle]) -> None:
        if isinstance(candles, CandleSeries) and not self:
            self._take(candles)
        else:
            for candle in candles:
                self._hot.append(candle)
                if len(self._hot) >= 2 * HOT:
                    self._pack(len(self._hot) - HOT)
        self._trim()

    def clear(self) -> None:
        self._ts = Times()
        for column in self._columns:
            column.clear()
        self._aside.clear()
        self._first = 0
        self._hot.clear()

    def _take(self, other: CandleSeries) -> None:
        """Become a copy of ``other`` (this series is empty)."""
        copied = other.packed_tail(len(other))
        self._ts, self._columns, self._first = copied._ts, copied._columns, copied._first
        self._aside, self._hot = copied._aside, copied._hot

    def _pack(self, count: int) -> None:
        hot, ts, columns, aside = self._hot, self._ts, self._columns, self._aside
        for _ in range(count):
            candle = hot.popleft()
            index = self._first + len(ts)
            ts.append(candle.ts_ms)
            for field, (column, value) in enumerate(
                zip(
                    columns,
                    (candle.open, candle.high, candle.low, candle.close, candle.volume),
                    strict=True,
                )
            ):
                packed = split(value)
                if packed is None:
                    aside[(index, field)] = value
                    column.push(0, ASIDE)
                else:
                    column.push(*packed)

    def pack_ints(
        self, ts_ms: Sequence[int], digits: Sequence[Sequence[int]], exps: Sequence[int]
    ) -> None:
        """Append packed candles straight from integers (a venue that keeps prices in ticks
        and volumes in lots): ``digits[field][i] * 10 ** exps[field]``. Only while nothing is
        held as an object (e.g. history made before the market moves)."""
        if self._hot:
            raise ValueError("pack_ints appends only to a series of packed candles")
        self._ts.extend(ts_ms)
        for column, values, exp in zip(self._columns, digits, exps, strict=True):
            fits = not values or (min(values) >= -INT32 and max(values) < INT32)
            if column.exps is None and column.exp in (None, exp) and fits:
                column.exp = exp
                column.digits.extend(values)  # "q" takes any int32 as well
                continue
            for value in values:
                column.push(value, exp)
        self._trim()

    def _trim(self) -> None:
        if self.maxlen is None:
            return
        extra = len(self) - self.maxlen
        if extra <= 0:
            return
        packed = min(extra, len(self._ts))
        if packed:
            self._ts.drop(packed)
            for column in self._columns:
                column.drop(packed)
            self._first += packed
            if self._aside:
                self._aside = {k: v for k, v in self._aside.items() if k[0] >= self._first}
        for _ in range(extra - packed):
            self._hot.popleft()
