"""Helpers shared by the benchmarks: timing medians and printing figures."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def figure(name: str, value: float, unit: str, note: str = "") -> None:
    """Print one figure in the common format."""
    text = f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    print(f"{name}: {text} {unit}" + (f"  ({note})" if note else ""), flush=True)
