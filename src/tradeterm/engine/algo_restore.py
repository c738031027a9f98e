"""Resuming TWAP/VWAP parents after a restart, from their journal records and their children.

The slices a parent has sent are the children found in the ledger (orders tagged with its
id): each child is journaled before it goes anywhere, and one only after the one before it
(``AlgoDesk._send_next``), so the count of children is the count of slices sent, and no
slice is sent twice. Then, by what the journal says:

- it **ended** (done, canceled, failed, expired): it stays so;
- a child was **refused**: it fails, as it would have had tradeterm not stopped;
- every slice was sent: it waits for its children to end, then is done;
- its **end time has passed**: it expires, with how much was done in its reason;
- else it **resumes** on the engine clock: the next child at its time; when children were
  missed while tradeterm was stopped, their share is spread over the children still due
  (by those children's sizes, so VWAP keeps its profile) and the new schedule is journaled.
  The parent's total never changes, so the children never add up to more than it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.orders import Order
from tradeterm.engine.algo_journal import resume_record
from tradeterm.engine.algos import NS, AlgoOrder, AlgoState, algo_desk, split_steps
from tradeterm.engine.ledger import Record

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

log = logging.getLogger("tradeterm.algos")

_REFUSED = (OrderStatus.REJECTED, OrderStatus.DENIED)


def parent_from_record(account: str, algo_id: str, data: dict[str, Any]) -> AlgoOrder:
    """The parent an ``algo`` record describes, before any child is counted."""
    slices = [Decimal(s) for s in data["slices"]]
    total = sum(slices, Decimal(0))
    in_quote = bool(data["in_quote"])
    order = PlaceOrder(
        data["symbol"],
        Side(data["side"]),
        OrderType.MARKET,
        qty=None if in_quote else total,
        quote_qty=total if in_quote else None,
        account=account,
    )
    return AlgoOrder(
        id=algo_id,
        kind=data["kind"],
        order=order,
        account=account,
        duration_s=float(data["duration_s"]),
        slices=slices,
        interval_ns=int(data["interval_ns"]),
        start_ns=int(data["start_ns"]),
        in_quote=in_quote,
        step=Decimal(data["step"]),
        note=data.get("note", ""),
    )


def read_parents(records: Sequence[Record]) -> dict[str, tuple[AlgoOrder, tuple[str, str] | None]]:
    """Every journaled parent by id, with its latest schedule and how it ended (or None)."""
    parents: dict[str, AlgoOrder] = {}
    ends: dict[str, tuple[str, str]] = {}
    for rec in records:
        algo_id = rec.client_id or ""
        data = json.loads(rec.payload)
        if rec.kind == "algo":
            parents[algo_id] = parent_from_record(rec.account, algo_id, data)
            ends.pop(algo_id, None)
        elif rec.kind == "algo_resume" and algo_id in parents:
            parents[algo_id].slices = [Decimal(s) for s in data["slices"]]
            parents[algo_id].skip = int(data["skip"])
        elif rec.kind == "algo_end":
            ends[algo_id] = (data["state"], data.get("reason", ""))
    return {algo_id: (algo, ends.get(algo_id)) for algo_id, algo in parents.items()}


def catch_up(algo: AlgoOrder, now_ns: int) -> bool:
    """Re-time a running parent whose next child was due before ``now_ns``: the missed
    slices' total goes to the slices still due (by their sizes), or, when none is, to one
    child sent at once. Returns whether the schedule changed."""
    due = algo.next_due_ns()
    if due is None or due >= now_ns:
        return False
    sent, count = algo.sent, len(algo.slices)
    late_steps = -(-(now_ns - due) // algo.interval_ns)  # ceil: steps until one is due again
    first = sent + late_steps
    if first >= count:  # no grid point left before the end: what is left goes now
        algo.slices = [*algo.slices[:sent], sum(algo.slices[sent:], Decimal(0))]
        return True
    missed = sum(algo.slices[sent:first], Decimal(0))
    still_due = algo.slices[first:]
    weight = sum(still_due, Decimal(0))
    extra = split_steps(missed, [float(s / weight) for s in still_due], algo.step)
    algo.slices = [*algo.slices[:sent], *(s + e for s, e in zip(still_due, extra, strict=True))]
    algo.skip += late_steps
    return True


def _children(engine: Engine, algo: AlgoOrder) -> list[Order]:
    account = engine.state.accounts.get(algo.account)
    if account is None:
        return []
    orders = account.orders.values()
    mine = [o for o in orders if o.tag == algo.id and o.created_ns >= algo.start_ns]
    return sorted(mine, key=lambda o: o.created_ns)


def done_text(algo: AlgoOrder) -> str:
    """``0.7 of 2 ETH done, 21/60 children sent`` (in quote for a parent sized in quote)."""
    base, _, quote = algo.order.symbol.partition("/")
    if algo.in_quote:
        done = f"{algo.spent.quantize(Decimal('0.01'))} of {algo.target} {quote}"
    else:
        done = f"{algo.filled.normalize():f} of {algo.target.normalize():f} {base}"
    return f"{done} done, {algo.sent}/{len(algo.slices)} children sent"


def resume_algos(engine: Engine, records: Sequence[Record]) -> None:
    """Rebuild the journaled parents into the engine's desk and resume the running ones
    (after the restored orders are back with their venues)."""
    desk = algo_desk(engine)
    for algo, ended in read_parents(records).values():
        if algo.account not in engine.state.accounts:
            continue
        children = _children(engine, algo)
        algo.sent = min(len(children), len(algo.slices))
        desk.adopt(algo, children)
        if ended is not None:
            algo.state, algo.reason = AlgoState(ended[0]), ended[1]
            continue
        refused = next((c for c in children if c.status in _REFUSED), None)
        if refused is not None:
            desk.end(algo, AlgoState.FAILED, f"a child was refused: {refused.reason}")
            desk.notes.append(f"{algo.id} {algo.kind} failed: {algo.reason}")
        else:
            _when_ready(engine, algo)
            if algo.state is AlgoState.RUNNING:
                note = f"{algo.id} {algo.kind} resumed: {done_text(algo)}"
                log.info(note)
            else:
                note = f"{algo.id} {algo.kind} {algo.state.value}: {algo.reason}"
            desk.notes.append(note)


def _when_ready(engine: Engine, algo: AlgoOrder) -> None:
    """Resume ``algo`` once its market has a book (children are sized on the mid), checking
    every second of the engine clock; it expires if its end comes first."""
    desk = algo_desk(engine)
    algo.timer = None
    if algo.state is not AlgoState.RUNNING:
        return
    now = engine.clock.now_ns()
    if algo.sent < len(algo.slices) and now >= algo.end_ns:
        reason = f"its time ran out while tradeterm was stopped: {done_text(algo)}"
        desk.end(algo, AlgoState.EXPIRED, reason)
        return
    if algo.sent < len(algo.slices) and not _has_book(engine, algo):
        algo.timer = engine.clock.call_at(now + NS, lambda: _when_ready(engine, algo))
        return
    if catch_up(algo, now):
        desk.journal(resume_record(algo, now))
    desk.resume(algo)


def _has_book(engine: Engine, algo: AlgoOrder) -> bool:
    state = engine.state
    inst = state.instrument(state.accounts[algo.account], algo.order.symbol)
    book = state.books.get(inst)
    return book is not None and book.mid() is not None
