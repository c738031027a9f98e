"""TWAP and VWAP execution: a parent order split into market child orders over a duration.

``AlgoDesk(engine).start(PlaceAlgo(order, "twap", 600))`` plans the children and sends the
first at once, then one every ``interval`` on the engine's clock (simulated under the
deterministic driver). Each child is a ``PlaceOrder`` through ``Engine.execute``, so it
passes the trading state and every risk check like any order; the first child refused
stops the parent (``failed``, with the engine's words). ``cancel(parent_id)`` stops the
schedule and cancels the children still open; the kill switch stops every schedule.

- **Children**: one every ``max(MIN_INTERVAL_S, duration / MAX_CHILDREN)`` seconds, so at
  most ``MAX_CHILDREN``; fewer when the order is small: each child must reach the
  market's minimum quantity and minimum order value (at the current mid) and a base
  quantity is split in whole lots (the last child takes what rounding left).
- **TWAP**: equal slices. **VWAP**: slices in proportion to the recent volume profile: the
  volumes of the newest one-minute candles covering the same duration, in order (the
  child at minute ``k`` of the schedule gets the weight of candle ``k`` of that window),
  on the assumption that the recent rhythm of trading repeats. Without candles or volume
  it falls back to equal slices and says so in ``note``.
- **Journal**: a parent is journaled when it starts, when a restart re-times it and when it
  ends (``engine.algo_journal``); its children are orders tagged with its id. After a
  restart ``engine.algo_restore`` resumes what is left of the schedule.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType
from tradeterm.domain.errors import TradetermError
from tradeterm.domain.events import KillSwitchPulled, OrderUpdated
from tradeterm.domain.market import Market
from tradeterm.domain.market_data import Candle
from tradeterm.domain.orders import Order
from tradeterm.engine.algo_journal import end_record, parent_record
from tradeterm.engine.algo_order import NS, AlgoKind, AlgoOrder, AlgoState
from tradeterm.engine.ledger import Record

if TYPE_CHECKING:
    from tradeterm.engine.engine import Engine

__all__ = [
    "MAX_CHILDREN",
    "MAX_DURATION_S",
    "MIN_DURATION_S",
    "MIN_INTERVAL_S",
    "NS",
    "AlgoDesk",
    "AlgoKind",
    "AlgoOrder",
    "AlgoState",
    "PlaceAlgo",
    "algo_desk",
    "algos_of",
    "plan_weights",
    "restart_notes",
    "split_steps",
]

log = logging.getLogger("tradeterm.algos")

MAX_CHILDREN = 60
MIN_INTERVAL_S = 10.0
MIN_DURATION_S = 10.0
MAX_DURATION_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class PlaceAlgo:
    """Start an execution algorithm: ``order`` (a market order's side, symbol, account and
    ``qty`` or ``quote_qty``) split over ``duration_s`` seconds by ``kind``."""

    order: PlaceOrder
    kind: AlgoKind
    duration_s: float


def plan_weights(
    kind: AlgoKind, count: int, interval_s: float, candles: Sequence[Candle]
) -> tuple[list[float], str]:
    """Each child's share of the parent (adds up to 1) and a note when VWAP fell back."""
    equal = [1.0 / count] * count
    if kind == "twap":
        return equal, ""
    minutes = max(1, math.ceil(count * interval_s / 60.0))
    recent = list(candles)[-minutes:]
    if len(recent) < minutes or not any(c.volume > 0 for c in recent):
        return equal, f"vwap: fewer than {minutes} candles with volume; equal slices"
    weights = [float(recent[min(int(i * interval_s // 60), minutes - 1)].volume) for i in
               range(count)]  # fmt: skip
    total = sum(weights)
    return [w / total for w in weights], ""


def split_steps(total: Decimal, weights: Sequence[float], step: Decimal) -> list[Decimal]:
    """``total`` in whole ``step`` units by ``weights`` (largest remainders get the units
    rounding left over); what is below one step goes to the last part."""
    units = int((total / step).to_integral_value(ROUND_DOWN))
    raw = [w * units for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in by_remainder[: units - sum(parts)]:
        parts[i] += 1
    sizes = [p * step for p in parts]
    sizes[-1] += total - units * step
    return sizes


class AlgoDesk:
    """The running execution algorithms of one engine."""

    def __init__(self, engine: Engine, on_change: Callable[[AlgoOrder], None] | None = None):
        self.engine = engine
        self.algos: dict[str, AlgoOrder] = {}
        self.on_change = on_change
        self._by_child: dict[str, AlgoOrder] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._count = 0
        self.notes: list[str] = []
        """What a restart did to the journaled parents still running, for the user."""
        engine.subscribe(OrderUpdated, self._on_order)
        engine.subscribe(KillSwitchPulled, self._on_kill)

    # --- planning ---------------------------------------------------------------------

    def _market(self, cmd: PlaceOrder) -> tuple[str, Market, Sequence[Candle], Decimal | None]:
        state = self.engine.state
        account = state.accounts.get(cmd.account) if cmd.account else state.account
        if account is None:
            raise TradetermError(f"unknown account {cmd.account!r}")
        inst = state.instrument(account, cmd.symbol)
        market = state.markets.get(inst)
        if market is None:
            raise TradetermError(f"unknown symbol {cmd.symbol} on {inst.venue}")
        book = state.books.get(inst)
        mid = book.mid() if book is not None else None
        return account.spec.name, market, state.candles.get(inst) or (), mid

    def plan(self, command: PlaceAlgo) -> AlgoOrder:
        """The parent and its slices, checked; nothing is sent.

        Raises:
            TradetermError: a duration out of range, a limit or stop order, no size, or a
                size too small for even one child (the message says the minimum).
        """
        cmd = command.order
        if not MIN_DURATION_S <= command.duration_s <= MAX_DURATION_S:
            raise TradetermError(
                f"{command.kind} duration {command.duration_s:g}s: allowed 10s to 24h"
            )
        if cmd.type is not OrderType.MARKET or cmd.take_profit is not None:
            raise TradetermError(f"{command.kind} sends market children: leave out @, stop, tp")
        in_quote = cmd.quote_qty is not None
        total = cmd.quote_qty if in_quote else cmd.qty
        if total is None or total <= 0:
            raise TradetermError(f"{command.kind} needs a quantity or a $ value")
        account, market, candles, mid = self._market(cmd)
        if mid is None:
            raise TradetermError(f"{cmd.symbol} has no book yet: cannot size the children")
        # the smallest child, in the parent's unit
        min_base = max(market.min_qty, market.min_notional / mid, market.lot_size)
        smallest = min_base * mid if in_quote else min_base
        by_time = max(1, min(MAX_CHILDREN, int(command.duration_s // MIN_INTERVAL_S)))
        count = min(by_time, int(total / smallest)) if smallest > 0 else by_time
        if count < 1:
            unit = market.quote if in_quote else market.base
            raise TradetermError(
                f"{command.kind} {total} {unit} is below one child order: at least "
                f"{smallest.normalize():f} {unit}"
            )
        interval_s = command.duration_s / count
        weights, note = plan_weights(command.kind, count, interval_s, candles)
        step = Decimal("0.01") if in_quote else market.lot_size
        slices = split_steps(total, weights, step)
        return AlgoOrder(
            id="",
            kind=command.kind,
            order=replace(cmd, account=account),
            account=account,
            duration_s=command.duration_s,
            slices=slices,
            interval_ns=int(interval_s * NS),
            start_ns=self.engine.clock.now_ns(),
            in_quote=in_quote,
            step=step,
            note=note,
        )

    # --- running ----------------------------------------------------------------------

    def start(self, command: PlaceAlgo) -> AlgoOrder:
        """Plan the parent and send its first child now (see ``plan`` for what it raises)."""
        algo = self.plan(command)
        self._count += 1
        algo.id = f"A{self._count}"
        self.journal(parent_record(algo))  # before any child: a restart finds the parent
        self.algos[algo.id] = algo
        log.info(
            "%s %s %s %s %s over %gs in %d children%s",
            algo.id,
            algo.kind,
            algo.order.side.value,
            algo.target,
            algo.order.symbol,
            algo.duration_s,
            len(algo.slices),
            f" ({algo.note})" if algo.note else "",
        )
        self._send_next(algo)
        return algo

    def cancel(self, algo_id: str) -> AlgoOrder:
        """Stop the schedule and cancel the children still open.

        Raises:
            TradetermError: no such parent.
        """
        algo = self.algos.get(algo_id.upper())
        if algo is None:
            raise TradetermError(f"no algo order {algo_id}; running: {', '.join(self.algos)}")
        if algo.state is AlgoState.RUNNING:
            self._finish(algo, AlgoState.CANCELED, "canceled by the user")
        for child in algo.open_children:
            self._spawn(self._cancel_child(child.client_id))
        return algo

    def parent_of(self, client_id: str) -> AlgoOrder | None:
        return self._by_child.get(client_id)

    # --- journal and restart --------------------------------------------------------

    def journal(self, record: Record) -> None:
        """Make ``record`` durable (at once when no batch is in flight, else in the next
        batch, before anything submitted after it).

        Raises:
            FatalError: the ledger cannot be written.
        """
        self.engine.trading.writer.submit([record], lambda: None, at_once=True)

    def adopt(self, algo: AlgoOrder, children: Sequence[Order]) -> None:
        """Take a parent restored from the journal with the children it sent (nothing is
        scheduled: see ``resume``); later ids follow it."""
        self.algos[algo.id] = algo
        for child in children:
            self._track(algo, child)
        number = algo.id[1:]
        if number.isdigit():
            self._count = max(self._count, int(number))

    def resume(self, algo: AlgoOrder) -> None:
        """Schedule a restored parent's next child at its time (at once if that has passed)."""
        due = algo.next_due_ns()
        if due is not None:
            algo.timer = self.engine.clock.call_at(due, lambda: self._send_next(algo))
        else:
            self._maybe_done(algo)

    def end(self, algo: AlgoOrder, state: AlgoState, reason: str) -> None:
        """End a parent (journaled): no more children are sent."""
        self._finish(algo, state, reason)

    def _send_next(self, algo: AlgoOrder) -> None:
        algo.timer = None
        if algo.state is not AlgoState.RUNNING:
            return
        if len(algo.children) < algo.sent:
            # the last child is not journaled yet: children go to the journal one by one, in
            # order, so a restart counts the slices sent from the children it finds
            retry = self.engine.clock.now_ns() + NS
            algo.timer = self.engine.clock.call_at(retry, lambda: self._send_next(algo))
            return
        size = algo.slices[algo.sent]
        algo.sent += 1
        cmd = algo.order
        child = replace(
            cmd,
            qty=None if algo.in_quote else size,
            quote_qty=size if algo.in_quote else None,
            tag=algo.id,
        )
        self._spawn(self._place(algo, child))
        due = algo.next_due_ns()
        if due is not None:
            algo.timer = self.engine.clock.call_at(due, lambda: self._send_next(algo))

    async def _place(self, algo: AlgoOrder, child: PlaceOrder) -> None:
        try:
            order = await self.engine.place(child)
        except Exception as exc:
            if not isinstance(exc, TradetermError):
                log.exception("%s: child %d failed", algo.id, algo.sent)
            if algo.state is AlgoState.RUNNING:
                self._finish(algo, AlgoState.FAILED, f"child {algo.sent} refused: {exc}")
            return
        self._track(algo, order)
        self._maybe_done(algo)

    async def _cancel_child(self, client_id: str) -> None:
        try:
            await self.engine.cancel(client_id)
        except TradetermError as exc:  # it filled or ended meanwhile
            log.info("cancel %s: %s", client_id, exc)

    def _track(self, algo: AlgoOrder, order: Order) -> None:
        algo.children[order.client_id] = order
        self._by_child[order.client_id] = algo

    def _on_order(self, event: OrderUpdated) -> None:
        order = event.order
        algo = self.algos.get(order.tag) if order.tag else None
        if algo is None:
            return
        self._track(algo, order)
        if order.status in (OrderStatus.REJECTED, OrderStatus.DENIED):
            if algo.state is AlgoState.RUNNING:
                self._finish(algo, AlgoState.FAILED, f"a child was refused: {order.reason}")
            return
        self._maybe_done(algo)
        if self.on_change is not None:
            self.on_change(algo)

    def _on_kill(self, _event: KillSwitchPulled) -> None:
        """The kill switch stops every schedule first (it cancels the open children)."""
        for algo in self.algos.values():
            if algo.state is AlgoState.RUNNING:
                self._finish(algo, AlgoState.CANCELED, "kill switch")

    def _maybe_done(self, algo: AlgoOrder) -> None:
        if (
            algo.state is AlgoState.RUNNING
            and algo.sent == len(algo.slices)
            and len(algo.children) == algo.sent
            and not algo.open_children
        ):
            self._finish(algo, AlgoState.DONE, "")

    def _finish(self, algo: AlgoOrder, state: AlgoState, reason: str) -> None:
        algo.state, algo.reason = state, reason
        if algo.timer is not None:
            algo.timer.cancel()
            algo.timer = None
        try:
            self.journal(end_record(algo, self.engine.clock.now_ns()))
        except TradetermError as exc:  # the ledger failed: trading stops anyway
            log.error("%s: its end could not be journaled: %s", algo.id, exc)
        level = logging.WARNING if state is AlgoState.EXPIRED else logging.INFO
        log.log(level, "%s %s%s", algo.id, state.value, f": {reason}" if reason else "")
        if self.on_change is not None:
            self.on_change(algo)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro, name="algo child")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


_DESKS: WeakKeyDictionary[Engine, AlgoDesk] = WeakKeyDictionary()


def algo_desk(engine: Engine) -> AlgoDesk:
    """The engine's one ``AlgoDesk`` (made on first use)."""
    desk = _DESKS.get(engine)
    if desk is None:
        desk = _DESKS[engine] = AlgoDesk(engine)
    return desk


def restart_notes(engine: Engine) -> list[str]:
    """Once: what the restart did to each parent that was running (resumed, expired, failed)."""
    desk = _DESKS.get(engine)
    if desk is None:
        return []
    notes, desk.notes = desk.notes, []
    return notes


def algos_of(engine: Engine, account: str) -> list[AlgoOrder]:
    """The account's parents that are running or ended with children still open, newest
    first (none before the first algo: no desk is made)."""
    desk = _DESKS.get(engine)
    if desk is None:
        return []
    shown = [
        a
        for a in desk.algos.values()
        if a.account == account and (a.state is AlgoState.RUNNING or a.open_children)
    ]
    return shown[::-1]
