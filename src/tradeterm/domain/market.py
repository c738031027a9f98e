"""Market metadata and its trading rules: tick size, lot size, limits and fees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.numbers import (
    MAX_PRICE,
    MAX_QTY,
    ZERO,
    brief,
    decimals_of,
    is_multiple,
    range_error,
)


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

    @property
    def qty_limit(self) -> Decimal:
        """The largest order quantity: the market's own maximum, or ``MAX_QTY``."""
        return MAX_QTY if self.max_qty is None else min(self.max_qty, MAX_QTY)

    def qty_range_error(self, qty: Decimal) -> str | None:
        """Why a quantity is no number or too large for this market, or None."""
        limit = self.qty_limit
        whose = "the market's maximum" if limit == self.max_qty else ""
        return range_error("quantity", qty, limit, self.base, whose)

    def price_error(self, price: Decimal) -> str | None:
        """Why a price is not allowed on this market, or None when it is (any Decimal:
        NaN, infinite and huge ones get a message too)."""
        if (problem := range_error("price", price, MAX_PRICE)) is not None:
            return problem
        if price <= ZERO:
            return f"price must be above zero, got {brief(price)}"
        if not is_multiple(price, self.tick_size):
            return f"price {brief(price)} is not a multiple of tick {self.tick_size}"
        return None

    def qty_error(self, qty: Decimal) -> str | None:
        """Why a quantity is not allowed on this market, or None when it is (any Decimal)."""
        if (problem := self.qty_range_error(qty)) is not None:
            return problem
        if qty <= ZERO:
            return f"quantity must be above zero, got {brief(qty)}"
        if not is_multiple(qty, self.lot_size):
            return f"quantity {brief(qty)} is not a multiple of lot {self.lot_size} {self.base}"
        if qty < self.min_qty:
            return f"quantity {qty} is below the minimum {self.min_qty} {self.base}"
        return None

    def notional_error(self, qty: Decimal, price: Decimal) -> str | None:
        """Why an order's value is too small, or None when it is large enough (or when the
        quantity or price is itself wrong: their own checks say so)."""
        if range_error("", qty, MAX_QTY) or range_error("", price, MAX_PRICE):
            return None
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
