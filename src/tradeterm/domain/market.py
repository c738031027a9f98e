"""Market metadata and its trading rules: tick size, lot size, limits and fees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.numbers import ZERO, decimals_of, is_multiple


@dataclass(frozen=True, slots=True)
class Market:
    """One tradable spot market on one venue.

    Attributes:
        symbol: unified symbol, ``BASE/QUOTE``.
        tick_size: smallest price increment.
        lot_size: smallest quantity increment.
        min_qty: smallest order quantity in base units.
        min_notional: smallest order value in quote units.
        maker_fee: fee rate for liquidity-adding fills (0.001 = 0.1 %).
        taker_fee: fee rate for liquidity-taking fills.
    """

    venue: str
    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    min_qty: Decimal
    min_notional: Decimal
    maker_fee: Decimal
    taker_fee: Decimal
    max_qty: Decimal | None = None
    active: bool = True

    @property
    def price_places(self) -> int:
        return decimals_of(self.tick_size)

    @property
    def qty_places(self) -> int:
        return decimals_of(self.lot_size)

    def price_error(self, price: Decimal) -> str | None:
        """Why a price is not allowed on this market, or None when it is."""
        if price <= ZERO:
            return f"price must be above zero, got {price}"
        if not is_multiple(price, self.tick_size):
            return f"price {price} is not a multiple of tick {self.tick_size}"
        return None

    def qty_error(self, qty: Decimal) -> str | None:
        """Why a quantity is not allowed on this market, or None when it is."""
        if qty <= ZERO:
            return f"quantity must be above zero, got {qty}"
        if not is_multiple(qty, self.lot_size):
            return f"quantity {qty} is not a multiple of lot {self.lot_size} {self.base}"
        if qty < self.min_qty:
            return f"quantity {qty} is below the minimum {self.min_qty} {self.base}"
        if self.max_qty is not None and qty > self.max_qty:
            return f"quantity {qty} is above the maximum {self.max_qty} {self.base}"
        return None

    def notional_error(self, qty: Decimal, price: Decimal) -> str | None:
        """Why an order's value is too small, or None when it is large enough."""
        notional = qty * price
        if notional < self.min_notional:
            shown = f"{notional:.{self.price_places}f}"
            if Decimal(shown) >= self.min_notional:  # rounding must not hide the shortfall
                shown = f"{notional.normalize():f}"
            return (
                f"order value {shown} {self.quote} is below min notional "
                f"{self.min_notional} {self.quote}"
            )
        return None
