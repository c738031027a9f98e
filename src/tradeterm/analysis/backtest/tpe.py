"""Optuna's TPE over a grid's values (``--method optuna``, where Optuna is installed).

Each parameter is a categorical choice among its ``--space`` values, so the points are the
grid's. Trials are asked in batches (one per worker) and the batch runs in parallel like any
set of points; a point the parameter model refuses is told as pruned and not counted, a
point asked again is told its earlier score without running it again, and an undefined
objective is told as failed. The search stops at ``trials`` distinct points, at every valid
point, or after ``20 x trials`` asks. Seeded: the same seed and worker count give the same
points.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradeterm.analysis.backtest.search import Result, Value, ranked
from tradeterm.domain.errors import ConfigError

Evaluate = Callable[[list[dict[str, Value]]], list[Result]]


def optuna_search(
    space: Mapping[str, Sequence[Value]],
    valid: Sequence[dict[str, Value]],
    trials: int,
    seed: int,
    evaluate: Evaluate,
    batch: int = 1,
) -> list[Result]:
    """TPE over ``space`` limited to ``valid``; every evaluated point's result, ranked."""
    try:
        import optuna
    except ImportError:
        raise ConfigError("--method optuna needs Optuna: pip install optuna") from None
    logging.getLogger("optuna").setLevel(logging.WARNING)
    names = list(space)
    allowed = {tuple(p[n] for n in names) for p in valid}
    budget = min(trials, len(allowed))
    shape: dict[str, Any] = {
        n: optuna.distributions.CategoricalDistribution(list(space[n])) for n in names
    }
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    seen: dict[tuple[Value, ...], Result] = {}
    asks = 0
    while len(seen) < budget and asks < 20 * trials:
        asked = []
        for _ in range(min(batch, budget - len(seen))):
            asked.append(study.ask(shape))
            asks += 1
        keys = [tuple(t.params[n] for n in names) for t in asked]
        fresh = list(dict.fromkeys(k for k in keys if k in allowed and k not in seen))
        if fresh:
            for result in evaluate([dict(zip(names, k, strict=True)) for k in fresh]):
                seen[tuple(result.params[n] for n in names)] = result
        for trial, key in zip(asked, keys, strict=True):
            if key not in allowed:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            elif seen[key].score is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, seen[key].score)
    return ranked(list(seen.values()))
