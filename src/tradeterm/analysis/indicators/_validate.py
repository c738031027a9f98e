"""The Series boundary of the indicators: input checks in, index-aligned Series and frames out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from tradeterm.domain.errors import TradetermError

FloatArray = npt.NDArray[np.float64]


class IndicatorInputError(TradetermError, ValueError):
    """An indicator cannot compute on its input; the message says what is wrong and the fix."""


@dataclass(frozen=True, slots=True)
class Inputs:
    """Validated inputs of one indicator call.

    Attributes:
        index: the shared index of the inputs; every output is aligned to it.
        arrays: the inputs as float64 arrays, full length (views when no conversion was needed;
            never written to).
        start: first row at which every input has a value; rows before it were leading NaNs.
    """

    index: pd.Index
    arrays: tuple[FloatArray, ...]
    start: int

    @property
    def rows(self) -> int:
        """Number of rows of the inputs (and of every output)."""
        return len(self.index)

    def valid(self, position: int) -> FloatArray:
        """The input at ``position`` from :attr:`start` on (no leading NaNs, no copy)."""
        return self.arrays[position][self.start :]


def check_period(name: str, value: object, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is a whole number of rows >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise IndicatorInputError(
            f"{name} must be a whole number of rows (int) >= {minimum}, got {value!r}"
        )
    result = int(value)
    if result < minimum:
        raise IndicatorInputError(f"{name} must be >= {minimum}, got {result}")
    return result


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a float after checking it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise IndicatorInputError(f"{name} must be a number > 0, got {value!r}")
    result = float(value)
    if not (math.isfinite(result) and result > 0):
        raise IndicatorInputError(f"{name} must be a finite number > 0, got {value!r}")
    return result


def _as_float_array(name: str, series: object) -> tuple[FloatArray, pd.Index]:
    """The values of ``series`` as float64 (no copy when they already are) and its index."""
    if not isinstance(series, pd.Series):
        hint = ""
        if isinstance(series, pd.DataFrame):
            hint = f"; pass one column, e.g. candles[{name!r}]"
        raise IndicatorInputError(
            f"{name} must be a pandas Series, got {type(series).__name__}{hint}"
        )
    dtype = series.dtype
    numeric = pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)
    if pd.api.types.is_bool_dtype(dtype) or not numeric:
        present = series.dropna()
        first = present.iloc[0] if len(present) else None
        what = "Decimal values" if isinstance(first, Decimal) else f"dtype {dtype}"
        raise IndicatorInputError(
            f"{name} holds {what}; indicators compute on floats: convert at the boundary "
            f"with {name}.astype(float)"
        )
    if dtype == np.float64:
        values = series.to_numpy(copy=False)
    else:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(values, dtype=np.float64), series.index


def _describe(index: pd.Index, position: int) -> str:
    return f"position {position} (index {index[position]!s})"


def _check_index(index: pd.Index) -> None:
    if not isinstance(index, pd.DatetimeIndex):
        return
    if index.hasnans:
        position = int(np.flatnonzero(index.isna())[0])
        raise IndicatorInputError(f"the index has a missing timestamp (NaT) at position {position}")
    if index.is_monotonic_increasing and index.is_unique:
        return
    stamps = index.asi8
    position = int(np.argmax(stamps[1:] <= stamps[:-1])) + 1
    raise IndicatorInputError(
        "timestamps must be strictly increasing; "
        f"row {position} ({index[position]}) is not after row {position - 1} "
        f"({index[position - 1]}): sort the candles (sort_index()) and drop duplicates first"
    )


def _first_valid(name: str, values: FloatArray, index: pd.Index) -> int:
    """First row with a value; leading NaNs are allowed, any later NaN or an inf is an error."""
    with np.errstate(all="ignore"):
        if math.isfinite(float(np.add.reduce(values))):
            return 0
    finite = np.isfinite(values)
    if bool(finite.all()):
        return 0  # the sum overflowed, the values are fine
    missing = np.isnan(values)
    first = len(values) if bool(missing.all()) else int(np.argmin(missing))
    bad = np.flatnonzero(~finite[first:])
    if bad.size:
        position = first + int(bad[0])
        if math.isnan(values[position]):
            raise IndicatorInputError(
                f"{name} has NaN at {_describe(index, position)} after its first value; "
                "indicators do not skip gaps: drop or fill the missing candles first"
            )
        raise IndicatorInputError(f"{name} has an infinite value at {_describe(index, position)}")
    return first


def prepare(*named: tuple[str, object]) -> Inputs:
    """Check the inputs of one indicator call and return them as float64 arrays.

    Args:
        *named: ``(parameter name, value)`` pairs, in the indicator's argument order.

    Returns:
        The validated inputs; ``start`` skips the leading rows where any input is NaN.

    Raises:
        IndicatorInputError: an input is not a numeric Series, the inputs differ in length or
            index, a DatetimeIndex is not strictly increasing, or a value after the first
            valid row is NaN or infinite.
    """
    converted = [_as_float_array(name, value) for name, value in named]
    arrays = [values for values, _ in converted]
    first_name = named[0][0]
    index = converted[0][1]
    for (name, _), (values, other_index) in zip(named[1:], converted[1:], strict=True):
        if len(values) != len(arrays[0]):
            raise IndicatorInputError(
                f"{name} has {len(values)} rows but {first_name} has {len(arrays[0])}; "
                "pass columns of the same candles"
            )
        if other_index is not index and not other_index.equals(index):
            raise IndicatorInputError(
                f"{name} and {first_name} have different indexes; pass columns of the same "
                "candles (or align them first, e.g. with reindex)"
            )
    _check_index(index)
    start = max(
        _first_valid(name, values, index) for (name, _), values in zip(named, arrays, strict=True)
    )
    return Inputs(index=index, arrays=tuple(arrays), start=start)


def check_high_low(inputs: Inputs, high: int = 0, low: int = 1) -> None:
    """Raise when a high is below its low (usually the two arguments were swapped)."""
    h = inputs.valid(high)
    lo = inputs.valid(low)
    below = h < lo
    if bool(below.any()):
        position = inputs.start + int(np.argmax(below))
        raise IndicatorInputError(
            f"high is below low at {_describe(inputs.index, position)}; "
            "check the argument order (high, low, ...)"
        )


def check_not_negative(inputs: Inputs, position: int, name: str) -> None:
    """Raise when the input at ``position`` has a negative value."""
    values = inputs.valid(position)
    negative = values < 0
    if bool(negative.any()):
        row = inputs.start + int(np.argmax(negative))
        raise IndicatorInputError(f"{name} is negative at {_describe(inputs.index, row)}")


def check_positive_values(inputs: Inputs, position: int, name: str) -> None:
    """Raise when the input at ``position`` has a value <= 0."""
    values = inputs.valid(position)
    bad = values <= 0
    if bool(bad.any()):
        row = inputs.start + int(np.argmax(bad))
        raise IndicatorInputError(
            f"{name} must be > 0 (log returns), got {float(values[row - inputs.start])} at "
            f"{_describe(inputs.index, row)}"
        )


def lead_nan(rows: int, lead: int) -> FloatArray:
    """A new float64 array of ``rows`` values whose first ``lead`` are NaN (the rest unset)."""
    out = np.empty(rows)
    out[: min(lead, rows)] = np.nan
    return out


def series_out(values: FloatArray, inputs: Inputs, name: str) -> pd.Series:
    """Wrap ``values`` (one per input row) as a float Series on the inputs' index."""
    return pd.Series(values, index=inputs.index, name=name, copy=False)


def lead_nan_columns(count: int, rows: int, lead: int) -> list[FloatArray]:
    """``count`` arrays as :func:`lead_nan` (separate arrays: one 2-D block of several times
    8 MB is a fresh mapping on every call, and its page faults cost more than the maths)."""
    return [lead_nan(rows, lead) for _ in range(count)]


def frame_out(columns: list[FloatArray], inputs: Inputs, names: list[str]) -> pd.DataFrame:
    """Wrap one array per column as a DataFrame on the inputs' index, without copying."""
    data = dict(zip(names, columns, strict=True))
    return pd.DataFrame(data, index=inputs.index, copy=False)
