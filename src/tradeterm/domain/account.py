"""Balances and positions: free/reserved funds and FIFO lots with realized PnL net of fees."""

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
    """Part of a position: ``qty`` held (positive long, negative short) and its ``cost``: what
    was paid for it with fees (long), or what selling it brought in after fees (short)."""

    qty: Decimal
    cost: Decimal

    @property
    def price(self) -> Decimal:
        """The lot's cost per unit, fees included."""
        return self.cost / abs(self.qty)


def fee_parts(fee: Decimal, fee_asset: str, base: str, quote: str) -> tuple[Decimal, Decimal]:
    """A fill's fee as (paid in quote, paid in base); a fee in a third asset counts as neither."""
    if fee_asset == quote:
        return fee, ZERO
    if fee_asset == base:
        return ZERO, fee
    return ZERO, ZERO


@dataclass(slots=True)
class Position:
    """What an account holds of one symbol's base, built from fills, matched first-in first-out.

    Fees are part of it: a fee paid in the base asset changes the quantity held (a buy of 1
    with a fee of 0.001 base holds 0.999), every fee is part of the cost of what a fill opens
    and comes off the proceeds of what it closes, so ``realized_pnl`` is net of fees.
    """

    symbol: str
    lots: deque[Lot] = field(default_factory=deque)
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def qty(self) -> Decimal:
        return sum((lot.qty for lot in self.lots), ZERO)

    @property
    def cost(self) -> Decimal:
        """The open lots' cost (fees included); what shorts brought in, for a short."""
        return sum((lot.cost for lot in self.lots), ZERO)

    @property
    def avg_cost(self) -> Decimal | None:
        qty = self.qty
        if not qty:
            return None
        return self.cost / abs(qty)

    def unrealized(self, mark: Decimal | None) -> Decimal:
        if mark is None or not self.lots:
            return ZERO
        qty = self.qty
        return qty * mark - self.cost if qty > 0 else self.cost + qty * mark

    def apply(
        self,
        side: Side,
        qty: Decimal,
        price: Decimal,
        fee_quote: Decimal = ZERO,
        fee_base: Decimal = ZERO,
    ) -> Decimal:
        """Book a fill; returns the PnL it realized, net of fees.

        Args:
            fee_quote: the fill's fee paid in the quote asset.
            fee_base: the fill's fee paid in the base asset (taken from what is held).
        """
        self.fees += fee_quote + fee_base * price
        if side is Side.BUY:  # holds qty less a base fee, paid notional plus a quote fee
            signed, value = qty - fee_base, qty * price + fee_quote
        else:  # gives up qty plus a base fee, brought in notional less a quote fee
            signed, value = -(qty + fee_base), qty * price - fee_quote
        realized = ZERO
        lots = self.lots
        while signed and lots and (lots[0].qty > 0) != (signed > 0):
            lot = lots[0]
            left, size = abs(signed), abs(lot.qty)
            take = min(left, size)
            part = value if take == left else value * take / left
            basis = lot.cost if take == size else lot.cost * take / size
            realized += part - basis if lot.qty > 0 else basis - part
            direction = 1 if lot.qty > 0 else -1
            lot.qty -= take * direction
            lot.cost -= basis
            signed += take * direction
            value -= part
            if not lot.qty:
                lots.popleft()
        if signed:
            lots.append(Lot(signed, value))
        self.realized_pnl += realized
        return realized
