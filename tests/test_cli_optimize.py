"""`tradeterm optimize`: the ranking is the single backtests ranked; processes, a local Dask
cluster and one process give the same list; random and walk-forward searches; refusals."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tradeterm import cli
from tradeterm.analysis.backtest.candles import read_candles
from tradeterm.analysis.backtest.runner import run_vectorised
from tradeterm.analysis.backtest.signals import SmaCrossParams

ETH_5M = Path("candles/bittrex_2018-01_freqtrade/ETH_BTC-5m.feather")
SPACE = ["--space", "fast=5:20:5", "--space", "slow=10,20,40"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def search(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> dict:
    code, out, err = run(capsys, "optimize", "sma_cross", "--data", str(path), *SPACE, *extra)
    assert code == 0, err
    return json.loads(out)


def test_the_grid_is_every_valid_point_ranked_by_its_own_backtest(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    path = shared_data / ETH_5M
    data = search(capsys, path, "--workers", "1", "--objective", "return", "--json")
    # fast 5..20 x slow {10, 20, 40} minus fast >= slow: (10,10) (15,10) (20,10) (20,20)
    assert data["points"] == 8 and data["skipped"] == 4
    candles = read_candles(path)
    returns = []
    for result in data["results"]:
        single = run_vectorised(candles, "sma_cross", SmaCrossParams(**result["params"]))
        assert result["total_return"] == single.total_return
        assert result["num_trades"] == single.num_trades
        returns.append(result["score"])
    assert returns == sorted(returns, reverse=True)
    assert {(r["params"]["fast"], r["params"]["slow"]) for r in data["results"]} == {
        (5, 10),
        (5, 20),
        (10, 20),
        (15, 20),
        (5, 40),
        (10, 40),
        (15, 40),
        (20, 40),
    }


def test_processes_and_one_process_give_the_same_ranking(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    one = search(capsys, shared_data / ETH_5M, "--workers", "1", "--json")
    two = search(capsys, shared_data / ETH_5M, "--workers", "2", "--json")
    assert one["results"] == two["results"]


def test_a_local_dask_cluster_gives_the_same_ranking(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    local = search(capsys, shared_data / ETH_5M, "--workers", "1", "--json")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = search(
            capsys, shared_data / ETH_5M, "--cluster", cluster.scheduler_address, "--json"
        )
    assert remote["results"] == local["results"]


def test_random_search_draws_distinct_grid_points_repeatably(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    grid = search(capsys, shared_data / ETH_5M, "--workers", "1", "--json")
    args = ("--method", "random", "--trials", "5", "--random-seed", "3", "--workers", "1")
    first = search(capsys, shared_data / ETH_5M, *args, "--json")
    again = search(capsys, shared_data / ETH_5M, *args, "--json")
    assert first["results"] == again["results"] and len(first["results"]) == 5
    every = [r["params"] for r in grid["results"]]
    drawn = [r["params"] for r in first["results"]]
    assert all(p in every for p in drawn) and len({tuple(p.items()) for p in drawn}) == 5


def test_genetic_search_spends_its_trials_on_grid_points_with_their_own_figures(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    grid = search(capsys, shared_data / ETH_5M, "--workers", "1", "--json")
    args = ("--method", "genetic", "--trials", "6", "--random-seed", "2", "--json")
    first = search(capsys, shared_data / ETH_5M, *args, "--workers", "1")
    again = search(capsys, shared_data / ETH_5M, *args, "--workers", "2")
    assert first["results"] == again["results"] and len(first["results"]) == 6
    by_params = {tuple(r["params"].items()): r for r in grid["results"]}
    for result in first["results"]:
        assert by_params[tuple(result["params"].items())] == result
    everything = search(
        capsys, shared_data / ETH_5M, "--method", "genetic", "--trials", "50", "--json"
    )
    assert everything["results"] == grid["results"]  # a budget above the space: all 8


def test_optuna_tpe_evaluates_its_trials_on_grid_points_repeatably(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    pytest.importorskip("optuna")
    grid = search(capsys, shared_data / ETH_5M, "--workers", "1", "--json")
    args = ("--method", "optuna", "--trials", "5", "--random-seed", "4", "--json")
    first = search(capsys, shared_data / ETH_5M, *args, "--workers", "1")
    again = search(capsys, shared_data / ETH_5M, *args, "--workers", "1")
    assert first["results"] == again["results"]
    assert first["evaluated"] == len(first["results"]) == 5 and first["points"] == 8
    by_params = {tuple(r["params"].items()): r for r in grid["results"]}
    for result in first["results"]:
        assert by_params[tuple(result["params"].items())] == result


def test_walk_forward_optimises_each_window_and_tests_it_after(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    path = shared_data / ETH_5M
    out_dir = tmp_path / "wf"
    data = search(
        capsys, path, "--walk-forward", "3", "--workers", "1", "--json", "--out", str(out_dir)
    )
    candles = read_candles(path)
    windows = data["walk_forward"]
    assert len(windows) == 3
    multiple = 1.0
    for window, (start, end) in zip(windows, [(0, 1920), (1920, 3840), (3840, 5760)], strict=True):
        split = start + 1440  # 75 % of 1920 candles in sample
        inside, after = candles.iloc[start:split], candles.iloc[split:end]
        assert window["out_of_sample"] == [str(after.index[0]), str(after.index[-1])]
        best = window["best"]
        params = SmaCrossParams(**best["params"])
        assert best["score"] == run_vectorised(inside, "sma_cross", params).sharpe
        for fast, slow in [
            (5, 10),
            (5, 20),
            (10, 20),
            (15, 20),
            (5, 40),
            (10, 40),
            (15, 40),
            (20, 40),
        ]:
            other = run_vectorised(inside, "sma_cross", SmaCrossParams(fast=fast, slow=slow))
            assert other.sharpe is None or other.sharpe <= best["score"]
        tested = run_vectorised(after, "sma_cross", params)
        assert window["out"]["total_return"] == tested.total_return
        multiple *= tested.final_equity
    assert data["pooled"]["total_return"] == pytest.approx(multiple - 1)
    saved = tomllib.loads((out_dir / "strategy.toml").read_text(encoding="utf-8"))
    assert saved["strategies"][0]["params"] == windows[-1]["best"]["params"]
    assert json.loads((out_dir / "results.json").read_text(encoding="utf-8")) == data


def test_the_text_table_shows_the_best_first(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    code, out, _ = run(
        capsys,
        "optimize",
        "sma_cross",
        "--data",
        str(shared_data / ETH_5M),
        *SPACE,
        "--workers",
        "1",
    )
    assert code == 0
    lines = out.splitlines()
    assert "grid search of 8 point(s) (4 refused by the parameter model), 8 evaluated" in lines[0]
    assert lines[2].split()[:3] == ["rank", "params", "score"]
    assert lines[3].split()[0] == "1"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--space", "fast=5:x:5"], "give name=start:stop:step or name=v1,v2"),
        (["--space", "fast=50:5:5"], "stop not below start"),
        (["--space", "speed=1,2"], "no parameter speed"),
        (["--space", "fast=40,50", "--space", "slow=10,20"], "no point of the space is valid"),
        (["--space", "fast=5,10", "--method", "random"], "needs --trials"),
        (["--space", "fast=5,10", "--trials", "3"], "--trials goes with --method random"),
        (["--space", "fast=5,10", "--walk-forward", "5000"], "--walk-forward 5000 is not allowed"),
        (["--space", "fast=5,10", "--param", "fast=3"], "fast is given twice"),
    ],
)
def test_bad_searches_are_refused_in_words(
    capsys: pytest.CaptureFixture[str], shared_data: Path, extra: list[str], message: str
) -> None:
    code, out, err = run(
        capsys,
        "optimize",
        "sma_cross",
        "--data",
        str(shared_data / ETH_5M),
        "--workers",
        "1",
        *extra,
    )
    assert code == 2
    assert message in err and "Traceback" not in err and out == ""
