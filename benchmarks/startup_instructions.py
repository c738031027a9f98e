"""Instructions from launch to tradeterm's first frame, counted by valgrind (cachegrind).

Run: ``python benchmarks/startup_instructions.py [--book] [--runs N] [-- TRADETERM ARGS]``.
Needs ``valgrind`` on PATH (Debian: ``apt install valgrind``); about 20 s per run.

Wall-clock start-up figures on a shared 2-core VM move by 20-30 % from run to run; the
instruction count mostly repeats exactly, with an occasional run a few per cent off (take
the median of three or more), so it is the figure to compare before and after a change to
the start path. It counts from the interpreter's start until the frame that draws
"Order book" (``--book``: the first frame with the ladder's spread row) has been written
to the terminal, in a 120x40 pty with a fresh data directory and bytecode cached.
Timers fire 50x more often per instruction under valgrind, so the book figure is only
comparable with itself. ``--bare`` also counts the bare Textual app of ``bare_textual.py`` to
its first frame, the yardstick of issue 17 (tradeterm's first frame at most 1.5x a bare
app's), and prints the ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TextIO


class _ExitOnFrame:
    """Textual writes frames to ``sys.__stderr__``: leave as soon as one shows ``needle``."""

    def __init__(self, stream: TextIO, needle: str) -> None:
        self._stream = stream
        self._needle = needle

    def write(self, data: str) -> int:
        written = self._stream.write(data)
        if self._needle in data:
            self._stream.flush()
            os._exit(0)
        return written

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


BARE = "--bare-app"


def _launch(needle: str, args: list[str]) -> None:
    """Inside the pty, under valgrind: run tradeterm as ``python -m tradeterm`` would (or the
    bare app, for ``BARE``)."""
    sys.__stderr__ = _ExitOnFrame(sys.__stderr__, needle)  # type: ignore
    if args == [BARE]:
        bare = Path(__file__).resolve().parent / "bare_textual.py"
        runpy.run_path(str(bare), run_name="__main__")
        return
    sys.argv = ["tradeterm", *args]
    runpy.run_module("tradeterm", run_name="__main__", alter_sys=True)


def count(needle: str, args: list[str]) -> int:
    """Instructions until ``needle`` is on screen, one run."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from terminal import tradeterm_env  # not in the launcher: its imports would be counted

    with tempfile.TemporaryDirectory(prefix="tradeterm-instr-") as home:
        env = {**tradeterm_env(home), "PYTHONHASHSEED": "0"}
        log = Path(home) / "valgrind.log"
        inner = " ".join(
            [
                "stty cols 120 rows 40;",
                "valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null",
                f"--log-file={log}",
                sys.executable,
                str(Path(__file__).resolve()),
                "--launch",
                repr(needle),
                *args,
            ]
        )
        subprocess.run(
            ["script", "-qc", inner, "/dev/null"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )
        found = re.search(r"I\s+refs:\s+([\d,]+)", log.read_text())
        if found is None:
            raise RuntimeError(f"valgrind reported no count; see {log}")
        return int(found.group(1).replace(",", ""))


def warm_up(args: list[str]) -> None:
    """One whole start, quit with "q" once its book is on screen: it writes the bytecode and
    what a start leaves for the next (``tradeterm/code_cache.py``), and warms the page cache.
    (A counted run leaves as soon as its frame is written, before that is saved.)"""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from terminal import TerminalRun

    with TerminalRun(args) as run:
        run.wait_for(b"spread", timeout=120)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--launch":
        _launch(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--book", action="store_true", help="count to the first book instead")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bare", action="store_true", help="also count a bare Textual app")
    parser.add_argument("args", nargs="*", help="tradeterm's arguments (after --)")
    options = parser.parse_args()
    needle = "spread" if options.book else "Order book"
    warm_up(options.args)
    counts = [count(needle, options.args) for _ in range(options.runs)]
    what = "first book" if options.book else "first frame"
    print(
        f"instructions to the {what}: {statistics.median(counts) / 1e6:,.0f} M"
        f"  (median of {options.runs}: {', '.join(f'{c / 1e6:,.0f}' for c in counts)})"
    )
    if options.bare:
        count("Order book", [BARE])
        bare = [count("Order book", [BARE]) for _ in range(options.runs)]
        base = statistics.median(bare)
        print(
            f"instructions to a bare Textual app's first frame: {base / 1e6:,.0f} M"
            f"  (median of {options.runs}); tradeterm's {what}: "
            f"{statistics.median(counts) / base:.2f}x"
        )


if __name__ == "__main__":
    main()
