"""Group commit: journal records are written in batches on a thread, then acknowledged in order.

``submit`` queues records with a callback. While one batch is being made
durable, new records gather into the next, so a burst of fills costs one fsync,
not one each. Callbacks run on the event loop, in submission order, only after
their records are on disk: that is the moment the engine applies and shows them.
Without a running loop (headless tools, tests), or in ``synchronous`` mode (the
deterministic driver, where a thread finishing early or late must not change
what happens next), each submit commits and acknowledges at once.

A command's own record (``submit(..., at_once=True)``: an order placed, a cancel or amend
asked for) is committed on the loop's thread when no batch is in flight: its caller waits
for that commit anyway, and handing it to the thread costs more than the fsync itself (the
thread must win the GIL back from the busy UI after each SQLite call, up to 5 ms each).
Venue events keep the thread, so a burst of fills still costs one fsync.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from tradeterm.domain.errors import FatalError
from tradeterm.engine.ledger import Ledger, Record

log = logging.getLogger("tradeterm.engine.ledger")

Ack = Callable[[], None]


class JournalWriter:
    def __init__(self, ledger: Ledger | None) -> None:
        self.ledger = ledger
        self._batch: list[Record] = []
        self._acks: list[Ack] = []
        self._busy = False
        self._idle = asyncio.Event()
        self._idle.set()
        self.failed: FatalError | None = None
        self.batches = 0
        self.synchronous = False

    def submit(self, records: Sequence[Record], ack: Ack, *, at_once: bool = False) -> None:
        """Make ``records`` durable, then call ``ack`` (on the loop, in order).

        ``at_once``: commit now on this thread if nothing is in flight (``ack`` has run when
        this returns); otherwise the records join the next batch as usual.

        Raises:
            FatalError: an earlier write failed, or this one did (``at_once``): trading stops.
        """
        if self.failed is not None:
            raise self.failed
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.ledger is None or self.synchronous:
            if self.ledger is not None:
                self.ledger.append(records)
            self.batches += 1
            ack()
            return
        if at_once and not self._busy:
            self._commit_now(records, ack)
            return
        self._batch.extend(records)
        self._acks.append(ack)
        if not self._busy:
            self._start(loop)

    def _commit_now(self, records: Sequence[Record], ack: Ack) -> None:
        assert self.ledger is not None
        try:
            self.ledger.append(records)
        except Exception as exc:
            self.failed = exc if isinstance(exc, FatalError) else FatalError(str(exc))
            log.critical("ledger write failed, trading stops: %s", self.failed)
            raise self.failed from None
        self.batches += 1
        try:
            ack()
        except Exception:
            log.exception("applying a journaled record failed")

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, acks = self._batch, self._acks
        self._batch, self._acks = [], []
        self._busy = True
        self._idle.clear()
        assert self.ledger is not None
        future = loop.run_in_executor(None, self.ledger.append, batch)
        future.add_done_callback(lambda f: self._done(loop, f, acks))

    def _done(
        self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[None], acks: list[Ack]
    ) -> None:
        error = future.exception()
        if error is not None:
            self.failed = error if isinstance(error, FatalError) else FatalError(str(error))
            log.critical("ledger write failed, trading stops: %s", self.failed)
            self._busy = False
            self._idle.set()
            return
        self.batches += 1
        for ack in acks:
            try:
                ack()
            except Exception:
                log.exception("applying a journaled record failed")
        if self._batch:
            self._start(loop)
        else:
            self._busy = False
            self._idle.set()

    async def drain(self) -> None:
        """Wait until everything submitted so far is durable and acknowledged."""
        while self._busy or self._batch:
            await self._idle.wait()
            await asyncio.sleep(0)
