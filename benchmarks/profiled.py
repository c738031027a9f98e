"""Run a program under cProfile switched on and off by signals: what ``bench_venue_stream
--profile`` uses to profile the workstation over its measuring window only.

``python benchmarks/profiled.py OUT SCRIPT|-m MODULE ARGS...``: runs the script (or
``python -m MODULE``) with its arguments; SIGUSR1 starts profiling the main thread (the
asyncio loop the app and the feeds run on), SIGUSR2 stops it and writes the stats to
``OUT`` (``pstats`` format).
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
from types import FrameType

profiler = cProfile.Profile()


def start(_signum: int, _frame: FrameType | None) -> None:
    profiler.enable()


def stop(_signum: int, _frame: FrameType | None) -> None:
    profiler.disable()
    profiler.dump_stats(OUT)


if __name__ == "__main__":
    OUT, *rest = sys.argv[1:]
    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    if rest[0] == "-m":
        sys.argv = [rest[1], *rest[2:]]
        runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = rest
        runpy.run_path(rest[0], run_name="__main__")
