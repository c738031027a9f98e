"""Position sizing helpers: fixed quote amount, % of equity, ATR-based risk, capped Kelly.

Pure functions on Decimals: each returns a base quantity cut down to the lot size
(never rounded up, so a size never spends more than asked), or raises
``TradetermError`` saying which input was wrong and what is allowed.
"""

from __future__ import annotations

from decimal import Decimal

from tradeterm.domain.errors import TradetermError
from tradeterm.domain.numbers import ZERO, trunc_to

HUNDRED = Decimal(100)


def _positive(name: str, value: Decimal) -> None:
    if not value.is_finite() or value <= 0:
        raise TradetermError(f"{name} must be a number above zero, got {value}")


def _percent(name: str, value: Decimal) -> None:
    if not value.is_finite() or not 0 < value <= 100:
        raise TradetermError(f"{name} must be a percentage above 0 and at most 100, got {value}")


def fixed_quote(amount: Decimal, price: Decimal, lot: Decimal) -> Decimal:
    """The quantity ``amount`` of quote currency buys at ``price``, cut to the lot."""
    _positive("amount", amount)
    _positive("price", price)
    _positive("lot size", lot)
    return trunc_to(amount / price, lot)


def percent_of_equity(equity: Decimal, percent: Decimal, price: Decimal, lot: Decimal) -> Decimal:
    """The quantity worth ``percent`` % of ``equity`` at ``price``, cut to the lot."""
    _positive("equity", equity)
    _percent("percent of equity", percent)
    return fixed_quote(equity * percent / HUNDRED, price, lot)


def atr_size(
    equity: Decimal,
    risk_percent: Decimal,
    atr: Decimal,
    lot: Decimal,
    atr_multiple: Decimal = Decimal(2),
) -> Decimal:
    """The quantity that loses ``risk_percent`` % of ``equity`` when the price moves
    ``atr_multiple`` ATRs against it (the stop distance), cut to the lot."""
    _positive("equity", equity)
    _percent("risk per trade", risk_percent)
    _positive("ATR", atr)
    _positive("ATR multiple", atr_multiple)
    _positive("lot size", lot)
    return trunc_to(equity * risk_percent / HUNDRED / (atr * atr_multiple), lot)


def kelly_fraction(win_rate: Decimal, payoff: Decimal) -> Decimal:
    """Kelly's fraction of equity for a bet won with probability ``win_rate`` that pays
    ``payoff`` times what a loss costs: ``p - (1 - p) / b``; zero when the edge is negative."""
    if not win_rate.is_finite() or not 0 <= win_rate <= 1:
        raise TradetermError(f"win rate must be between 0 and 1, got {win_rate}")
    _positive("payoff ratio (average win / average loss)", payoff)
    return max(ZERO, win_rate - (1 - win_rate) / payoff)


def capped_kelly(
    equity: Decimal,
    win_rate: Decimal,
    payoff: Decimal,
    price: Decimal,
    lot: Decimal,
    *,
    scale: Decimal = Decimal("0.5"),
    cap_percent: Decimal = Decimal(10),
) -> Decimal:
    """The quantity for ``scale`` times Kelly's fraction of ``equity`` (half Kelly by
    default), never more than ``cap_percent`` % of it, at ``price``, cut to the lot."""
    _positive("equity", equity)
    _percent("Kelly cap", cap_percent)
    if not scale.is_finite() or not 0 < scale <= 1:
        raise TradetermError(f"Kelly scale must be above 0 and at most 1, got {scale}")
    _positive("price", price)
    _positive("lot size", lot)
    fraction = min(kelly_fraction(win_rate, payoff) * scale, cap_percent / HUNDRED)
    return trunc_to(equity * fraction / price, lot)
