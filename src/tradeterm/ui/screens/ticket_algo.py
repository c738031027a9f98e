"""The order ticket's ``algo`` field: ``twap 10m`` or ``vwap 30m`` turns a market order into
a TWAP or VWAP parent; its preview line says how it will be split."""

from __future__ import annotations

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.algos import MAX_DURATION_S, MIN_DURATION_S, NS, AlgoDesk, PlaceAlgo
from tradeterm.ui.cmdalgo import ALGO_WORDS, duration_text, parse_duration
from tradeterm.ui.cmdwords import shown

PLACEHOLDER = "twap 10m · vwap 30m"


def build_algo(text: str, order: PlaceOrder) -> tuple[PlaceAlgo | None, list[str]]:
    """The parent the ``algo`` field asks for (None when it is empty), or what is wrong."""
    words = text.lower().split()
    if not words:
        return None, []
    kind = words[0]
    if kind not in ALGO_WORDS or len(words) != 2:
        return None, [f"algo {shown(text)}: write twap or vwap and a duration (twap 10m)"]
    seconds = parse_duration(words[1])
    if seconds is None:
        return None, [f"algo duration {shown(words[1])}: a number with s, m or h (10m, 90s)"]
    if not MIN_DURATION_S <= seconds <= MAX_DURATION_S:
        return None, [f"algo duration {words[1]}: allowed 10s to 24h"]
    if order.type is not OrderType.MARKET:
        return None, [f"{kind} sends market orders: choose the market type"]
    if order.take_profit is not None or order.tif.value != "gtc" or order.reduce_only:
        return None, [f"{kind} takes no tp/sl, ioc/fok or reduce"]
    return PlaceAlgo(order, ALGO_WORDS[ALGO_WORDS.index(kind)], seconds), []


def algo_line(desk: AlgoDesk, command: PlaceAlgo) -> tuple[str, list[str]]:
    """How the parent will be split, or why it cannot be."""
    try:
        plan = desk.plan(command)
    except TradetermError as exc:
        return "", [str(exc)]
    every = duration_text(plan.interval_ns / NS)
    note = f" ({plan.note})" if plan.note else ""
    return (
        f"{plan.kind}: {len(plan.slices)} market orders over "
        f"{duration_text(plan.duration_s)}, one every {every}{note}",
        [],
    )
