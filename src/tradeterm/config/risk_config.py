"""The config file's risk sections: ``[accounts.risk]`` and its per-strategy overrides."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from tradeterm.config.section import Section
from tradeterm.engine.risk_rules import RiskLimits


class StrategyRiskConfig(Section):
    """Order-level limits for one strategy instance's orders; a key left out keeps the
    account's value."""

    max_positions: Annotated[int, Field(ge=0, le=1000)] | None = None
    """How many symbols may hold a position at once."""

    cooldown_s: Annotated[float, Field(ge=0, le=86_400)] | None = None
    """Seconds after a fill on a symbol before a new order that adds to it."""

    max_orders_per_minute: Annotated[int, Field(ge=1, le=10_000)] | None = None
    """New orders in any minute of the engine clock."""


class RiskConfig(StrategyRiskConfig):
    """The risk manager's limits for an account (``[accounts.risk]``); none by default. An
    order breaking one is refused with the rule and its numbers, and logged."""

    daily_loss: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = None
    """Loss, in ``quote``, since 00:00 UTC at which the account goes REDUCING (only orders
    that shrink a position) for the rest of the UTC day."""

    max_drawdown_pct: Annotated[Decimal, Field(gt=0, le=100, allow_inf_nan=False)] | None = None
    """Fall of equity below its peak, in %, at which the account is HALTED (cancels only)
    until you ``:resume`` it; resuming starts the peak again from equity then."""

    max_notional: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = None
    """Largest value of one order, in its market's quote asset (price x quantity)."""

    max_position: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = None
    """Largest quantity held in one instrument, long or short, in its base asset."""

    price_band_pct: Annotated[Decimal, Field(gt=0, le=100, allow_inf_nan=False)] | None = None
    """How far, in %, a limit price may be from the book's mid (the fat-finger guard)."""

    quote: Annotated[str, Field(min_length=1, max_length=16)] = "USDT"
    """The currency equity and losses are counted in (every asset held needs a market in it)."""

    strategies: dict[str, StrategyRiskConfig] = {}
    """Overrides by strategy instance name: ``[accounts.risk.strategies.mm] cooldown_s = 5``."""

    def to_limits(self) -> RiskLimits:
        def limits(section: StrategyRiskConfig) -> RiskLimits:
            return RiskLimits(
                max_positions=section.max_positions,
                cooldown_s=section.cooldown_s,
                max_orders_per_minute=section.max_orders_per_minute,
            )

        return RiskLimits(
            daily_loss=self.daily_loss,
            max_drawdown_pct=self.max_drawdown_pct,
            max_positions=self.max_positions,
            cooldown_s=self.cooldown_s,
            max_orders_per_minute=self.max_orders_per_minute,
            max_notional=self.max_notional,
            max_position=self.max_position,
            price_band_pct=self.price_band_pct,
            quote=self.quote,
            strategies={name: limits(s) for name, s in self.strategies.items()},
        )
