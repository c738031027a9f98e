"""Recorder: what the engine publishes, written to a tradeterm recording, crash-safe to 1 s.

Every event on the engine's bus (books, trades, tickers, candles, feed states,
order events and fills) is encoded as it happens, with the engine clock's time
as the receive time, and buffered; ``flush`` writes the buffer and flushes the
gzip stream (a sync flush: everything written so far can be decompressed) and
the file. ``run`` flushes once a second until cancelled, so a crash loses at
most the last second. Recording can start mid-session: ``start`` writes the
header and the current books, tickers and candles first, so the file stands on
its own. The format is described in ``recording.py``.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import tradeterm
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import BookChanged, CandlesLoaded, TickerUpdated
from tradeterm.venues.replay.files import RECORDING_FORMAT
from tradeterm.venues.replay.recording import VERSION, encode, to_jsonable

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.venues.replay")

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Recorder:
    """Records an engine's events to ``path`` (newline-delimited JSON in gzip).

    Args:
        engine: the engine whose bus, clock and state are recorded.
        path: the file to create (``.ndjson.gz`` by convention); an existing file
            is not overwritten.
        flush_interval_s: how often ``run`` flushes to disk.
        fsync: also ask the OS to put the bytes on the platter at each flush (slower;
            without it a process crash loses at most the last interval, a power cut
            what the OS had not written yet).
    """

    def __init__(
        self,
        engine: Engine,
        path: str | Path,
        *,
        flush_interval_s: float = 1.0,
        fsync: bool = False,
    ) -> None:
        self.engine = engine
        self.path = Path(path)
        self.flush_interval_s = flush_interval_s
        self.fsync = fsync
        self.records = 0
        self._buffer: list[str] = []
        self._raw: IO[bytes] | None = None
        self._gzip: gzip.GzipFile | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def recording(self) -> bool:
        return self._gzip is not None

    def start(self) -> None:
        """Create the file, write the header and the current state, and start listening.

        Raises:
            TradetermError: the file exists already or cannot be created.
        """
        if self._gzip is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            raw = self.path.open("xb")
        except FileExistsError:
            raise TradetermError(f"{self.path} exists already; choose another file") from None
        except OSError as exc:
            raise TradetermError(f"cannot create {self.path}: {exc.strerror}") from None
        self._raw = raw
        self._gzip = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6)
        state = self.engine.state
        venue = self.venue
        now = self.engine.clock.now_ns()
        markets = state.markets_on(venue)
        header = {
            "format": RECORDING_FORMAT,
            "version": VERSION,
            "venue": venue,
            "symbols": sorted(markets),
            "started_ns": now,
            "tradeterm": tradeterm.__version__,
            "markets": [to_jsonable(m) for m in markets.values()],
        }
        self._buffer.append(_dumps(header) + "\n")
        for inst, book in list(state.books.items()):
            if inst.venue == venue:
                bids = list(book.bids.levels_best_first())
                asks = list(book.asks.levels_best_first())
                self._add(BookChanged(inst.symbol, bids, asks, True, book.seq, book.ts_ns), now)
        for ticker in state.tickers_on(venue).values():
            self._add(TickerUpdated(ticker), now)
        for inst, series in list(state.candles.items()):
            if inst.venue == venue:
                self._add(CandlesLoaded(inst.symbol, list(series)), now)
        self._unsubscribe = self.engine.bus.subscribe_all(self.on_event)
        self.flush()
        log.info("recording to %s", self.path)

    @property
    def venue(self) -> str:
        """The venue recorded: the engine's first feed's."""
        return self.engine.feed.venue

    def on_event(self, event: Any) -> None:
        """Bus handler: encode the event now, with the engine clock's time (another venue's
        market data is left out: a recording is one venue's)."""
        if getattr(event, "venue", self.venue) != self.venue:
            return
        if self._gzip is not None:
            self._add(event, self.engine.clock.now_ns())

    def _add(self, event: object, t_ns: int) -> None:
        record = encode(event, t_ns)
        if record is not None:
            self._buffer.append(_dumps(record) + "\n")
            self.records += 1

    def flush(self) -> None:
        """Write what is buffered and push it to the OS (and the disk with ``fsync``)."""
        gz, raw = self._gzip, self._raw
        if gz is None or raw is None:
            return
        if self._buffer:
            data = "".join(self._buffer).encode("utf-8")
            self._buffer.clear()
            gz.write(data)
        gz.flush()
        if self.fsync:
            os.fsync(raw.fileno())

    async def run(self) -> None:
        """Flush every ``flush_interval_s`` until cancelled; then close the file."""
        try:
            while self._gzip is not None:
                await asyncio.sleep(self.flush_interval_s)
                self.flush()
        finally:
            self.close()

    def close(self) -> None:
        """Stop listening, flush and finish the gzip stream. Safe to call twice."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        gz, raw = self._gzip, self._raw
        if gz is None or raw is None:
            return
        self.flush()
        self._gzip = self._raw = None
        gz.close()
        raw.close()
        log.info("recording saved: %s (%d records)", self.path, self.records)
