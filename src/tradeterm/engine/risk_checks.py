"""The per-order pre-trade checks with their numbers, for the ticket preview and the veto:
maximum notional per order, maximum position per instrument, the price band around mid (the
fat-finger guard) and the order rate.

``order_checks`` lists each rule the account sets, with its limit, this order's figure and
whether it would refuse the order; the ticket shows them before the user sends. The first
three refuse through ``RiskManager.vetoes``; the order rate's refusal is worded by
``risk_rules.vetoes`` (this only shows its count). An order that only shrinks a position is
never refused by the position limit or the order rate; the notional and the band apply to
every order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import Side
from tradeterm.domain.numbers import ZERO
from tradeterm.engine.risk_rules import RATE_WINDOW_NS, RiskLimits, RiskSnapshot, reduces

RATE_RULE = "orders per minute"


@dataclass(frozen=True, slots=True)
class RiskCheck:
    """One rule against one order: ``limit`` and ``value`` in words, ``refusal`` the reason
    it refuses the order ("" when it passes)."""

    rule: str
    limit: str
    value: str
    refusal: str = ""

    @property
    def refuses(self) -> bool:
        return bool(self.refusal)


def _num(value: Decimal) -> str:
    return f"{value.normalize():,f}"


def order_checks(
    cmd: PlaceOrder,
    qty: Decimal,
    price: Decimal | None,
    mid: Decimal | None,
    quote: str,
    base: str,
    limits: RiskLimits,
    snap: RiskSnapshot,
) -> list[RiskCheck]:
    """Every per-order rule ``limits`` sets, checked for ``cmd`` (``qty`` base units at
    ``price``: the limit price, else the expected average fill; ``mid`` of the book)."""
    limits = limits.for_tag(cmd.tag)
    held = snap.positions.get(cmd.symbol, ZERO)
    shrinks = reduces(cmd, qty, held)
    out: list[RiskCheck] = []
    if limits.max_notional is not None:
        cap = f"{_num(limits.max_notional)} {quote}"
        if price is None:
            out.append(RiskCheck("max notional per order", cap, "no price to judge it by"))
        else:
            notional = qty * price
            said = f"this order {_num(notional)} {quote}"
            why = ""
            if notional > limits.max_notional:
                why = f"maximum notional per order: {said} is above the limit of {cap}"
            out.append(RiskCheck("max notional per order", cap, said, why))
    if limits.max_position is not None:
        after = held + (qty if cmd.side is Side.BUY else -qty)
        cap = f"{_num(limits.max_position)} {base}"
        said = f"position after {_num(after)} {base}"
        why = ""
        if abs(after) > limits.max_position and not shrinks:
            why = (
                f"maximum position in {cmd.symbol}: {_num(held)} {base} held, "
                f"{_num(after)} after this order, the limit is {cap}"
            )
        out.append(RiskCheck(f"max position in {cmd.symbol}", cap, said, why))
    if limits.price_band_pct is not None:
        band = f"±{_num(limits.price_band_pct)}% of mid"
        if cmd.price is None or mid is None or mid <= 0:
            said = "market order: no limit price" if cmd.price is None else "no mid to judge"
            out.append(RiskCheck("price band", band, said))
        else:
            off = (cmd.price - mid) / mid * 100
            said = f"{off:+.2f}% from mid {_num(mid)}"
            why = ""
            if abs(off) > limits.price_band_pct:
                why = (
                    f"price band: {_num(cmd.price)} is {abs(off):.2f}% from mid {_num(mid)}, "
                    f"the band is {_num(limits.price_band_pct)}% (a fat finger?)"
                )
            out.append(RiskCheck("price band", band, said, why))
    if limits.max_orders_per_minute is not None:
        recent = [t for t in snap.recent_orders_ns if snap.now_ns - t < RATE_WINDOW_NS]
        cap = f"{limits.max_orders_per_minute} per minute"
        said = f"{len(recent)} in the last 60 s" + (" (an exit: exempt)" if shrinks else "")
        full = len(recent) >= limits.max_orders_per_minute and not shrinks
        why = f"maximum order rate: {len(recent)} orders in the last 60 s" if full else ""
        out.append(RiskCheck(RATE_RULE, cap, said, why))
    return out
