"""Run a job's first step at once, in the caller's turn; a named worker finishes it if it waits.

An order from the command line or the ticket runs to its acknowledgement without waiting on
anything (the journal commit is made on the loop's thread, the paper venue answers at once),
yet a worker would start it only in a later turn of the event loop, behind whatever else is
ready, and post three state messages about it. ``run_now`` drives the job straight away: when
it finishes in that step no worker is made at all; when it waits (a live venue's request, a
batch commit in flight) a worker with the given name and group carries it on from there, and a
job that fails in its first step is handed to a worker that raises the same error, so the
app's one worker-failure handler still reports it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from tradeterm.ui.host import Works


def run_now(host: Works, job: Coroutine[Any, Any, None], *, name: str, group: str) -> bool:
    """Run ``job`` until it first waits; returns True when it finished in that step.

    Otherwise (it waits, or it raised) a worker of ``host`` named ``name`` in ``group`` takes
    over, with ``exit_on_error=False`` like the app's other order workers.
    """
    try:
        waiting = job.send(None)
    except StopIteration:
        return True
    except Exception as exc:  # the worker-failure handler logs and shows it
        host.run_worker(_raise(exc), name=name, group=group, exit_on_error=False)
        return False
    host.run_worker(_finish(job, waiting), name=name, group=group, exit_on_error=False)
    return False


async def _raise(exc: Exception) -> None:
    raise exc


async def _finish(job: Coroutine[Any, Any, None], waiting: object) -> None:
    """Carry on ``job``, which has just yielded ``waiting`` (a future it awaits, or None for a
    bare yield), as a task would: wait for that, then resume it, until it returns. The job
    reads the future's outcome (result or error) itself when resumed."""
    while True:
        cancelled: asyncio.CancelledError | None = None
        try:
            if waiting is None:
                await asyncio.sleep(0)
            else:
                assert isinstance(waiting, asyncio.Future)
                await asyncio.wait([waiting])  # returns once it is done; raises nothing of it
        except asyncio.CancelledError as exc:
            cancelled = exc  # this worker was cancelled: so is the job
        try:
            waiting = job.send(None) if cancelled is None else job.throw(cancelled)
        except StopIteration:
            return
