"""kill -9 at random moments loses nothing that was acknowledged."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tradeterm.domain.enums import OrderStatus
from tradeterm.engine.accounts import AccountSpec
from tradeterm.engine.clock import SystemClock
from tradeterm.engine.engine import Engine
from tradeterm.engine.history import ledger_rows
from tradeterm.engine.ledger import Ledger
from tradeterm.venues.sim.feed import SimFeed

HERE = Path(__file__).resolve().parent
START = {"USDT": Decimal("100000"), "BTC": Decimal("1"), "ETH": Decimal("20")}
ORDER_RANK = {
    OrderStatus.SUBMITTED: 0,
    OrderStatus.EMULATED: 0,
    OrderStatus.OPEN: 1,
    OrderStatus.TRIGGERED: 2,
    OrderStatus.PENDING_AMEND: 3,
    OrderStatus.PARTIALLY_FILLED: 4,
    OrderStatus.PENDING_CANCEL: 5,
    OrderStatus.FILLED: 6,
    OrderStatus.CANCELED: 6,
    OrderStatus.EXPIRED: 6,
    OrderStatus.REJECTED: 6,
}


def run_and_kill(data_dir: Path, seed: int, after_s: float) -> list[str]:
    """Start the trader, let it trade for ``after_s`` after it is ready, SIGKILL it."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "crash_trader.py"), str(data_dir), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return kill_after(proc, ready_lines(proc), after_s)


def ready_lines(proc: subprocess.Popen[str]) -> list[str]:
    """What a crash trader printed until READY (restoring may acknowledge events before it:
    they count too); a trader that ends first fails the test with its stderr."""
    assert proc.stdout is not None
    lines: list[str] = []
    while (line := proc.stdout.readline().strip()) != "READY":
        if not line:
            proc.kill()
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"trader did not start: {err}")
        lines.append(line)
    return lines


def kill_after(proc: subprocess.Popen[str], lines: list[str], seconds: float) -> list[str]:
    """Let the trader run ``seconds`` more, SIGKILL it; ``lines`` plus all it printed."""
    assert proc.stdout is not None
    stdout = proc.stdout
    reader = threading.Thread(target=lambda: lines.extend(line.strip() for line in stdout))
    reader.start()
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join()  # everything it printed before dying was acknowledged too
    return lines


async def restored(data_dir: Path) -> Engine:
    clock = SystemClock()
    feed = SimFeed(clock, seed=1, rate=0, symbols=["BTC/USDT", "ETH/USDT"], history_minutes=30)
    engine = Engine(
        clock,
        feed,
        [AccountSpec("paper", balances=START, latency_ms=5)],
        ledger=Ledger(data_dir / "ledger.sqlite"),
    )
    engine.load_markets(list(await feed.load_markets()))
    from tradeterm.engine.restore import replay_ledger

    replay_ledger(engine)
    return engine


@pytest.mark.slow
async def test_sigkill_at_random_points_loses_nothing_acknowledged(tmp_path: Path) -> None:
    rng = random.Random(2024)
    acknowledged_fills: set[str] = set()
    last_status: dict[str, tuple[OrderStatus, Decimal]] = {}
    fired_orders: set[str] = set()
    for round_ in range(8):
        lines = run_and_kill(tmp_path, seed=100 + round_, after_s=rng.uniform(0.3, 1.0))
        for line in lines:
            kind, *fields = line.split()
            if kind == "FILL":
                acknowledged_fills.add(fields[0])
            elif kind == "ORDER":
                last_status[fields[0]] = (OrderStatus(fields[1]), Decimal(fields[2]))
        engine = await restored(tmp_path)
        account = engine.state.account
        ledger = engine.trading.ledger
        assert ledger is not None
        journaled = [row.fill for row in ledger_rows(ledger.records())]
        have_fills = {f.fill_id for f in journaled}
        lost = acknowledged_fills - have_fills
        assert not lost, f"acknowledged fills lost: {sorted(lost)[:5]}"
        for client_id, (status, filled) in last_status.items():
            order = account.orders.get(client_id)
            assert order is not None, f"acknowledged order {client_id} was lost"
            assert order.filled >= filled
            if status.is_final:
                assert order.status is status
            else:
                assert ORDER_RANK[order.status] >= ORDER_RANK[status] or order.status.is_final
        # nothing fires twice: one TRIGGERED record at most per order, across every restart
        triggers = Counter(r.client_id for r in ledger.records() if r.kind == "triggered")
        assert not [cid for cid, n in triggers.items() if n > 1], triggers.most_common(3)
        fired_orders |= set(triggers)
        # the restored books balance: every asset moved exactly by its fills, fees apart
        fills = journaled
        for asset in ("BTC", "ETH"):
            moved = sum(
                (
                    f.qty if f.side.value == "buy" else -f.qty
                    for f in fills
                    if f.symbol.startswith(asset + "/")
                ),
                Decimal(0),
            )
            fees = sum((f.fee for f in fills if f.fee_asset == asset), Decimal(0))
            assert account.balance(asset).total == START[asset] + moved - fees
        for balance in account.balances.values():
            assert balance.free >= 0 and balance.reserved >= 0
        engine.trading.ledger.close()  # type: ignore[union-attr]
    assert len(acknowledged_fills) > 20, "the trader should have traded a fair amount"
    assert fired_orders, "some trailing stops should have fired"
