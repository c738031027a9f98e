"""BalanceStamps: when each asset's total of a live account was last set by the exchange,
and the recent fills booked on it, so an exchange balance and a local fill count once.

The rule (see ``engine.balances``): a balance from the exchange is the truth for its asset as
of its stamp (the exchange's time of the account update). A fill whose exchange time is at or
before the asset's stamp is in that total already: booking it leaves the total alone. A
snapshot older than the fills already booked gets those later fills applied on top; one
older than the asset's current stamp is old news and is dropped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(slots=True)
class BalanceStamps:
    as_of: dict[str, int] = field(default_factory=dict)
    """Asset -> the exchange time (ns) of the snapshot its total comes from."""
    booked: deque[tuple[int, str, Decimal]] = field(default_factory=lambda: deque(maxlen=2000))
    """(fill's exchange time in ns, asset, change of its total) of the recent fills booked."""

    def book(self, asset: str, delta: Decimal, ts_ns: int) -> bool:
        """Note a fill's move of ``asset``; False when the asset's total already has it."""
        if ts_ns and ts_ns <= self.as_of.get(asset, 0):
            return False
        if ts_ns and delta:
            self.booked.append((ts_ns, asset, delta))
        return True

    def newer(self, asset: str, as_of_ns: int) -> bool:
        """True when a snapshot stamped ``as_of_ns`` is not older than the asset's last one."""
        return as_of_ns >= self.as_of.get(asset, 0)

    def since(self, asset: str, as_of_ns: int) -> Decimal:
        """What the fills booked after ``as_of_ns`` moved the asset by."""
        return sum((d for ts, a, d in self.booked if a == asset and ts > as_of_ns), ZERO)
