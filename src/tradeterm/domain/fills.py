"""Fills: one execution of (part of) an order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.enums import Liquidity, Side


@dataclass(frozen=True, slots=True)
class Fill:
    """An execution. ``fee`` is charged in ``fee_asset``."""

    fill_id: str
    client_id: str
    account: str
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    liquidity: Liquidity
    ts_ns: int

    @property
    def notional(self) -> Decimal:
        return self.price * self.qty
