"""Binance spot's REST request weights: what each request the feed makes costs, the limit
exchangeInfo states, and the header with the weight the exchange has counted.

Binance documents (spot REST ``/api/v3``): REQUEST_WEIGHT 6,000 a minute per IP address
(exchangeInfo's ``rateLimits`` says the limit in force: the recorded 2021 body says 1,200);
``depth`` weighs 5 up to ``limit=100``, 25 up to 500, 50 up to 1,000, 250 up to 5,000;
``klines`` 2; ``exchangeInfo`` 20. Each answer carries ``X-MBX-USED-WEIGHT-1M`` (the window's
length in its name). Past the limit Binance answers 429 with Retry-After, and an address that
keeps asking is banned with 418 (2 minutes to 3 days). RAW_REQUESTS (61,000 per 5 minutes)
is not counted: at 6,000 weight a minute and at least weight 2 a request the feed cannot
reach it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs

import msgspec

from tradeterm.engine.clock import Clock
from tradeterm.venues.rest_budget import Limit, RestBudget

DEFAULT = Limit(6_000, 60.0)
"""Binance's documented REQUEST_WEIGHT when exchangeInfo does not say."""
WEIGHTS = {"exchangeInfo": 20, "klines": 2}
DEPTH_WEIGHTS = ((100, 5), (500, 25), (1_000, 50))
"""``depth``'s weight by its ``limit`` (default 100): up to 100 weighs 5, and so on; above
1,000 it weighs 250."""
_SECONDS = {"SECOND": 1.0, "MINUTE": 60.0, "HOUR": 3600.0, "DAY": 86400.0}


def weight(path: str) -> int:
    """The request weight of ``path`` (``depth?symbol=BTCUSDT&limit=1000`` -> 50); a request
    Binance documents no weight for here counts 1."""
    route, _, query = path.lstrip("/").partition("?")
    if route != "depth":
        return WEIGHTS.get(route, 1)
    try:
        limit = int(parse_qs(query).get("limit", ["100"])[0])
    except ValueError:
        limit = 100
    return next((w for most, w in DEPTH_WEIGHTS if limit <= most), 250)


def used_header(limit: Limit) -> str:
    """The answer header with the weight counted in ``limit``'s window
    (``X-MBX-USED-WEIGHT-1M`` for a minute)."""
    for unit, seconds in reversed(_SECONDS.items()):
        count = limit.window_s / seconds
        if count >= 1 and count == int(count):
            return f"X-MBX-USED-WEIGHT-{int(count)}{unit[0]}"
    return "X-MBX-USED-WEIGHT-1M"


class _RateLimit(msgspec.Struct):
    rateLimitType: str = ""  # noqa: N815 (Binance's names)
    interval: str = ""
    intervalNum: int = 1  # noqa: N815
    limit: int = 0


class _Limits(msgspec.Struct):
    rateLimits: list[_RateLimit] = []  # noqa: N815 (msgspec copies defaults)


_LIMITS = msgspec.json.Decoder(_Limits)


def stated_limit(body: bytes) -> Limit | None:
    """The REQUEST_WEIGHT limit an exchangeInfo body states, or None when it states none
    (or cannot be read: the markets reading says why)."""
    try:
        stated = _LIMITS.decode(body).rateLimits
    except msgspec.DecodeError:
        return None
    for entry in stated:
        seconds = _SECONDS.get(entry.interval)
        if entry.rateLimitType == "REQUEST_WEIGHT" and seconds and entry.limit > 0:
            return Limit(entry.limit, seconds * max(entry.intervalNum, 1))
    return None


def budget(
    venue: str,
    limit: Limit | None,
    clock: Clock | None,
    logger: logging.Logger,
    on_paced: Callable[[str], None] | None,
) -> RestBudget:
    """A Binance venue's budget: ``limit`` (None: the documented default until exchangeInfo
    states the one in force, ``adopt_stated``)."""
    chosen = limit or DEFAULT
    return RestBudget(venue, chosen, weight, used_header(chosen), clock, logger, on_paced)


def adopt_stated(budget: RestBudget, body: bytes) -> None:
    """Count against the limit the exchangeInfo ``body`` states, if it states one."""
    stated = stated_limit(body)
    if stated is not None:
        budget.adopt(stated)
        budget.used_header = used_header(stated)
