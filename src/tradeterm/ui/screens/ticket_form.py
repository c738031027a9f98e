"""The order ticket's logic, apart from its widgets: which fields an order type uses, the
fields' text turned into a PlaceOrder, and the engine's preview turned into lines to show."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from textual.content import Content

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType, Side, TimeInForce
from tradeterm.domain.market import Market
from tradeterm.domain.numbers import brief
from tradeterm.engine.risk import OrderPlan
from tradeterm.ui.cmdwords import NUMBER_HINT, parse_number, shown
from tradeterm.ui.format import fmt_amount, fmt_price

T = OrderType
#: The ticket's order types: (value, label).
TYPES = (
    (T.LIMIT.value, "limit"),
    (T.MARKET.value, "market"),
    (T.STOP_LIMIT.value, "stop-limit"),
    (T.STOP_MARKET.value, "stop-market"),
    (T.TAKE_PROFIT_LIMIT.value, "take-profit limit"),
    (T.TAKE_PROFIT_MARKET.value, "take-profit market"),
    (T.TRAILING_STOP.value, "trailing stop"),
)
_TRIGGERED = {T.STOP_LIMIT, T.STOP_MARKET, T.TAKE_PROFIT_LIMIT, T.TAKE_PROFIT_MARKET}
#: Which optional fields each order type uses; the others are disabled.
USES: dict[str, frozenset[OrderType]] = {
    "price": frozenset({T.LIMIT, T.STOP_LIMIT, T.TAKE_PROFIT_LIMIT}),
    "stop": frozenset(_TRIGGERED),
    "trail": frozenset({T.TRAILING_STOP}),
    "tp": frozenset({T.LIMIT, T.MARKET}),
    "sl": frozenset({T.LIMIT, T.MARKET}),
    "tif": frozenset({T.LIMIT, T.MARKET}),
    "post": frozenset({T.LIMIT}),
    "algo": frozenset({T.MARKET}),
}
_NAMES = {
    "price": "limit price",
    "stop": "trigger price",
    "trail": "trail distance",
    "tp": "take-profit",
    "sl": "stop-loss",
}


@dataclass(frozen=True, slots=True)
class TicketFields:
    """The ticket's fields as typed (text) or chosen."""

    symbol: str
    side: str
    type: str
    qty: str = ""
    price: str = ""
    stop: str = ""
    trail: str = ""
    tp: str = ""
    sl: str = ""
    tif: str = "gtc"
    post: bool = False
    reduce: bool = False
    algo: str = ""


def build_order(fields: TicketFields, market: Market | None) -> tuple[PlaceOrder | None, list[str]]:
    """The order the fields describe, or None and what is wrong with them (plain words)."""
    kind = OrderType(fields.type)
    problems: list[str] = []
    base, quote = (market.base, market.quote) if market else ("base units", "quote")
    qty: Decimal | None = None
    quote_qty: Decimal | None = None
    text = fields.qty.strip()
    if not text:
        problems.append(f"type a quantity: 0.5 ({base}) or $500 ({quote})")
    elif text.startswith("$"):
        quote_qty = parse_number(text[1:].strip())
        if quote_qty is None:
            problems.append(f"quantity {shown(text)} is not a value; write $500 or $1.5k")
    else:
        qty = parse_number(text)
        if qty is None:
            problems.append(f"quantity {shown(text)} is not a number; {NUMBER_HINT}, or $500")
    prices: dict[str, Decimal | None] = {}
    for name, label in _NAMES.items():
        raw = getattr(fields, name).strip()
        prices[name] = None
        if kind not in USES[name] or not raw:
            continue
        prices[name] = parse_number(raw)
        if prices[name] is None:
            problems.append(f"{label} {shown(raw)} is not a number; {NUMBER_HINT}")
    if problems:
        return None, problems
    uses_tif = kind in USES["tif"]
    return PlaceOrder(
        symbol=fields.symbol,
        side=Side(fields.side),
        type=kind,
        qty=qty,
        quote_qty=quote_qty,
        price=prices["price"],
        stop_price=prices["stop"],
        tif=TimeInForce(fields.tif) if uses_tif else TimeInForce.GTC,
        post_only=fields.post and kind in USES["post"],
        reduce_only=fields.reduce,
        trail=prices["trail"],
        take_profit=prices["tp"],
        stop_loss=prices["sl"],
    ), []


def _row(label: str, *parts: tuple[str, str] | str) -> Content:
    return Content.assemble((f"{label:<10}", "$text-muted"), *parts)


def preview_lines(plan: OrderPlan, cmd: PlaceOrder, market: Market) -> list[Content]:
    """What the order would do now, then every problem, in plain words."""
    base, quote = market.base, market.quote
    places, qty_places = market.price_places, market.qty_places
    lines: list[Content] = []
    size = f"{plan.qty:,.{qty_places}f} {base}"
    if cmd.quote_qty is not None and plan.qty:
        size += f" (${fmt_amount(cmd.quote_qty)} {quote})"
    if plan.outcome:  # IOC / FOK: what happens at once, and that nothing rests
        lines.append(_row(cmd.tif.value.upper(), plan.outcome))
    elif cmd.type in (T.MARKET, T.LIMIT):
        if plan.fill_now and plan.avg_price is not None:
            slip = "" if plan.slippage_bps is None else f"  {plan.slippage_bps:+.2f} bps vs mid"
            filled = f"{plan.fill_now:,.{qty_places}f} of {size}"
            avg = fmt_price(plan.avg_price, places + 2)
            lines.append(_row("fills now", f"{filled} at avg {avg}{slip}"))
        else:
            lines.append(_row("rests", f"{size} on the book: nothing fills now"))
        if plan.fill_now and cmd.type is T.LIMIT and plan.fill_now < plan.qty:
            rest = plan.qty - plan.fill_now
            lines.append(_row("then rests", f"{rest:,.{qty_places}f} {base} at the limit"))
    elif cmd.type is T.TRAILING_STOP:
        trail = "—" if cmd.trail is None else brief(cmd.trail)
        lines.append(_row("waits", f"{size}: fires when the price turns by {trail}"))
    else:
        trigger = "—" if cmd.stop_price is None else fmt_price(cmd.stop_price, places)
        lines.append(_row("waits", f"{size} until the price reaches {trigger}"))
    if plan.mid is not None:
        lines.append(_row("mid", fmt_price(plan.mid, places + 1)))

    def amount(value: Decimal, asset: str) -> str:
        return f"{fmt_amount(value, max(2, places) if asset == quote else 8)} {asset}"

    if plan.fee_asset:
        lines.append(_row("fee", f"{amount(plan.fee, plan.fee_asset)} (estimated)"))
    if plan.position_after is not None:
        after = f"position {plan.position_after:+,.{qty_places}f} {base}"
        if plan.base_after is not None and plan.quote_after is not None:
            after += f"   balances {amount(plan.base_after, base)}"
            after += f", {amount(plan.quote_after, quote)}"
        lines.append(_row("after", after))
    if plan.hold and plan.hold_asset:
        lines.append(_row("holds", amount(plan.hold, plan.hold_asset)))
    return lines


def risk_lines(plan: OrderPlan) -> list[Content]:
    """The account's per-order risk rules with this order's numbers, before it is sent."""
    lines: list[Content] = []
    for check in plan.risk_checks:
        mark = "✗ refuses" if check.refuses else "✓"
        text = f"{check.rule}: {check.value} (limit {check.limit}) {mark}"
        lines.append(_row("risk", text))
    return lines


def problem_lines(problems: list[str]) -> list[Content]:
    return [Content.styled(f"✗ {problem}", "$error") for problem in problems]
