"""The book write path's four throughput figures, in CPU time, for comparing two builds of
tradeterm (e.g. pure Python vs mypyc-compiled) side by side, and their profiles.

Figures (each run in its own process, so the build is whatever ``PYTHONPATH`` selects):

- ``wire``: native Binance depth messages per client CPU-second over a local websocket
  (``bench_binance_feed.over_the_wire("native", ...)``; aim 40,000);
- ``onmsg``: the same capture's depth frames handed to ``BinanceFeed.on_message`` into the
  engine, no socket (messages per CPU-second);
- ``verify``: ``replay --verify`` on the two Binance spot captures (events per CPU-second;
  aim 100,000);
- ``feed``: ``ReplayFeed`` -> ``Engine`` on the same captures (events per CPU-second; aim
  100,000);
- ``eventbt``: the deterministic driver with the market maker on the 2024-08-08 capture
  (events per CPU-second; aim 200,000).

Usage::

    python benchmarks/hot_path.py --builds pure=src compiled=/tmp/build/src [--runs 3]
    python benchmarks/hot_path.py --profile verify   # top 15 by tottime, and per module

Builds alternate run by run (pure, compiled, pure, ...) so machine load hits both alike;
each figure is the median of ``--runs`` CPU-time rates.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
AIMS = {"wire": 40_000, "onmsg": 40_000, "verify": 100_000, "feed": 100_000, "eventbt": 200_000}


def _wire() -> tuple[int, float]:
    from bench_binance_feed import over_the_wire

    count, cpu, _ = asyncio.run(over_the_wire("native", 100_000))
    return count, cpu


def _onmsg() -> tuple[int, float]:
    from bench_binance_feed import run

    return asyncio.run(run(with_engine=True, depth_only=True))


def _verify() -> tuple[int, float]:
    from bench_replay import SPOT, verify_once

    events, _, cpu = verify_once(SPOT)
    return events, cpu


def _feed() -> tuple[int, float]:
    from bench_replay import SPOT, feed_once

    events, _, cpu = feed_once(SPOT)
    return events, cpu


def _eventbt() -> tuple[int, float]:
    from bench_eventbt import one_capture_run

    cpu = time.process_time()
    result = one_capture_run(with_strategy=True)
    return int(str(result["messages"])), time.process_time() - cpu


FIGURES: dict[str, Callable[[], tuple[int, float]]] = {
    "wire": _wire,
    "onmsg": _onmsg,
    "verify": _verify,
    "feed": _feed,
    "eventbt": _eventbt,
}


def child(name: str, source: str) -> float:
    """One run of figure ``name`` in a fresh process with ``source`` first on the path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([source, str(HERE)]))
    out = subprocess.run(
        [sys.executable, __file__, "--child", name],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["rate"])


def profile(name: str, top: int) -> None:
    """cProfile one run: the top entries by tottime and the tottime each module owns."""
    profiler = cProfile.Profile()
    profiler.enable()
    events, _ = FIGURES[name]()
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    print(f"{name}: {events:,} events, {total:.2f} s tottime under cProfile")
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    print(f"{'tottime':>8} {'%':>5} {'calls':>10}  function")
    for (path, line, func), (_, calls, tottime, _, _) in rows:
        where = _short(path)
        print(f"{tottime:8.2f} {100 * tottime / total:5.1f} {calls:10,}  {where}:{line}({func})")
    modules: dict[str, float] = defaultdict(float)
    for (path, _, _), (_, _, tottime, _, _) in raw.items():
        modules[_module(path)] += tottime
    print("by module (tottime):")
    for module, tottime in sorted(modules.items(), key=lambda kv: kv[1], reverse=True)[:top]:
        print(f"{tottime:8.2f} {100 * tottime / total:5.1f}  {module}")


def _short(path: str) -> str:
    marker = "tradeterm/"
    return path[path.index(marker) :] if marker in path else Path(path).name


def _module(path: str) -> str:
    if "tradeterm/" in path:
        return path[path.index("tradeterm/") :]
    if path == "~":
        return "builtins (C)"
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/", maxsplit=1)[0]
    if "/lib/python" in path:
        return "stdlib " + Path(path).name
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", nargs="*", default=[], help="LABEL=SRC_DIR pairs")
    parser.add_argument("--figures", nargs="*", default=list(FIGURES), choices=list(FIGURES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", choices=list(FIGURES))
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--child", choices=list(FIGURES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        events, cpu = FIGURES[args.child]()
        print(json.dumps({"events": events, "cpu": cpu, "rate": events / cpu}))
        return 0
    if args.profile:
        profile(args.profile, args.top)
        return 0
    builds = dict(b.split("=", 1) for b in args.builds) or {"current": str(HERE.parent / "src")}
    for name in args.figures:
        rates: dict[str, list[float]] = {label: [] for label in builds}
        for _ in range(args.runs):
            for label, source in builds.items():
                rates[label].append(child(name, source))
        medians = {label: statistics.median(r) for label, r in rates.items()}
        first = next(iter(medians.values()))
        for label, rate in medians.items():
            runs = ", ".join(f"{r:,.0f}" for r in rates[label])
            print(
                f"{name} [{label}]: {rate:,.0f} /CPU-s  ({rate / first:.2f}x the first build; "
                f"{rate / AIMS[name]:.2f} of the aim {AIMS[name]:,}; runs {runs})",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
