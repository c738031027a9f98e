"""Parameter search on a Dask ``distributed`` cluster (``pip install 'tradeterm[cluster]'``).

The candles are scattered to the workers once; each point is one task. Start a cluster on
several machines with Dask's own commands, then pass the scheduler's address::

    machine A:  dask scheduler                       # prints tcp://A:8786
    every one:  dask worker tcp://A:8786 --nworkers 2 --nthreads 1
    anywhere:   tradeterm optimize sma_cross --data ... --cluster tcp://A:8786

Every worker needs tradeterm installed (the same version) but no data: the candles travel
with the job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tradeterm.domain.errors import ConfigError, VenueUnavailable

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    from tradeterm.analysis.backtest.search import Result, Task, Value


def run_on_cluster(
    address: str,
    candles: pd.DataFrame,
    task: Task,
    todo: Sequence[dict[str, Value]],
    progress: Callable[[int, int], None],
) -> list[Result]:
    """Evaluate ``todo`` on the scheduler at ``address``; results in ``todo``'s order."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError(
            "--cluster needs Dask distributed: pip install 'tradeterm[cluster]'"
        ) from None
    from tradeterm.analysis.backtest.search import evaluate

    try:
        client: Any = Client(address, timeout=10)  # type: ignore[no-untyped-call, unused-ignore]
    except (OSError, TimeoutError) as exc:
        raise VenueUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        shared = client.scatter(candles, broadcast=True)
        futures = [client.submit(evaluate, shared, task, point, pure=False) for point in todo]
        order = {future.key: i for i, future in enumerate(futures)}
        results: list[Result | None] = [None] * len(futures)
        for done, future in enumerate(as_completed(futures), 1):  # type: ignore[no-untyped-call, unused-ignore]
            results[order[future.key]] = future.result()
            progress(done, len(futures))
    finally:
        client.close()
    return [r for r in results if r is not None]
