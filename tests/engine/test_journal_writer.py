"""The journal writer's commit at once: a command's record is durable before ``submit``
returns when nothing is in flight, joins the batch in order when something is, and a failed
write stops trading with a FatalError instead of leaving the caller waiting."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tradeterm.domain.errors import FatalError
from tradeterm.engine.ledger import Ledger, Record
from tradeterm.engine.writer import JournalWriter


def record(n: int) -> Record:
    return Record(n, "paper", "placed", f"tt{n}", "{}")


def on_disk(path: Path) -> list[str | None]:
    """Client ids in the file, read through a connection of its own."""
    reader = Ledger(path)
    try:
        return [r.client_id for r in reader.records()]
    finally:
        reader.close()


async def test_at_once_commits_and_acknowledges_before_submit_returns(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    writer = JournalWriter(Ledger(path))
    seen_on_ack: list[list[str | None]] = []

    writer.submit([record(1)], lambda: seen_on_ack.append(on_disk(path)), at_once=True)

    assert seen_on_ack == [["tt1"]]  # acknowledged already, and only once it was on disk
    assert writer.batches == 1


async def test_at_once_waits_its_turn_behind_a_batch_in_flight(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    writer = JournalWriter(Ledger(path))
    acked: list[int] = []

    writer.submit([record(1)], lambda: acked.append(1))  # a venue event: to the thread
    writer.submit([record(2)], lambda: acked.append(2), at_once=True)
    assert acked == []  # not committed ahead of the batch in flight

    await writer.drain()
    assert acked == [1, 2]
    assert on_disk(path) == ["tt1", "tt2"]


async def test_a_failed_commit_at_once_raises_and_stops_trading(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    writer = JournalWriter(Ledger(path))
    other = sqlite3.connect(path)
    other.execute("DROP TABLE journal")  # the disk no longer takes the record
    other.commit()
    other.close()
    acked: list[int] = []

    with pytest.raises(FatalError, match="could not be written"):
        writer.submit([record(1)], lambda: acked.append(1), at_once=True)
    assert acked == []  # nothing acknowledged that is not on disk
    with pytest.raises(FatalError):
        writer.submit([record(2)], lambda: acked.append(2))
