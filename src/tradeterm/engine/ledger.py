"""The ledger: an append-only SQLite journal (WAL, fsync on commit) of orders and executions.

Every record is committed durably before the engine acknowledges it, so a
``kill -9`` at any moment loses nothing the user saw. Restarting replays the
journal into fresh account state. Writes are batched: everything that arrives
while one commit is in flight goes into the next (group commit).

Schema (version 1)::

    meta(key TEXT PRIMARY KEY, value TEXT)          -- schema_version, created_ns
    journal(seq INTEGER PRIMARY KEY,                -- order of events, gap-free
            ts_ns INTEGER, account TEXT,
            kind TEXT,                              -- placed, accepted, filled, canceled,
                                                    -- amended, rejected, expired,
                                                    -- triggered, reset
            client_id TEXT, payload TEXT)           -- JSON, Decimals as strings
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tradeterm.domain.errors import FatalError

log = logging.getLogger("tradeterm.engine.ledger")

SCHEMA_VERSION = 1

_MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE journal(
            seq INTEGER PRIMARY KEY,
            ts_ns INTEGER NOT NULL,
            account TEXT NOT NULL,
            kind TEXT NOT NULL,
            client_id TEXT,
            payload TEXT NOT NULL
        );
        CREATE INDEX journal_by_account ON journal(account, seq);
    """,
}


@dataclass(frozen=True, slots=True)
class Record:
    ts_ns: int
    account: str
    kind: str
    client_id: str | None
    payload: str
    seq: int = 0


class Ledger:
    """The journal file. Thread-safe: one writer at a time, readers see committed data."""

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise FatalError(f"the ledger {path} cannot be opened: {exc}") from None
        self._lock = threading.Lock()
        self.writes = 0

    def _migrate(self) -> None:
        db = self._db
        has_meta = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        version = 0
        if has_meta:
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise FatalError(
                f"the ledger {self.path} has schema version {version}, newer than this "
                f"tradeterm understands ({SCHEMA_VERSION}); upgrade tradeterm"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            db.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, _MIGRATIONS[target].split(";")):
                db.execute(statement)
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)",
                (str(target),),
            )
            db.execute("COMMIT")
            log.info("ledger %s migrated to schema %d", self.path, target)

    @property
    def schema_version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0])

    def append(self, records: Sequence[Record]) -> None:
        """Write ``records`` in one transaction; when this returns they are on disk.

        Raises:
            FatalError: the write failed; nothing of the batch was written.
        """
        if not records:
            return
        rows = [(r.ts_ns, r.account, r.kind, r.client_id, r.payload) for r in records]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT INTO journal(ts_ns, account, kind, client_id, payload) "
                    "VALUES(?, ?, ?, ?, ?)",
                    rows,
                )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise FatalError(f"the ledger {self.path} could not be written: {exc}") from None
            self.writes += len(rows)

    def records(self, account: str | None = None) -> Iterator[Record]:
        """Every record in journal order (of one account, if given)."""
        query = "SELECT ts_ns, account, kind, client_id, payload, seq FROM journal"
        params: tuple[str, ...] = ()
        if account is not None:
            query += " WHERE account = ?"
            params = (account,)
        for row in self._db.execute(query + " ORDER BY seq", params):
            yield Record(*row)

    def close(self) -> None:
        with self._lock:
            self._db.close()
