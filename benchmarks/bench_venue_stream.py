"""The workstation's CPU on a live native Binance feed at a known message rate: the whole
tradeterm process (feed, engine, panes drawing at their usual frame rate) in a real terminal,
measured from outside.

Run: ``python benchmarks/bench_venue_stream.py [--quick] [--trees SRC ...]``. The 20-symbol
local Binance of ``bench_venue_start`` (``binance_venue_server.py``, its own process) sends
its stream at a fixed rate; tradeterm runs in a 120x40 pseudo-terminal on a paper account on
that venue. Once the first book is on screen and the snapshots are in (``SETTLE_S``), the
process's user + system CPU is read over ``WINDOW_S`` seconds, with the messages the server
sent meanwhile: CPU % of one core, and microseconds of CPU a message (everything the process
does, drawing included, over the messages). Cases: the capture's own rate (about 760
messages a second: what 20 busy symbols send; measured ~660), stress rates of depth diffs
only and of depth + trades (the server sends what it can: the rate printed is the rate
sent), and an idle stream (the workstation's own cost, to subtract). ``compression`` is the
feed's default towards 127.0.0.1 (none) unless the case says ``deflate``.

``--trees`` runs every case once per source tree (``PYTHONPATH``), alternating, ``--runs``
times, and prints each tree's medians: a before/after comparison in one run.

``--headless`` also runs each case without the screen (``headless_venue.py``: the same
session, feed, engine and workers, no app), alternating with the workstation: the
difference is the UI's share. ``--profile DIR`` writes a cProfile of the measuring window
(``profiled.py``: switched on and off by signals) per run to DIR; the CPU figures of a
profiled run are inflated by the profiler.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from terminal import TerminalRun  # noqa: E402

SETTLE_S = 3.0
"""Seconds after the first book before measuring: the 20 snapshots and candle backfills."""
WINDOW_S = 8.0


@dataclass(frozen=True)
class Case:
    label: str
    rate: float | None  # None: the capture's own rate
    depth_only: bool = False
    compression: str | None = None  # None: the feed's default (none towards 127.0.0.1)
    seconds: float = 345.0  # of the capture: all of it
    server_deflate: bool = True  # False: the server declines deflate (any client streams plain)


CASES = [
    Case("capture rate (~760 msg/s), depth + trades", None, seconds=60.0),
    Case("capture rate (~760 msg/s), depth + trades, deflate", None, False, "deflate", 60.0),
    Case("5,000 depth msg/s", 5000.0, depth_only=True),
    Case("10,000 msg/s, depth + trades", 10000.0),
    Case("idle: 10 msg/s, depth + trades (the drawing's own cost)", 10.0, seconds=60.0),
    Case("3,000 depth msg/s, server declines deflate", 3000.0, True, server_deflate=False),
]


class Venue:
    """The local Binance at ``case``'s rate, and a config pointing tradeterm at it."""

    def __init__(self, home: Path, case: Case) -> None:
        from binance_venue_server import SYMBOLS

        args = ["--seconds", str(case.seconds)]
        if case.rate is not None:
            args += ["--rate", str(case.rate)]
        if case.depth_only:
            args.append("--depth-only")
        if not case.server_deflate:
            args.append("--no-deflate")
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "binance_venue_server.py"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        port = int(self.proc.stdout.readline())
        symbols = ", ".join(f'"{s}"' for s in SYMBOLS)
        compression = f'compression = "{case.compression}"\n' if case.compression else ""
        self.config = home / "binance.toml"
        self.config.write_text(
            f'[general]\ndata_dir = "{home / "data"}"\n\n'
            f'[venues.binance]\nexchange = "binance"\nsymbols = [{symbols}]\n{compression}\n'
            f"[venues.binance.ccxt.urls.api]\n"
            f'public = "http://127.0.0.1:{port}/api/v3"\n'
            f'ws = {{ spot = "ws://127.0.0.1:{port}/ws" }}\n\n'
            f'[[accounts]]\nname = "bn-paper"\nvenue = "binance"\nmode = "paper"\n'
            f'balances = {{ USDT = "10000" }}\n',
            encoding="utf-8",
        )

    def sent(self) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline().split()[0])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


def measure(
    case: Case, tree: str | None, headless: bool = False, profile: Path | None = None
) -> tuple[float, float, float]:
    """(messages a second sent, CPU % of one core, CPU microseconds a message) over the window;
    ``headless``: the session without the screen; ``profile``: cProfile the window into it."""
    home = Path(tempfile.mkdtemp(prefix="tradeterm-bench-stream-"))
    venue = Venue(home, case)
    saved = dict(os.environ)
    args = ["--config", str(venue.config)]
    script = HERE / "headless_venue.py" if headless else None
    if profile is not None:
        args = [str(profile), *([str(script)] if script else ["-m", "tradeterm"]), *args]
        script = HERE / "profiled.py"
    try:
        if tree is not None:
            os.environ["PYTHONPATH"] = tree
        with TerminalRun(args, script=script) as run:
            run.wait_for(b"spread", timeout=60)
            time.sleep(SETTLE_S)
            if profile is not None:
                os.kill(run.proc.pid, signal.SIGUSR1)
            sent, cpu, began = venue.sent(), run.cpu_seconds(), time.perf_counter()
            time.sleep(WINDOW_S)
            sent, cpu = venue.sent() - sent, run.cpu_seconds() - cpu
            wall = time.perf_counter() - began
            if profile is not None:
                os.kill(run.proc.pid, signal.SIGUSR2)
                time.sleep(1.0)  # the stats written
            if run.proc.poll() is not None:
                raise RuntimeError("tradeterm exited while streaming")
    finally:
        os.environ.clear()
        os.environ.update(saved)
        venue.close()
        shutil.rmtree(home, ignore_errors=True)
    return sent / wall, 100.0 * cpu / wall, cpu / max(sent, 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of the first case")
    parser.add_argument("--trees", nargs="*", default=None, help="source trees to alternate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="*", type=int, default=None, help="case numbers")
    parser.add_argument("--headless", action="store_true", help="also without the screen")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile runs into DIR")
    args = parser.parse_args()
    trees: list[str | None] = list(args.trees) if args.trees else [None]
    kinds = [False, True] if args.headless else [False]
    cases = [CASES[i] for i in args.cases] if args.cases is not None else CASES
    if args.quick:
        cases, args.runs = cases[:1], 1
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    for number, case in enumerate(cases):
        runs: dict[tuple[str | None, bool], list[tuple[float, float, float]]] = {
            (t, k): [] for t in trees for k in kinds
        }
        for turn in range(args.runs):
            for (tree, headless), rows in runs.items():
                profile = None
                if args.profile is not None:
                    name = f"{number}-{trees.index(tree)}-{int(headless)}-{turn}"
                    profile = args.profile / f"{name}.pstats"
                rows.append(measure(case, tree, headless, profile))
        for (tree, headless), rows in runs.items():
            rate, percent, us = (statistics.median(column) for column in zip(*rows, strict=True))
            where = f" [{tree}]" if tree else ""
            what = "session without the screen" if headless else "workstation"
            print(
                f"{what} on native binance, {case.label}{where}: {percent:.0f} % of a core "
                f"at {rate:,.0f} msg/s sent ({us:.0f} us CPU a message, everything included; "
                f"median of {len(rows)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
