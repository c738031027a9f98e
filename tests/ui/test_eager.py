"""run_now: a job that needs no wait is done in the caller's turn with no worker; one that
waits, fails or is cancelled is carried on by a named worker, as if it had been one."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.worker import Worker, WorkerState

from tests.ui.trading_kit import until
from tradeterm.ui.eager import run_now


class Bare(App[None]):
    """A plain Textual app: ``run_now`` needs only its ``run_worker``."""


def named(app: App[None], name: str) -> list[Worker[object]]:
    return [w for w in app.workers if w.name == name]


async def test_a_job_that_never_waits_is_done_before_run_now_returns() -> None:
    steps: list[str] = []
    app = Bare()
    async with app.run_test():
        committed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        committed.set_result("acknowledged")

        async def job() -> None:
            steps.append("placed")
            steps.append(await committed)  # already done: the job does not suspend

        finished = run_now(app, job(), name="order.place", group="orders")
        assert finished
        assert steps == ["placed", "acknowledged"]
        assert named(app, "order.place") == []


async def test_a_job_that_waits_is_finished_by_a_named_worker() -> None:
    steps: list[object] = []
    app = Bare()
    async with app.run_test() as pilot:
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def job() -> None:
            steps.append("sent")
            steps.append(await answer)
            await asyncio.sleep(0)  # a bare yield is resumed too
            steps.append("done")

        finished = run_now(app, job(), name="order.place", group="orders")
        assert not finished
        assert steps == ["sent"]  # its first step ran at once
        [worker] = named(app, "order.place")
        assert worker.group == "orders"
        await pilot.pause()
        assert steps == ["sent"]
        answer.set_result("accepted")
        await until(pilot, lambda: worker.state is WorkerState.SUCCESS)
        assert steps == ["sent", "accepted", "done"]


async def test_an_error_after_a_wait_reaches_the_job_and_fails_its_worker() -> None:
    app = Bare()
    async with app.run_test() as pilot:
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        seen: list[str] = []

        async def job() -> None:
            try:
                await answer
            except LookupError as exc:
                seen.append(str(exc))
                raise

        run_now(app, job(), name="order.cancel", group="orders")
        [worker] = named(app, "order.cancel")
        answer.set_exception(LookupError("no such order"))
        await until(pilot, lambda: worker.state is WorkerState.ERROR)
        assert seen == ["no such order"]
        assert isinstance(worker.error, LookupError)


async def test_a_job_that_fails_at_once_is_reported_as_a_failed_worker() -> None:
    async def job() -> None:
        raise ValueError("broken before any wait")

    app = Bare()
    async with app.run_test() as pilot:
        assert not run_now(app, job(), name="command", group="orders")
        [worker] = named(app, "command")
        await until(pilot, lambda: worker.state is WorkerState.ERROR)
        assert isinstance(worker.error, ValueError)
        assert str(worker.error) == "broken before any wait"


async def test_cancelling_the_worker_cancels_the_waiting_job() -> None:
    app = Bare()
    async with app.run_test() as pilot:
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        seen: list[str] = []

        async def job() -> None:
            try:
                await never
            except asyncio.CancelledError:
                seen.append("cancelled")
                raise

        run_now(app, job(), name="order.place", group="orders")
        [worker] = named(app, "order.place")
        await pilot.pause()  # the worker's task has started: it waits with the job
        worker.cancel()
        await until(pilot, lambda: worker.state is WorkerState.CANCELLED)
        assert seen == ["cancelled"]
