"""Journal records of TWAP/VWAP parents: started (their spec and schedule), re-timed, ended.

A parent's children are ordinary orders, journaled as ``placed`` with its id as their tag;
these records keep what the children do not say: the parent's side, size and unit, its
slices, start and interval (``algo``), a schedule re-timed after a restart (``algo_resume``)
and how it ended (``algo_end``). The ``client_id`` column holds the parent's id (``A1``).
The journal's table is unchanged (its ``kind`` is free text): no schema migration, and a
tradeterm that does not know these kinds skips them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tradeterm.engine.ledger import Record

if TYPE_CHECKING:
    from tradeterm.engine.algo_order import AlgoOrder

ALGO_KINDS = frozenset({"algo", "algo_resume", "algo_end"})


def _text(fields: Mapping[str, object]) -> str:
    return json.dumps(fields, separators=(",", ":"))


def parent_record(algo: AlgoOrder) -> Record:
    """The parent as it starts: everything needed to rebuild it and its schedule."""
    fields = {
        "kind": algo.kind,
        "symbol": algo.order.symbol,
        "side": algo.order.side.value,
        "in_quote": algo.in_quote,
        "duration_s": algo.duration_s,
        "start_ns": algo.start_ns,
        "interval_ns": algo.interval_ns,
        "step": str(algo.step),
        "slices": [str(s) for s in algo.slices],
        "note": algo.note,
    }
    return Record(algo.start_ns, algo.account, "algo", algo.id, _text(fields))


def resume_record(algo: AlgoOrder, now_ns: int) -> Record:
    """The schedule re-timed at a restart: the slices from now on and the grid steps left out."""
    fields = {"slices": [str(s) for s in algo.slices], "skip": algo.skip}
    return Record(now_ns, algo.account, "algo_resume", algo.id, _text(fields))


def end_record(algo: AlgoOrder, now_ns: int) -> Record:
    """How the parent ended (done, canceled, failed, expired) and why."""
    fields = {"state": algo.state.value, "reason": algo.reason}
    return Record(now_ns, algo.account, "algo_end", algo.id, _text(fields))
