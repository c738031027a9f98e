"""kill -9 at random moments while a TWAP parent runs (group commit on its thread, a clock
100 times wall time): each restart resumes the parent, no child is journaled twice, the
children never add up to more than the parent, and every child acknowledged is kept."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from test_crash import kill_after, ready_lines

from tradeterm.engine.journal import order_from_record
from tradeterm.engine.ledger import Ledger

HERE = Path(__file__).resolve().parent
TARGET = Decimal("2")


def _trader(data_dir: Path, session: str, wall0: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "algo_crash_trader.py"), str(data_dir), session, str(wall0)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


def _lines(
    proc: subprocess.Popen[str], kill_after_s: float | None, wait_for: str = ""
) -> list[str]:
    """What the trader printed until it was killed ``kill_after_s`` after READY (or, with
    ``wait_for``, until it printed a line starting so, 30 s at most)."""
    assert proc.stdout is not None
    lines = ready_lines(proc)
    if kill_after_s is None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline().strip()
            lines.append(line)
            if line.startswith(wait_for):
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return lines
    return kill_after(proc, lines, kill_after_s)


def _journal(data_dir: Path) -> tuple[Counter[str], Decimal, Counter[str]]:
    """Placed records per child of A1, the children's total, and the parent's records."""
    ledger = Ledger(data_dir / "ledger.sqlite")
    try:
        placed: Counter[str] = Counter()
        total = Decimal(0)
        parents: Counter[str] = Counter()
        for rec in ledger.records():
            if rec.kind == "placed" and '"tag":"A1"' in rec.payload:
                placed[rec.client_id or ""] += 1
                total += order_from_record(rec.payload).qty
            elif rec.client_id == "A1":
                parents[rec.kind] += 1
        return placed, total, parents
    finally:
        ledger.close()


@pytest.mark.slow
def test_sigkill_while_a_twap_runs_never_sends_a_child_twice(tmp_path: Path) -> None:
    rng = random.Random(15)
    wall0 = time.time()
    acknowledged: set[str] = set()
    sessions: set[str] = set()
    for round_ in range(6):
        proc = _trader(tmp_path, f"k{round_}-", wall0)
        lines = _lines(proc, kill_after_s=rng.uniform(0.3, 1.2))
        acknowledged |= {line.split()[1] for line in lines if line.startswith("CHILD")}
        placed, total, parents = _journal(tmp_path)
        assert parents["algo"] == 1, parents  # started once, resumed after
        assert set(placed.values()) <= {1}, placed.most_common(3)
        lost = acknowledged - set(placed)
        assert not lost, f"acknowledged children lost: {sorted(lost)}"
        assert total <= TARGET
        sessions |= {cid.removeprefix("tt").split("-")[0] for cid in placed}
    # the last session runs until the parent ends
    lines = _lines(_trader(tmp_path, "end-", wall0), None, wait_for="ALGO")
    placed, total, parents = _journal(tmp_path)
    assert set(placed.values()) == {1}
    assert len(sessions) >= 3, sessions  # children came from several lives of the parent
    assert any(line.startswith("ALGO") for line in lines), lines[-5:]
    if "ALGO done" in lines:  # every slice went: exactly the parent, not a lot more
        assert total == TARGET
    else:
        assert "ALGO expired" in lines and total < TARGET
