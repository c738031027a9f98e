"""The workstation measured from outside: first frame, memory, idle and busy CPU.

Run: ``python benchmarks/bench_app.py [--quick]``. tradeterm runs in a real
pseudo-terminal (120x40, every pane visible) exactly as a user starts it.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure
from terminal import TerminalRun

TWENTY = [
    "BTC/USDT",
    "ETH/USDT",
    "SOL/USDT",
    "BNB/USDT",
    "XRP/USDT",
    "ADA/USDT",
    "DOGE/USDT",
    "AVAX/USDT",
    "DOT/USDT",
    "LINK/USDT",
    "LTC/USDT",
    "TRX/USDT",
    "ATOM/USDT",
    "NEAR/USDT",
    "APT/USDT",
    "ARB/USDT",
    "OP/USDT",
    "UNI/USDT",
    "FIL/USDT",
    "SUI/USDT",
]


BARE_APP = Path(__file__).with_name("bare_textual.py")


def first_frame(runs: int) -> None:
    """Runs alternate between tradeterm and a bare Textual app (the yardstick the issue
    names), after one discarded start of each that writes bytecode and warms the caches.

    tradeterm's first frame is the workstation's frame: the status bar, the panes' borders
    and titles, and the keys; the market and the panes' contents are built behind it
    (ui/app.py), so the first book is the figure for what the user can act on."""
    frames, data, live, bare = [], [], [], []
    for i in range(runs + 1):
        with TerminalRun([]) as run:
            frame, book = run.wait_for(b"Order book"), run.wait_for(b"spread")
            connected = run.wait_for(b"connected")  # the status bar: the market moves
        with TerminalRun([], script=BARE_APP) as run:
            bare_frame = run.wait_for(b"Order book")
        if i:
            frames.append(frame)
            data.append(book)
            live.append(connected)
            bare.append(bare_frame)
    note = f"median of {runs}"
    figure("cold start to first frame", statistics.median(frames), "s", note)
    figure("cold start to first book on screen", statistics.median(data), "s", note)
    figure("cold start to a moving market (feed connected)", statistics.median(live), "s", note)
    figure("a bare Textual app's first frame, same runs", statistics.median(bare), "s", note)


def idle_and_busy(quick: bool) -> None:
    idle_s, busy_s = (3.0, 5.0) if quick else (10.0, 20.0)
    run = TerminalRun(["--rate", "0"])
    try:
        run.wait_for(b"spread")
        run.cpu_percent(2.0)
        figure(
            "idle CPU, market paused",
            run.cpu_percent(idle_s),
            "% of a core",
            f"over {idle_s:.0f} s",
        )
    finally:
        run.close()
    run = TerminalRun([])
    try:
        run.wait_for(b"spread")
        run.cpu_percent(2.0)
        figure(
            "idle CPU, calm sim market (40 updates/s)",
            run.cpu_percent(idle_s),
            "% of a core",
            f"over {idle_s:.0f} s",
        )
        figure("peak RSS after start", run.peak_rss_mb(), "MB")
    finally:
        run.close()
    config = Path(run.home) / "busy.toml"
    symbols = ", ".join(f'"{s}"' for s in TWENTY)
    config.write_text(f"[sim]\nrate = 1000.0\nsymbols = [{symbols}]\n")
    run = TerminalRun(["--config", str(config)], cols=120, rows=40)
    try:
        run.wait_for(b"spread")
        run.cpu_percent(2.0)
        figure(
            "CPU with the sim at 1,000 book updates/s, 20 symbols, 120x40",
            run.cpu_percent(busy_s),
            "% of a core",
            f"over {busy_s:.0f} s",
        )
        figure("peak RSS under that feed", run.peak_rss_mb(), "MB")
    finally:
        run.close()


def main() -> None:
    quick = "--quick" in sys.argv
    first_frame(3 if quick else 7)
    idle_and_busy(quick)


if __name__ == "__main__":
    main()
