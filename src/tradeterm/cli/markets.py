"""`tradeterm markets`: a configured venue's markets (tick, lot, minimums, fees) as a table or JSON.

Also ``check_venue``, the ``--venue`` check ``record`` shares: a name config does not know is
refused naming the configured ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, TextIO

from tradeterm.config.settings import Settings
from tradeterm.domain.errors import ConfigError
from tradeterm.domain.market import Market


def venue_names(config: Settings) -> list[str]:
    """Every venue config knows: ``sim`` first, then each ``[venues.NAME]`` table."""
    return ["sim", *(name for name in config.venues if name != "sim")]


def check_venue(config: Settings, name: str) -> str:
    """The configured venue ``name`` names (case-insensitive), as config spells it.

    Raises:
        ConfigError: no such venue; the message lists the configured ones.
    """
    known = venue_names(config)
    for venue in known:
        if venue.lower() == name.strip().lower():
            return venue
    raise ConfigError(
        f"--venue {name!r} is not a configured venue; configured: {', '.join(known)} "
        f"(add a [venues.{name.strip().lower() or 'NAME'}] table to your config for another)"
    )


def with_symbols(config: Settings, venue: str, symbols: Sequence[str]) -> Settings:
    """``config`` with ``venue`` trading just ``symbols`` (an option overriding the file)."""
    if venue == "sim":
        return replace(config, sim=replace(config.sim, symbols=tuple(symbols)))
    table = replace(config.venues[venue], symbols=tuple(symbols))
    return replace(config, venues={**config.venues, venue: table})


def every_market(config: Settings, venue: str) -> Settings:
    """``config`` with ``venue`` listing every market it has, not just the configured ones."""
    if venue == "sim":
        return replace(config, sim=replace(config.sim, symbols=(), universe="all"))
    return with_symbols(config, venue, ())


def list_markets(
    config: Settings, name: str, as_json: bool, every: bool = False, out: TextIO | None = None
) -> int:
    """Print venue ``name``'s markets; returns the exit code.

    Raises:
        ConfigError: an unknown venue, or a configured symbol the sim does not list.
        VenueUnavailable: the exchange cannot be reached and no markets cache is there.
        DataError: a configured symbol is not listed by the exchange.
    """
    venue = check_venue(config, name)
    if every:
        config = every_market(config, venue)
    markets = asyncio.run(_load(config, venue))
    stream = out if out is not None else sys.stdout
    if as_json:
        stream.write(json.dumps([market_row(m) for m in markets], indent=1) + "\n")
    else:
        stream.write(format_table(markets) + "\n")
    return 0


class _Notices(logging.Handler):
    """The venue's notices while markets load ("markets from cache, N hours old"), to stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"tradeterm markets: {record.getMessage()}", file=sys.stderr)


async def _load(config: Settings, venue: str) -> Sequence[Market]:
    from tradeterm.cli.compose import market_feed
    from tradeterm.engine.clock import SystemClock

    feed = market_feed(config, SystemClock(), venue)
    logger = logging.getLogger("tradeterm.venues")
    handler = _Notices(logging.INFO)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        return list(await feed.load_markets())
    finally:
        close = getattr(feed, "close", None)  # a ccxt feed holds an HTTP session
        if close is not None:
            await close()
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _text(value: Decimal | None) -> str | None:
    """An exact Decimal as plain text, no exponent, trailing zeros dropped (``1E-8`` ->
    ``0.00000001``)."""
    if value is None:
        return None
    return f"{value.normalize():f}"


def _percent(rate: Decimal) -> str:
    return f"{_text(rate * 100)}%"


def market_row(market: Market) -> dict[str, Any]:
    """One market as JSON: exact numbers as strings, fees as rates (0.001 = 0.1 %)."""
    return {
        "venue": market.venue,
        "symbol": market.symbol,
        "base": market.base,
        "quote": market.quote,
        "tick_size": _text(market.tick_size),
        "lot_size": _text(market.lot_size),
        "min_qty": _text(market.min_qty),
        "max_qty": _text(market.max_qty),
        "min_notional": _text(market.min_notional),
        "maker_fee": _text(market.maker_fee),
        "taker_fee": _text(market.taker_fee),
        "active": market.active,
    }


HEADERS = ("SYMBOL", "TICK", "LOT", "MIN QTY", "MIN NOTIONAL", "MAKER", "TAKER", "STATUS")


def format_table(markets: Sequence[Market]) -> str:
    """The markets as an aligned table: text columns left, numbers right, one line each."""
    rows = [
        (
            m.symbol,
            _text(m.tick_size) or "",
            _text(m.lot_size) or "",
            _text(m.min_qty) or "",
            f"{_text(m.min_notional)} {m.quote}",
            _percent(m.maker_fee),
            _percent(m.taker_fee),
            "trading" if m.active else "inactive",
        )
        for m in markets
    ]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(HEADERS)]
    left = {0, len(HEADERS) - 1}

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        parts = [c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in pairs]
        return "  ".join(parts).rstrip()

    venue = markets[0].venue if markets else "?"
    lines = [line(HEADERS), *(line(r) for r in rows), f"{len(rows)} market(s) on {venue}"]
    return "\n".join(lines)
