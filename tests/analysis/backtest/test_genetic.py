"""Genetic search: it spends exactly its budget on distinct valid points, repeats itself
with a seed, and finds the top of a smooth landscape that random sampling of the same budget
would mostly miss."""

from __future__ import annotations

import pytest

from tradeterm.analysis.backtest.genetic import genetic_search
from tradeterm.analysis.backtest.search import Result, Value

SPACE: dict[str, list[Value]] = {"fast": list(range(1, 21)), "slow": list(range(1, 21))}
VALID = [{"fast": a, "slow": b} for a in SPACE["fast"] for b in SPACE["slow"]]


def landscape(batches: list[list[dict[str, Value]]]):
    def evaluate(batch: list[dict[str, Value]]) -> list[Result]:
        batches.append(batch)
        return [
            Result(
                params=p,
                score=-float((p["fast"] - 13) ** 2 + (p["slow"] - 7) ** 2),
                total_return=0.0,
                sharpe=None,
                max_drawdown=0.0,
                calmar=None,
                num_trades=0,
            )
            for p in batch
        ]

    return evaluate


def test_the_budget_is_spent_on_distinct_points_and_the_peak_is_found() -> None:
    for seed in range(5):  # a random draw of 80 of the 400 points holds the peak 1 time in 5
        batches: list[list[dict[str, Value]]] = []
        results = genetic_search(SPACE, VALID, 80, seed, landscape(batches))
        evaluated = [tuple(p.items()) for batch in batches for p in batch]
        assert len(evaluated) == len(set(evaluated)) == len(results) == 80
        assert len(batches) > 3  # generations, each one batch for the workers
        assert results[0].params == {"fast": 13, "slow": 7}
        scores = [r.score for r in results]
        assert scores == sorted(scores, reverse=True)


def test_a_seed_repeats_the_search_and_only_valid_points_are_tried() -> None:
    valid = [p for p in VALID if p["fast"] < p["slow"]]
    first: list[list[dict[str, Value]]] = []
    again: list[list[dict[str, Value]]] = []
    one = genetic_search(SPACE, valid, 30, 11, landscape(first))
    two = genetic_search(SPACE, valid, 30, 11, landscape(again))
    assert first == again and one == two
    assert all(p["fast"] < p["slow"] for batch in first for p in batch)


def test_a_budget_above_the_space_evaluates_every_point_once() -> None:
    small = {"fast": [1, 2, 3], "slow": [4, 5]}
    valid = [{"fast": a, "slow": b} for a in small["fast"] for b in small["slow"]]
    batches: list[list[dict[str, Value]]] = []
    results = genetic_search(small, valid, 100, 0, landscape(batches))
    assert sorted(tuple(r.params.items()) for r in results) == sorted(
        tuple(p.items()) for p in valid
    )


def test_optunas_tpe_spends_its_budget_on_distinct_valid_points() -> None:
    pytest.importorskip("optuna")
    from tradeterm.analysis.backtest.tpe import optuna_search

    valid = [p for p in VALID if p["fast"] != p["slow"]]
    for batch in (1, 4):
        batches: list[list[dict[str, Value]]] = []
        results = optuna_search(SPACE, valid, 60, 5, landscape(batches), batch)
        evaluated = [tuple(p.items()) for b in batches for p in b]
        assert len(evaluated) == len(set(evaluated)) == len(results) == 60
        assert all(p["fast"] != p["slow"] for b in batches for p in b)
        assert results[0].score is not None and results[0].score >= -2  # within a step of the peak
