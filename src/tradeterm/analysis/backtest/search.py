"""Parameter search over vectorised backtests: spaces, grid and random points, objectives,
walk-forward windows, and running the points on local processes or a Dask cluster.

A space is ``name=start:stop:step`` (stop included) or ``name=v1,v2,...``. A point the
strategy's parameter model refuses (``fast >= slow``) is skipped and counted. Objectives:
``sharpe``, ``return`` (total return) and ``calmar`` (CAGR / max drawdown); a point whose
objective is undefined ranks last. Results are sorted best first, ties by parameters, so the
same search gives the same list on any number of workers or machines.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from pydantic import ValidationError

from tradeterm.analysis.backtest.report import build_report
from tradeterm.analysis.backtest.runner import simulate_candles
from tradeterm.analysis.backtest.signals import strategy
from tradeterm.analysis.backtest.vector import Fill
from tradeterm.domain.errors import ConfigError

Objective = Literal["sharpe", "return", "calmar"]
OBJECTIVES: tuple[Objective, ...] = ("sharpe", "return", "calmar")
MAX_POINTS = 100_000
Value = int | float


def parse_space(text: str) -> tuple[str, list[Value]]:
    """``fast=5:50:5`` -> ``("fast", [5, 10, ..., 50])``; ``slow=20,30`` -> ``[20, 30]``."""
    name, sep, spec = text.partition("=")
    name = name.strip()
    usage = f"--space {text!r} is not allowed: give name=start:stop:step or name=v1,v2,..."
    if not sep or not name or not spec.strip():
        raise ConfigError(usage)
    try:
        if ":" in spec:
            parts = [Decimal(p) for p in spec.split(":")]
            if len(parts) != 3 or parts[2] <= 0 or parts[1] < parts[0]:
                raise ConfigError(usage + " (a step above 0, stop not below start)")
            start, stop, step = parts
            count = int((stop - start) / step) + 1
            if count > MAX_POINTS:
                raise ConfigError(f"--space {name} has {count} values; at most {MAX_POINTS}")
            values = [start + step * i for i in range(count)]
        else:
            values = [Decimal(p) for p in spec.split(",")]
    except InvalidOperation:
        raise ConfigError(usage) from None
    if not all(v.is_finite() for v in values):
        raise ConfigError(usage)
    whole = all(v == v.to_integral_value() for v in values)
    return name, [int(v) if whole else float(v) for v in values]


@dataclass(frozen=True)
class Task:
    """What one evaluation needs besides the candles (picklable, for processes and Dask)."""

    strategy: str
    fee: float
    fill: Fill
    objective: Objective


@dataclass(frozen=True)
class Result:
    """One point's figures; ``score`` is the objective (None when undefined)."""

    params: dict[str, Value]
    score: float | None
    total_return: float
    sharpe: float | None
    max_drawdown: float
    calmar: float | None
    num_trades: int


def points(
    name: str,
    space: Mapping[str, Sequence[Value]],
    method: str,
    trials: int | None,
    seed: int,
) -> tuple[list[dict[str, Value]], int]:
    """The points to evaluate (valid for the strategy's model) and how many were skipped.

    ``grid`` takes every combination; ``random`` draws ``trials`` distinct ones with ``seed``;
    ``genetic`` and ``optuna`` return every valid one, for their searches to pick from.
    """
    model = strategy(name).params
    unknown = sorted(set(space) - set(model.model_fields))
    if unknown:
        allowed = ", ".join(model.model_fields)
        raise ConfigError(
            f"{name} has no parameter {', '.join(unknown)}; its parameters: {allowed}"
        )
    names = list(space)
    combos: Iterator[tuple[Value, ...]] = itertools.product(*(space[n] for n in names))
    every = [dict(zip(names, c, strict=True)) for c in itertools.islice(combos, MAX_POINTS + 1)]
    if len(every) > MAX_POINTS:
        raise ConfigError(f"the space has more than {MAX_POINTS} points: narrow it")
    valid = []
    for point in every:
        try:
            model.model_validate(point)
        except ValidationError:
            continue
        valid.append(point)
    skipped = len(every) - len(valid)
    if method in ("random", "genetic", "optuna") and (trials is None or trials < 1):
        raise ConfigError(f"--method {method} needs --trials N with N >= 1")
    if method == "random":
        valid = random.Random(seed).sample(valid, min(trials or 0, len(valid)))
    elif method not in ("grid", "genetic", "optuna"):
        raise ConfigError(
            f"method {method!r} is not allowed: choose grid, random, genetic or optuna"
        )
    if not valid:
        raise ConfigError(f"no point of the space is valid for {name} ({skipped} refused)")
    return valid, skipped


def evaluate(candles: pd.DataFrame, task: Task, point: dict[str, Value]) -> Result:
    """Backtest one point and score it."""
    params = strategy(task.strategy).params.model_validate(point)
    sim = simulate_candles(candles, task.strategy, params, task.fee, task.fill)
    report = build_report(
        strategy=task.strategy, params=point, candles=candles, sim=sim, fill=task.fill, cash=1.0
    )
    calmar = (
        report.cagr / report.max_drawdown
        if report.cagr is not None and report.max_drawdown > 0
        else None
    )
    scores = {"sharpe": report.sharpe, "return": report.total_return, "calmar": calmar}
    return Result(
        params=point,
        score=scores[task.objective],
        total_return=report.total_return,
        sharpe=report.sharpe,
        max_drawdown=report.max_drawdown,
        calmar=calmar,
        num_trades=report.num_trades,
    )


def ranked(results: Sequence[Result]) -> list[Result]:
    """Best score first (undefined last), ties broken by the parameters."""

    def key(result: Result) -> tuple[float, list[tuple[str, Value]]]:
        score = result.score if result.score is not None and math.isfinite(result.score) else None
        return (-score if score is not None else math.inf, sorted(result.params.items()))

    return sorted(results, key=key)


_CANDLES: pd.DataFrame | None = None


def _adopt(candles: pd.DataFrame) -> None:
    global _CANDLES  # noqa: PLW0603 - one copy of the candles per worker process
    _CANDLES = candles


def _evaluate_here(task: Task, point: dict[str, Value]) -> Result:
    assert _CANDLES is not None
    return evaluate(_CANDLES, task, point)


Progress = Callable[[int, int], None]


def run_points(
    candles: pd.DataFrame,
    task: Task,
    todo: Sequence[dict[str, Value]],
    *,
    workers: int = 1,
    cluster: str | None = None,
    progress: Progress | None = None,
) -> list[Result]:
    """Evaluate ``todo`` in this process (``workers`` 1), on ``workers`` local processes,
    or on the Dask scheduler at ``cluster``; the results, ranked."""
    tick = progress or (lambda done, total: None)
    results: list[Result] = []
    if cluster is not None:
        from tradeterm.analysis.backtest.distributed import run_on_cluster

        results = run_on_cluster(cluster, candles, task, todo, tick)
    elif workers <= 1:
        for point in todo:
            results.append(evaluate(candles, task, point))
            tick(len(results), len(todo))
    else:
        with ProcessPoolExecutor(workers, initializer=_adopt, initargs=(candles,)) as pool:
            chunk = max(1, len(todo) // (workers * 8))
            tasks = [task] * len(todo)
            for result in pool.map(_evaluate_here, tasks, todo, chunksize=chunk):
                results.append(result)
                tick(len(results), len(todo))
    return ranked(results)


@dataclass(frozen=True)
class Window:
    """One walk-forward window: the best in-sample point and how it did out of sample."""

    index: int
    in_sample: tuple[str, str]
    out_of_sample: tuple[str, str]
    best: Result
    out: Result


def windows(
    candles: pd.DataFrame, count: int, in_share: float = 0.75
) -> list[tuple[int, int, int]]:
    """``count`` consecutive windows over the candles as (start, split, end) rows: the first
    ``in_share`` of each is in sample, the rest out of sample."""
    rows = len(candles)
    if count < 1 or rows // count < 8:
        raise ConfigError(
            f"--walk-forward {count} is not allowed: give 1 or more windows of at least 8 "
            f"candles ({rows} candles here)"
        )
    edges = [round(rows * i / count) for i in range(count + 1)]
    return [(a, a + max(1, round((b - a) * in_share)), b) for a, b in itertools.pairwise(edges)]


def walk_forward(
    candles: pd.DataFrame,
    task: Task,
    count: int,
    search: Callable[[pd.DataFrame], list[Result]],
) -> list[Window]:
    """Optimise on each window's in-sample part with ``search`` (candles in, ranked results
    out), then run the best point out of sample."""
    out = []
    for index, (start, split, end) in enumerate(windows(candles, count)):
        inside, after = candles.iloc[start:split], candles.iloc[split:end]
        best = search(inside)[0]
        out.append(
            Window(
                index=index,
                in_sample=(str(inside.index[0]), str(inside.index[-1])),
                out_of_sample=(str(after.index[0]), str(after.index[-1])),
                best=best,
                out=evaluate(after, task, best.params),
            )
        )
    return out


def as_json(result: Result) -> dict[str, Any]:
    """A result as plain JSON values."""
    return asdict(result)
