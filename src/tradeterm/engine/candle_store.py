"""The candle store: candles per (venue, symbol, timeframe) cached in SQLite, exact as text.

A sibling of the ledger (``candles.sqlite`` in the data directory): losing it
loses nothing that cannot be fetched again, so it commits without fsync.

Schema (version 1)::

    meta(key TEXT PRIMARY KEY, value TEXT)               -- schema_version
    candles(venue, symbol, timeframe, ts_ms,              -- the bar's open time
            open, high, low, close, volume TEXT,          -- Decimals as text
            PRIMARY KEY (venue, symbol, timeframe, ts_ms)) WITHOUT ROWID
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.errors import FatalError
from tradeterm.domain.market_data import Candle
from tradeterm.domain.resample import timeframe_ms

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candles(
    venue TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, ts_ms INTEGER NOT NULL,
    open TEXT NOT NULL, high TEXT NOT NULL, low TEXT NOT NULL, close TEXT NOT NULL,
    volume TEXT NOT NULL,
    PRIMARY KEY (venue, symbol, timeframe, ts_ms)
) WITHOUT ROWID
"""


class CandleStore:
    """Read and write cached candles. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(statement)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO meta VALUES('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
            elif int(row[0]) > SCHEMA_VERSION:
                raise FatalError(f"candle store {path} is from a newer tradeterm")
        except sqlite3.DatabaseError as exc:
            raise FatalError(f"the candle store {path} cannot be opened: {exc}") from None
        self._lock = threading.Lock()

    def put(self, venue: str, symbol: str, timeframe: str, candles: Iterable[Candle]) -> int:
        """Insert or replace candles (a newer copy of a bar replaces the older); returns count."""
        rows = [
            (
                venue,
                symbol,
                timeframe,
                c.ts_ms,
                str(c.open),
                str(c.high),
                str(c.low),
                str(c.close),
                str(c.volume),
            )
            for c in candles
        ]
        if not rows:
            return 0
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO candles VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            self._db.execute("COMMIT")
        return len(rows)

    def get(
        self,
        venue: str,
        symbol: str,
        timeframe: str,
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> list[Candle]:
        """Stored candles with ``since_ms <= ts_ms < until_ms``, oldest first."""
        query = (
            "SELECT ts_ms, open, high, low, close, volume FROM candles "
            "WHERE venue=? AND symbol=? AND timeframe=? AND ts_ms>=? AND ts_ms<?"
            " ORDER BY ts_ms"
        )
        args = (venue, symbol, timeframe, since_ms or 0, until_ms or 2**62)
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return [
            Candle(ts, Decimal(o), Decimal(h), Decimal(lo), Decimal(c), Decimal(v))
            for ts, o, h, lo, c, v in rows
        ]

    def span(self, venue: str, symbol: str, timeframe: str) -> tuple[int, int] | None:
        """(first, last) stored open times, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(ts_ms), MAX(ts_ms) FROM candles WHERE venue=? AND symbol=? "
                "AND timeframe=?",
                (venue, symbol, timeframe),
            ).fetchone()
        return None if row[0] is None else (row[0], row[1])

    def gaps(
        self, venue: str, symbol: str, timeframe: str, since_ms: int, until_ms: int
    ) -> list[tuple[int, int]]:
        """Missing bars in ``[since_ms, until_ms)`` as (first missing, next present) ranges."""
        step = timeframe_ms(timeframe)
        start = since_ms - since_ms % step
        with self._lock:
            stamps = [
                ts
                for (ts,) in self._db.execute(
                    "SELECT ts_ms FROM candles WHERE venue=? AND symbol=? AND timeframe=? "
                    "AND ts_ms>=? AND ts_ms<? ORDER BY ts_ms",
                    (venue, symbol, timeframe, start, until_ms),
                )
            ]
        return missing_ranges(stamps, start, until_ms, step)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def missing_ranges(stamps: Sequence[int], start: int, end: int, step: int) -> list[tuple[int, int]]:
    """Ranges ``[a, b)`` of bar times in ``[start, end)`` that ``stamps`` (sorted) lacks."""
    out = []
    expected = start
    for ts in stamps:
        if ts > expected:
            out.append((expected, ts))
        expected = max(expected, ts + step)
    if expected < end:
        out.append((expected, end))
    return out
