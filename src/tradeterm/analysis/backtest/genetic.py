"""Genetic parameter search: a seeded evolution over a grid's valid points, ``trials`` of them
evaluated at most, each generation run in parallel like any batch of points.

Each point is a gene per parameter, an index into that parameter's values. A generation
keeps the two best points. The others are children of two tournament winners (three points
drawn, the best wins): each gene comes from either parent, then moves one or two steps
(probability 0.3) along its values. A child the parameter model refuses is replaced by a
random valid point. A point is evaluated once; the search stops when ``trials`` distinct
points have been evaluated or every valid point has.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence

from tradeterm.analysis.backtest.search import Result, Value, ranked

Key = tuple[Value, ...]
Evaluate = Callable[[list[dict[str, Value]]], list[Result]]
MUTATION = 0.3
MAX_POPULATION = 20


def genetic_search(
    space: Mapping[str, Sequence[Value]],
    valid: Sequence[dict[str, Value]],
    trials: int,
    seed: int,
    evaluate: Evaluate,
) -> list[Result]:
    """Evolve over ``valid`` (points of ``space``) with ``evaluate`` running each batch;
    every evaluated point's result, ranked."""
    rng = random.Random(seed)
    names = list(space)
    values = [list(space[n]) for n in names]
    allowed: list[Key] = sorted({tuple(p[n] for n in names) for p in valid}, key=str)
    allowed_set = set(allowed)
    budget = min(trials, len(allowed))
    seen: dict[Key, Result] = {}
    size = max(4, min(MAX_POPULATION, budget // 3))
    population = rng.sample(allowed, min(size, len(allowed)))

    def fitness(key: Key) -> tuple[float, str]:
        score = seen[key].score
        usable = score is not None and math.isfinite(score)
        return (score if usable and score is not None else -math.inf, str(key))

    def child(mother: Key, father: Key) -> Key:
        genes = []
        for axis, pair in enumerate(zip(mother, father, strict=True)):
            at = values[axis].index(rng.choice(pair))
            if rng.random() < MUTATION:
                at = min(len(values[axis]) - 1, max(0, at + rng.choice((-2, -1, 1, 2))))
            genes.append(values[axis][at])
        made = tuple(genes)
        return made if made in allowed_set else rng.choice(allowed)

    while True:
        fresh = [k for k in dict.fromkeys(population) if k not in seen][: budget - len(seen)]
        if fresh:
            for result in evaluate([dict(zip(names, k, strict=True)) for k in fresh]):
                seen[tuple(result.params[n] for n in names)] = result
        if len(seen) >= budget:
            break
        best = sorted(dict.fromkeys(population), key=fitness, reverse=True)
        population = best[:2]
        while len(population) < size:
            mother = max(rng.sample(best, min(3, len(best))), key=fitness)
            father = max(rng.sample(best, min(3, len(best))), key=fitness)
            population.append(child(mother, father))
        if all(k in seen for k in population):  # converged: bring in unseen points
            unseen = [k for k in allowed if k not in seen]
            population += rng.sample(unseen, min(len(unseen), max(1, size // 4)))
    return ranked(list(seen.values()))
