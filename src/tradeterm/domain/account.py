"""Balances and positions: free/reserved funds and FIFO lots with realized PnL."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from tradeterm.domain.enums import Side
from tradeterm.domain.numbers import ZERO


@dataclass(slots=True)
class Balance:
    """Funds of one asset: ``reserved`` is held by open orders, ``free`` is what is left."""

    asset: str
    total: Decimal = ZERO
    reserved: Decimal = ZERO

    @property
    def free(self) -> Decimal:
        return self.total - self.reserved


@dataclass(slots=True)
class Lot:
    qty: Decimal  # signed: positive long, negative short
    price: Decimal


@dataclass(slots=True)
class Position:
    """A position in one symbol built from fills, matched first-in first-out."""

    symbol: str
    lots: deque[Lot] = field(default_factory=deque)
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def qty(self) -> Decimal:
        return sum((lot.qty for lot in self.lots), ZERO)

    @property
    def avg_cost(self) -> Decimal | None:
        qty = self.qty
        if not qty:
            return None
        return sum((lot.qty * lot.price for lot in self.lots), ZERO) / qty

    def unrealized(self, mark: Decimal | None) -> Decimal:
        if mark is None:
            return ZERO
        return sum((lot.qty * (mark - lot.price) for lot in self.lots), ZERO)

    def apply(self, side: Side, qty: Decimal, price: Decimal, fee_quote: Decimal = ZERO) -> Decimal:
        """Book a fill; returns the PnL it realized (before fees)."""
        self.fees += fee_quote
        signed = qty if side is Side.BUY else -qty
        realized = ZERO
        lots = self.lots
        while signed and lots and (lots[0].qty > 0) != (signed > 0):
            lot = lots[0]
            take = min(abs(signed), abs(lot.qty))
            direction = 1 if lot.qty > 0 else -1
            realized += take * (price - lot.price) * direction
            lot.qty -= take * direction
            signed += take * direction
            if not lot.qty:
                lots.popleft()
        if signed:
            lots.append(Lot(signed, price))
        self.realized_pnl += realized
        return realized
