"""The command line's execution-algorithm words: ``twap DURATION`` or ``vwap DURATION`` after a
market order's quantity (``buy 2 ETH/USDT twap 10m``, ``sell $5000 BTC/USDT vwap 30m``)."""

from __future__ import annotations

import re

from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderType
from tradeterm.domain.errors import TradetermError
from tradeterm.engine.algos import (
    MAX_DURATION_S,
    MIN_DURATION_S,
    NS,
    AlgoKind,
    AlgoOrder,
    PlaceAlgo,
    algo_desk,
)
from tradeterm.engine.engine import Engine
from tradeterm.ui.cmdwords import CommandError, Reader, Token

ALGO_WORDS: tuple[AlgoKind, ...] = ("twap", "vwap")
ALGO_HELP = "twap|vwap DURATION (e.g. 10m, 90s, 1h30m: from 10s to 24h)"
_PART = re.compile(r"(\d+(?:\.\d+)?)([smh])")
_UNIT = {"s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float | None:
    """Seconds in ``10m``, ``90s``, ``1h30m``, ``1.5h``; None when it is not a duration."""
    word = text.lower()
    parts = list(_PART.finditer(word))
    if not parts or "".join(p.group(0) for p in parts) != word:
        return None
    return sum(float(p.group(1)) * _UNIT[p.group(2)] for p in parts)


def read_duration(reader: Reader, kind: str) -> float:
    """The duration after ``twap``/``vwap``.

    Raises:
        CommandError: missing, not a duration, or out of range (says what is allowed).
    """
    token = reader.take(f"duration after {kind}, e.g. 10m")
    seconds = parse_duration(token.text)
    if seconds is None:
        raise reader.error(
            f"{token.text!r} is not a duration: write a number with s, m or h (10m, 90s, 1h)",
            token,
        )
    if not MIN_DURATION_S <= seconds <= MAX_DURATION_S:
        raise reader.error(f"{kind} duration {token.text}: allowed 10s to 24h", token)
    return seconds


def algo_order(
    reader: Reader, order: PlaceOrder, kind: AlgoKind, seconds: float, at: Token, share: bool
) -> PlaceAlgo:
    """``order`` run by ``kind`` over ``seconds``.

    Raises:
        CommandError: the order is not a plain market order sized in base or quote.
    """
    if share:
        raise CommandError(
            f"{kind} takes a quantity or a $ value, not a share of what is held",
            at.pos,
            reader.form,
        )
    if order.type is not OrderType.MARKET or order.take_profit is not None:
        raise reader.error(f"{kind} sends market orders: leave out @, stop, trail, tp and sl", at)
    if order.tif.value != "gtc" or order.post_only or order.reduce_only:
        raise reader.error(f"{kind} takes no ioc, fok, post or reduce", at)
    return PlaceAlgo(order, kind, seconds)


def duration_text(seconds: float) -> str:
    """``10m``, ``90s`` -> ``1m30s``, ``1h30m``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"


def started_text(algo: AlgoOrder) -> str:
    """What the notification says when a parent starts."""
    size = f"${algo.target:,.2f}" if algo.in_quote else f"{algo.target.normalize():f}"
    every = duration_text(algo.interval_ns / NS)
    note = f" ({algo.note})" if algo.note else ""
    return (
        f"{algo.id}: {algo.kind} {algo.order.side.value} {size} {algo.order.symbol} over "
        f"{duration_text(algo.duration_s)}, {len(algo.slices)} orders, one every {every}{note}"
    )


def check_algo(engine: Engine, command: PlaceAlgo) -> str:
    """Why the parent cannot start ("" when it can): the whole order's problems (funds,
    trading state...) as a plain order would have them, then the split's."""
    if problems := engine.preview(command.order).problems:
        return f"{command.kind} not started: " + "; ".join(problems)
    try:
        algo_desk(engine).plan(command)
    except TradetermError as exc:
        return f"{command.kind} not started: {exc}"
    return ""
