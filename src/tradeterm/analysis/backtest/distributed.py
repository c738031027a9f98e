"""Parameter search on a Dask ``distributed`` cluster (``pip install 'tradeterm[cluster]'``).

The candles are scattered to the workers once; each point is one task. Start a cluster on
several machines with Dask's own commands, then pass the scheduler's address::

    machine A:  dask scheduler                       # prints tcp://A:8786
    every one:  dask worker tcp://A:8786 --nworkers 2 --nthreads 1
    anywhere:   tradeterm optimize sma_cross --data ... --cluster tcp://A:8786

Every worker needs tradeterm installed (the same version) but no data: the candles travel
with the job. Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which makes
glibc map every array above 128 KiB afresh: a backtest then runs 2-3 times slower on a worker
than in a plain process. Start the workers with ``--no-nanny``, or set
``distributed.nanny.pre-spawn-environ: {}`` in the Dask config of the machines that start them.
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
    try:
        client: Any = Client(address, timeout=10)  # type: ignore[no-untyped-call, unused-ignore]
    except (OSError, TimeoutError) as exc:
        raise VenueUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = max(1, len(todo) // (workers * 4))  # a few tasks per worker: less overhead
        chunks = [list(todo[i : i + size]) for i in range(0, len(todo), size)]
        shared = client.scatter(candles, broadcast=True)
        futures = [client.submit(evaluate_all, shared, task, c, pure=False) for c in chunks]
        order = {future.key: i for i, future in enumerate(futures)}
        parts: list[list[Result]] = [[] for _ in futures]
        done = 0
        for future in as_completed(futures):  # type: ignore[no-untyped-call, unused-ignore]
            parts[order[future.key]] = future.result()
            done += len(parts[order[future.key]])
            progress(done, len(todo))
    finally:
        client.close()
    return [result for part in parts for result in part]


def evaluate_all(candles: pd.DataFrame, task: Task, chunk: list[dict[str, Value]]) -> list[Result]:
    """Evaluate a chunk of points on a worker."""
    from tradeterm.analysis.backtest.search import evaluate

    return [evaluate(candles, task, point) for point in chunk]
