"""Run tradeterm's benchmarks and print their figures: ``python benchmarks/run.py [name ...]``.

Each ``bench_<name>.py`` in this folder is run in its own Python process (so
start-up, memory and CPU figures are not disturbed by the others) and prints
its own figures as ``name: value unit  (note)`` lines. ``--quick`` asks each
one for a shorter run (for CI smoke checks); published figures come from full runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {names}")
    parser.add_argument("--quick", action="store_true", help="shorter runs, rougher figures")
    args = parser.parse_args()
    chosen = args.names or names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {names}")
    failed = 0
    for name in chosen:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        cmd = [sys.executable, str(HERE / f"bench_{name}.py")] + (["--quick"] if args.quick else [])
        result = subprocess.run(cmd, check=False)
        failed += result.returncode != 0
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
