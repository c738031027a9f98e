"""Risk limits and the pure check of one order against them, with the numbers in words.

``RiskLimits`` is what config sets per account (and per strategy, by the tag its
orders carry); ``RiskSnapshot`` is what the risk manager knows at the moment of the
order; ``vetoes`` lists every rule the order breaks. Orders that only shrink a
position are exempt from the cooldown, the position count and the order rate, so an
exit is never held back by the rules meant to stop new risk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeterm.domain.enums import Side
from tradeterm.domain.numbers import ZERO

if TYPE_CHECKING:  # annotations only: the config loads this module before the first frame
    from tradeterm.domain.commands import PlaceOrder

NS = 1_000_000_000
RATE_WINDOW_NS = 60 * NS
"""The order rate is counted over the last minute of the engine clock."""


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Limits of one account; None (or empty) switches a rule off.

    ``strategies`` overrides, for orders tagged with a strategy's instance name, the
    order-level rules (positions, cooldown, rate): a field left None there keeps the
    account's value. Daily loss and drawdown are the account's alone.
    """

    daily_loss: Decimal | None = None
    """Loss in ``quote`` since the UTC day began at which the account goes REDUCING."""
    max_drawdown_pct: Decimal | None = None
    """Fall of equity below its peak, in %, at which the account is HALTED."""
    max_positions: int | None = None
    """How many symbols may hold a position at once."""
    cooldown_s: float | None = None
    """Seconds after a fill on a symbol before a new order that adds to it."""
    max_orders_per_minute: int | None = None
    """New orders in any minute of the engine clock."""
    max_notional: Decimal | None = None
    """Value of one order in its market's quote (see ``engine.risk_checks``)."""
    max_position: Decimal | None = None
    """Quantity held in one instrument, long or short, in its base asset."""
    price_band_pct: Decimal | None = None
    """How far, in %, a limit price may be from the book's mid."""
    quote: str = "USDT"
    """The currency equity and losses are counted in."""
    strategies: Mapping[str, RiskLimits] = field(default_factory=dict)

    def for_tag(self, tag: str) -> RiskLimits:
        """The limits for an order placed by ``tag`` (a strategy instance; "" by hand)."""
        override = self.strategies.get(tag) if tag else None
        if override is None:
            return self
        changes = {
            f.name: getattr(override, f.name)
            for f in fields(RiskLimits)
            if f.name in ("max_positions", "cooldown_s", "max_orders_per_minute")
            and getattr(override, f.name) is not None
        }
        return replace(self, **changes)

    @property
    def any(self) -> bool:
        return any(
            value is not None
            for value in (
                self.daily_loss,
                self.max_drawdown_pct,
                self.max_positions,
                self.cooldown_s,
                self.max_orders_per_minute,
                self.max_notional,
                self.max_position,
                self.price_band_pct,
            )
        ) or any(limits.any for limits in self.strategies.values())


@dataclass(frozen=True, slots=True)
class RiskSnapshot:
    """What the risk manager knows about an account when an order comes."""

    now_ns: int
    positions: Mapping[str, Decimal]
    """Quantity held per symbol (negative: short); zero or absent: no position."""
    last_fill_ns: Mapping[str, int] = field(default_factory=dict)
    """When each symbol last traded on this account."""
    recent_orders_ns: Sequence[int] = ()
    """When the account's recent orders were accepted."""
    equity: Decimal | None = None
    """What the account is worth now in the limits' quote (None: cannot be valued)."""
    day_start_equity: Decimal | None = None
    peak_equity: Decimal | None = None


def reduces(cmd: PlaceOrder, qty: Decimal, held: Decimal) -> bool:
    """True when the order can only shrink the position ``held`` (it never opens or adds)."""
    if qty <= 0:
        return False
    if cmd.side is Side.SELL:
        return held > 0 and qty <= held
    return held < 0 and qty <= -held


def day_loss(snap: RiskSnapshot) -> Decimal | None:
    if snap.equity is None or snap.day_start_equity is None:
        return None
    return snap.day_start_equity - snap.equity


def drawdown_pct(snap: RiskSnapshot) -> Decimal | None:
    if snap.equity is None or snap.peak_equity is None or snap.peak_equity <= 0:
        return None
    return (snap.peak_equity - snap.equity) / snap.peak_equity * 100


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _secs(ns: float) -> str:
    return f"{ns / NS:.0f} s" if ns >= NS else f"{ns / NS:.1f} s"


def loss_breach(limits: RiskLimits, snap: RiskSnapshot) -> str | None:
    """The daily loss rule in words when the day's loss has reached the limit, else None."""
    loss = day_loss(snap)
    if limits.daily_loss is None or loss is None or loss < limits.daily_loss:
        return None
    assert snap.day_start_equity is not None and snap.equity is not None
    return (
        f"daily loss limit: down {_money(loss)} {limits.quote} today "
        f"({_money(snap.day_start_equity)} -> {_money(snap.equity)}), "
        f"the limit is {_money(limits.daily_loss)} {limits.quote}; "
        "only orders that shrink a position until 00:00 UTC"
    )


def drawdown_breach(limits: RiskLimits, snap: RiskSnapshot) -> str | None:
    """The drawdown rule in words when equity fell the limit below its peak, else None."""
    fall = drawdown_pct(snap)
    if limits.max_drawdown_pct is None or fall is None or fall < limits.max_drawdown_pct:
        return None
    assert snap.peak_equity is not None and snap.equity is not None
    return (
        f"maximum drawdown: equity {_money(snap.equity)} {limits.quote} is {fall:.2f}% "
        f"below its peak of {_money(snap.peak_equity)}, the limit is "
        f"{limits.max_drawdown_pct}%; no new orders until :resume"
    )


def vetoes(cmd: PlaceOrder, qty: Decimal, limits: RiskLimits, snap: RiskSnapshot) -> list[str]:
    """Every risk rule ``cmd`` (for ``qty`` base units) breaks, each with its numbers."""
    limits = limits.for_tag(cmd.tag)
    out: list[str] = []
    if (breach := drawdown_breach(limits, snap)) is not None:
        out.append(breach)
    held = snap.positions.get(cmd.symbol, ZERO)
    if reduces(cmd, qty, held):
        return out
    if (breach := loss_breach(limits, snap)) is not None:
        out.append(breach)
    if limits.max_positions is not None and held == 0:
        open_ = sorted(s for s, q in snap.positions.items() if q != 0 and s != cmd.symbol)
        if len(open_) >= limits.max_positions:
            out.append(
                f"maximum concurrent positions: {len(open_)} open ({', '.join(open_)}), "
                f"the limit is {limits.max_positions}; a new position in {cmd.symbol} "
                "would exceed it"
            )
    last = snap.last_fill_ns.get(cmd.symbol)
    if limits.cooldown_s is not None and last is not None:
        wait_ns = limits.cooldown_s * NS
        since = snap.now_ns - last
        if since < wait_ns:
            out.append(
                f"cooldown on {cmd.symbol}: it traded {_secs(since)} ago, the rule waits "
                f"{limits.cooldown_s:g} s after a trade; try again in {_secs(wait_ns - since)}"
            )
    if limits.max_orders_per_minute is not None:
        window = [t for t in snap.recent_orders_ns if snap.now_ns - t < RATE_WINDOW_NS]
        if len(window) >= limits.max_orders_per_minute:
            when = "no orders may be placed"
            if window:
                when = f"try again in {_secs(min(window) + RATE_WINDOW_NS - snap.now_ns)}"
            out.append(
                f"maximum order rate: {len(window)} orders in the last 60 s, the limit is "
                f"{limits.max_orders_per_minute} per minute; {when}"
            )
    return out
