"""A TWAP/VWAP parent order as the engine tracks it: its schedule, children and progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.orders import Order
from tradeterm.engine.clock import Timer

AlgoKind = Literal["twap", "vwap"]
NS = 1_000_000_000


class AlgoState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    CANCELED = "canceled"
    FAILED = "failed"
    EXPIRED = "expired"
    """Its time ran out while tradeterm was stopped (the reason says how much was done)."""


@dataclass
class AlgoOrder:
    """One parent order and its schedule. ``slices`` are base quantities, or quote amounts
    when the parent was sized in quote (``in_quote``)."""

    id: str
    kind: AlgoKind
    order: PlaceOrder
    account: str
    duration_s: float
    slices: list[Decimal]
    interval_ns: int
    start_ns: int
    in_quote: bool
    step: Decimal = Decimal("0.01")
    """The slices' unit: the lot size, or a cent for a parent sized in quote."""
    note: str = ""
    state: AlgoState = AlgoState.RUNNING
    reason: str = ""
    sent: int = 0
    children: dict[str, Order] = field(default_factory=dict)
    timer: Timer | None = None
    skip: int = 0
    """Grid steps left out after a restart: child ``i`` is due at ``start + (i + skip) *
    interval`` (the missed children's share went to the ones still due)."""

    @property
    def target(self) -> Decimal:
        return sum(self.slices, Decimal(0))

    @property
    def filled(self) -> Decimal:
        """Base quantity filled by the children."""
        return sum((o.filled for o in self.children.values()), Decimal(0))

    @property
    def spent(self) -> Decimal:
        """Quote value of the children's fills."""
        return sum((o.cost for o in self.children.values()), Decimal(0))

    @property
    def progress(self) -> float:
        """Done share of the target, 0..1 (quote spent for a parent sized in quote)."""
        done = self.spent if self.in_quote else self.filled
        return float(done / self.target) if self.target else 0.0

    @property
    def open_children(self) -> list[Order]:
        return [o for o in self.children.values() if o.is_open]

    def next_due_ns(self) -> int | None:
        if self.state is not AlgoState.RUNNING or self.sent >= len(self.slices):
            return None
        return self.start_ns + (self.sent + self.skip) * self.interval_ns

    @property
    def end_ns(self) -> int:
        return self.start_ns + int(self.duration_s * NS)
