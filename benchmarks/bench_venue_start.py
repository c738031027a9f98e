"""Start-up on a real venue measured from outside: first frame, first book and peak RSS of the
workstation on a paper account on Binance (native feed, 20 USDT symbols, markets from the
cache), with the same start on the sim in the same run.

Run: ``python benchmarks/bench_venue_start.py [--quick] [--against SRC]``. A local Binance
(``binance_venue_server.py``, its own process) serves exchangeInfo, depth snapshots, klines
and a live depth@100ms + trade stream for the 20 symbols on 127.0.0.1; tradeterm runs in a
real pseudo-terminal (120x40) as a user starts it, with a config whose first account is a
paper account on that venue. One untimed start fills the markets cache (and, as a user's
first start does, the candle store and the bytecode caches); then each timed start runs
until the first book (the ladder's "spread" row) and streams for 10 s before its peak RSS is
read; the CPU seconds the process had used by the first book are printed too (on a shared
machine the wall times follow its load). The aims are issue 13's: first book under 1 s and
peak RSS under 120 MB. A last start reports the modules the process loaded: on native feeds
ccxt must not be one of them.

``--against SRC`` (the ``src`` folder of another checkout, e.g. ``git archive`` of main)
measures a before/after instead: timed Binance starts alternate between that tree and this
one on the same local venue, and both medians are printed with the load average seen.
"""

from __future__ import annotations

import atexit
import os
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import figure  # noqa: E402
from terminal import TerminalRun  # noqa: E402

AIM_BOOK_S = 1.0
AIM_RSS_MB = 120.0
"""Issue 13: start-up to first book on a real venue under 1 s, peak RSS under 120 MB."""
STREAM_S = 10.0
"""Seconds of streaming after the first book before the peak RSS is read."""
LAUNCH = "--launch-listing-modules"
"""Run tradeterm in this process and write the modules it loaded to the file that follows."""


def launch(listing: str, args: list[str]) -> None:
    """``python -m tradeterm ARGS``, writing ``sorted(sys.modules)`` to ``listing`` at exit."""

    def write() -> None:
        Path(listing).write_text("\n".join(sorted(sys.modules)), encoding="utf-8")

    atexit.register(write)
    sys.argv = ["tradeterm", *args]
    runpy.run_module("tradeterm", run_name="__main__", alter_sys=True)


class Venue:
    """The local Binance, in a process of its own, and a config pointing tradeterm at it."""

    def __init__(self, home: Path) -> None:
        from binance_venue_server import SYMBOLS  # (not in the process that lists its modules)

        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "binance_venue_server.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.rates: list[float] = []
        """Messages a second sent while each timed start streamed."""
        port = int(self.proc.stdout.readline())
        api = f"http://127.0.0.1:{port}/api/v3"
        symbols = ", ".join(f'"{s}"' for s in SYMBOLS)
        self.config = home / "binance.toml"
        self.config.write_text(
            f'[general]\ndata_dir = "{home / "data"}"\n\n'
            f'[venues.binance]\nexchange = "binance"\nsymbols = [{symbols}]\n\n'
            f"[venues.binance.ccxt.urls.api]\n"
            f'public = "{api}"\nws = {{ spot = "ws://127.0.0.1:{port}/ws" }}\n\n'
            f'[[accounts]]\nname = "bn-paper"\nvenue = "binance"\nmode = "paper"\n'
            f'balances = {{ USDT = "10000" }}\n',
            encoding="utf-8",
        )

    def counts(self) -> tuple[int, int, int, int]:
        """(frames sent, depth snapshots served, klines pages served, connections) so far."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        sent, depth, klines, connections = map(int, self.proc.stdout.readline().split())
        return sent, depth, klines, connections

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


def start(
    args: list[str], stream_s: float, venue: Venue | None = None
) -> tuple[float, float, float, float]:
    """One start: seconds to the first frame and to the first book, the CPU seconds the
    process had used by the first book, and the peak RSS in MB after ``stream_s`` seconds
    more (over which ``venue`` counts the messages it sent)."""
    with TerminalRun(args) as run:
        frame, book = run.wait_for(b"Order book"), run.wait_for(b"spread")
        cpu = run.cpu_seconds()
        before = venue.counts()[0] if venue is not None else 0
        began = time.perf_counter()
        time.sleep(stream_s)
        if venue is not None:
            venue.rates.append((venue.counts()[0] - before) / (time.perf_counter() - began))
        return frame, book, cpu, run.peak_rss_mb()


def aim(what: str, value: float, limit: float, unit: str) -> None:
    verdict = "aim met" if value < limit else "MISSED"
    print(f"{verdict}: {what} {value:.3g} {unit} (aim: < {limit:g} {unit})", flush=True)


def report(
    label: str, starts: list[tuple[float, float, float, float]], stream_s: float = STREAM_S
) -> tuple[float, float]:
    frame, book, cpu, rss = (statistics.median(column) for column in zip(*starts, strict=True))
    note = f"median of {len(starts)}"
    figure(f"{label}: start to first frame", frame, "s", note)
    figure(f"{label}: start to first book on screen", book, "s", note)
    figure(
        f"{label}: CPU used by the first book",
        cpu,
        "s",
        f"{note}; user + system, the figure a loaded machine disturbs least",
    )
    figure(f"{label}: peak RSS after {stream_s:g} s of streaming", rss, "MB", note)
    return book, rss


def on_binance(home: Path, timed: int) -> None:
    venue = Venue(home)
    try:
        args = ["--config", str(venue.config)]
        start(args, 3.0)  # untimed: fills the markets cache, the candle store, bytecode
        if not (home / "data" / "markets" / "binance-exchangeInfo.json").exists():
            print("MISSED: the first start left no markets cache", flush=True)
        starts = [start(args, STREAM_S, venue) for _ in range(timed)]
        sent, depth, klines, connections = venue.counts()
        book, rss = report("binance, 20 symbols, native feed", starts)
        figure(
            "  stream while streaming",
            statistics.median(venue.rates),
            "messages/s",
            f"depth diffs and trades, median of {timed}; in all {sent:,} messages, "
            f"{depth} depth snapshots, {klines} klines pages served over {connections} starts",
        )
        aim("binance start to first book", book, AIM_BOOK_S, "s")
        aim("binance peak RSS", rss, AIM_RSS_MB, "MB")
        listing = home / "modules.txt"
        with TerminalRun([LAUNCH, str(listing), *args], script=Path(__file__)) as run:
            run.wait_for(b"spread")
        loaded = listing.read_text(encoding="utf-8").split()
        heavy = sorted(m for m in loaded if m.split(".")[0] in ("ccxt", "aiohttp"))
        print(
            f"modules loaded on binance: {len(loaded)}; "
            + (f"MISSED: ccxt/aiohttp loaded ({', '.join(heavy[:5])})" if heavy else "no ccxt"),
            flush=True,
        )
    finally:
        venue.close()


def against(home: Path, timed: int, other: Path) -> None:
    """Alternate timed Binance starts between ``other`` (a ``src`` folder) and this tree."""
    trees = {"before": str(other.resolve()), "after": str(HERE.parent / "src")}
    venue = Venue(home)
    starts: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in trees}
    loads: list[float] = []
    try:
        args = ["--config", str(venue.config)]
        for src in trees.values():  # untimed: the cache, the candle store, bytecode
            os.environ["PYTHONPATH"] = src
            start(args, 3.0)
        for i in range(timed):
            order = list(trees.items())
            for name, src in order if i % 2 == 0 else order[::-1]:
                os.environ["PYTHONPATH"] = src
                starts[name].append(start(args, 3.0))
                loads.append(os.getloadavg()[0])
    finally:
        venue.close()
    for name, src in trees.items():
        report(f"binance, 20 symbols, {name} ({src})", starts[name], 3.0)
    print(f"load average (1 min) over the starts: {min(loads):.1f}-{max(loads):.1f}", flush=True)


def on_sim(timed: int) -> None:
    start([], 0.0)  # untimed, as above
    report("sim (default config)", [start([], STREAM_S) for _ in range(timed)])


def main() -> None:
    if sys.argv[1:2] == [LAUNCH]:
        launch(sys.argv[2], sys.argv[3:])
        return
    timed = 1 if "--quick" in sys.argv else 3
    home = Path(tempfile.mkdtemp(prefix="tradeterm-bench-venue-"))
    try:
        if "--against" in sys.argv:
            against(home, max(timed, 4), Path(sys.argv[sys.argv.index("--against") + 1]))
            return
        on_binance(home, timed)
        on_sim(timed)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
