"""``tradeterm optimize``: grid or random parameter search, optionally walk-forward, on local
processes or a Dask cluster; a ranked table or JSON, and the best point as a strategy entry."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from tradeterm.cli.backtest_args import add_common, load_candles, params_of, positive_int

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    from tradeterm.analysis.backtest.search import Result, Window

SHOWN = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Give the command line's ``optimize`` its description and arguments."""
    parser.description = (
        "Backtest STRATEGY at the points of a parameter space (every one, "
        "random ones, a genetic search or Optuna's TPE; vectorised, with the candle-mode "
        "convention of 'tradeterm backtest') and rank them. --param fixes a parameter; "
        "--space name=start:stop:step (stop included) or name=v1,v2 varies one."
    )
    add_common(parser, out_help="write results.json and the best point as strategy.toml")
    parser.add_argument(
        "--space",
        action="append",
        required=True,
        metavar="NAME=SPEC",
        help="a parameter's values, e.g. --space fast=5:50:5 --space slow=20:200:10",
    )
    parser.add_argument("--method", choices=("grid", "random", "genetic", "optuna"), default="grid")
    parser.add_argument(
        "--trials",
        type=positive_int,
        metavar="N",
        help="points to evaluate (random, genetic, optuna)",
    )
    parser.add_argument(
        "--random-seed", type=int, default=0, metavar="N", help="seed of --method random"
    )
    parser.add_argument(
        "--walk-forward",
        type=positive_int,
        metavar="K",
        help="K windows: optimise on each one's first 75 %%, test the best on the rest",
    )
    parser.add_argument("--objective", choices=("sharpe", "return", "calmar"), default="sharpe")
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="local processes (default: every core)",
    )
    parser.add_argument(
        "--cluster", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://host:8786"
    )


def _progress(started: float) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        spent = time.perf_counter() - started
        eta = spent / done * (total - done)
        filled = int(30 * done / total)
        bar = "#" * filled + "-" * (30 - filled)
        end = "\n" if done == total else ""
        print(f"\r[{bar}] {done}/{total} ETA {eta:5.1f}s", end=end, file=sys.stderr, flush=True)

    return show


def run_optimize(args: argparse.Namespace) -> int:
    """Run ``tradeterm optimize``: 0, or 2 for bad arguments or data, 1 for a lost cluster."""
    from tradeterm.domain.errors import ConfigError, DataError, VenueUnavailable

    try:
        data = _search(args)
    except (ConfigError, DataError) as exc:
        print(f"tradeterm optimize: {exc}", file=sys.stderr)
        return 2
    except VenueUnavailable as exc:
        print(f"tradeterm optimize: {exc}", file=sys.stderr)
        return 1
    if args.out is not None:
        _write(args, data)
    if args.json:
        print(json.dumps(data, allow_nan=False))
    else:
        print(render(data))
    return 0


def _search(args: argparse.Namespace) -> dict[str, Any]:
    from tradeterm.analysis.backtest.genetic import genetic_search
    from tradeterm.analysis.backtest.search import (
        Task,
        as_json,
        parse_space,
        points,
        run_points,
        walk_forward,
    )
    from tradeterm.analysis.backtest.tpe import optuna_search
    from tradeterm.domain.errors import ConfigError

    space: dict[str, list[Any]] = {k: [v] for k, v in params_of(args).items()}
    for text in args.space:
        name, values = parse_space(text)
        if name in space:
            raise ConfigError(f"{name} is given twice (--space and --param, or two --space)")
        space[name] = values
    if args.method == "grid" and args.trials is not None:
        raise ConfigError("--trials goes with --method random, genetic or optuna")
    todo, skipped = points(args.strategy, space, args.method, args.trials, args.random_seed)
    candles = load_candles(args)
    task = Task(args.strategy, args.fee, args.fill, args.objective)
    started = time.perf_counter()
    run = {"workers": args.workers, "cluster": args.cluster, "progress": _progress(started)}
    data: dict[str, Any] = {
        "strategy": args.strategy,
        "method": args.method,
        "objective": args.objective,
        "fee": args.fee,
        "fill": args.fill,
        "points": len(todo),
        "skipped": skipped,
    }

    def search(part: pd.DataFrame) -> list[Result]:
        if args.method not in ("genetic", "optuna"):
            return run_points(part, task, todo, **run)

        def batch(points: list[dict[str, Any]]) -> list[Result]:
            return run_points(part, task, points, **run)

        if args.method == "optuna":
            size = 1 if args.cluster is None and args.workers == 1 else max(2, args.workers)
            return optuna_search(space, todo, args.trials, args.random_seed, batch, size)
        return genetic_search(space, todo, args.trials, args.random_seed, batch)

    if args.walk_forward:
        found = walk_forward(candles, task, args.walk_forward, search)
        data["walk_forward"] = [_window_json(w) for w in found]
        data["pooled"] = _pooled(found)
        data["best"] = as_json(found[-1].best)
    else:
        results = search(candles)
        data["results"] = [as_json(r) for r in results]
        data["best"] = data["results"][0]
    data["evaluated"] = len(data["results"]) if "results" in data else len(todo)
    data["seconds"] = round(time.perf_counter() - started, 3)
    return data


def _window_json(window: Window) -> dict[str, Any]:
    from tradeterm.analysis.backtest.search import as_json

    return {
        "window": window.index,
        "in_sample": list(window.in_sample),
        "out_of_sample": list(window.out_of_sample),
        "best": as_json(window.best),
        "out": as_json(window.out),
    }


def _pooled(found: list[Window]) -> dict[str, Any]:
    """Out-of-sample parts chained: the equity multiple of trading each window's best point
    on its own out-of-sample candles, one after the other."""
    multiple = math.prod(1.0 + w.out.total_return for w in found)
    scores = [w.out.score for w in found if w.out.score is not None]
    return {
        "total_return": multiple - 1.0,
        "mean_score": sum(scores) / len(scores) if scores else None,
        "windows": len(found),
    }


def _cell(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:+.2f}%" if percent else f"{value:.3f}"


def _row(rank: str, result: Result | dict[str, Any]) -> str:
    r = result if isinstance(result, dict) else result.__dict__
    params = " ".join(f"{k}={v}" for k, v in r["params"].items())
    return (
        f"{rank:>4}  {params:<24} {_cell(r['score']):>9} {_cell(r['total_return'], True):>10} "
        f"{_cell(r['sharpe']):>9} {_cell(r['max_drawdown'], True):>9} {_cell(r['calmar']):>9} "
        f"{r['num_trades']:>7}"
    )


HEADER = (
    f"{'rank':>4}  {'params':<24} {'score':>9} {'return':>10} {'sharpe':>9} {'max dd':>9} "
    f"{'calmar':>9} {'trades':>7}"
)


def render(data: dict[str, Any]) -> str:
    """The search as text: what ran, then the top of the ranking or the windows."""
    lines = [
        f"{data['strategy']}: {data['method']} search of {data['points']} point(s) "
        f"({data['skipped']} refused by the parameter model), {data['evaluated']} evaluated, "
        f"objective {data['objective']}, {data['seconds']:.1f} s",
        "",
    ]
    if "walk_forward" in data:
        lines.append(f"{'window':>6}  out of sample")
        for window in data["walk_forward"]:
            start, end = window["out_of_sample"]
            lines.append(f"{window['window']:>6}  {start} .. {end}")
            lines.append(_row("in", window["best"]))
            lines.append(_row("out", window["out"]))
        pooled = data["pooled"]
        lines.append(
            f"pooled out of sample: return {_cell(pooled['total_return'], True)}, "
            f"mean {data['objective']} {_cell(pooled['mean_score'])} over {pooled['windows']} "
            "window(s)"
        )
        return "\n".join([lines[0], "", HEADER, *lines[2:]])
    lines.append(HEADER)
    lines.extend(_row(str(i), r) for i, r in enumerate(data["results"][:SHOWN], 1))
    if len(data["results"]) > SHOWN:
        lines.append(f"      ({len(data['results']) - SHOWN} more with --json)")
    return "\n".join(lines)


def _write(args: argparse.Namespace, data: dict[str, Any]) -> None:
    import tomli_w

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    best = data["best"]["params"]
    name = args.strategy + "-" + "-".join(str(v) for v in best.values())
    values = ", ".join(
        f"{k} = {tomli_w.dumps({'v': v}).split('=', 1)[1].strip()}" for k, v in best.items()
    )
    text = (
        f"# best {data['objective']} of a {data['method']} search ({data['points']} points)\n"
        '# Add account = "..." and instrument = "BASE/QUOTE@venue" to run it.\n'
        f"[[strategies]]\n{tomli_w.dumps({'name': name, 'kind': args.strategy})}"
        f"params = {{ {values} }}\n"
    )
    (args.out / "strategy.toml").write_text(text, encoding="utf-8")
