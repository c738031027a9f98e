"""Kraken's public REST says "refused" in a 200 answer: ``{"error": ["EGeneral:Too many
requests"], "result": {}}``. ``refusal`` reads those bodies for ``net.RestClient``, so a rate
limit pauses every request of the venue and an outage is retried, as a 429 or a 503 would be.

Kraken does not say how long to wait after its rate limit (its public counter drains about
one call a second), so the venue pauses ``PAUSE_S``. Any other error (an unknown pair, bad
arguments) is a real answer: the caller reports it.
"""

from __future__ import annotations

import orjson

from tradeterm.venues.net import RestError

PAUSE_S = 5.0
"""Seconds every request of the venue waits after Kraken says it is rate limited."""

RATE_LIMITED = ("EGeneral:Too many requests", "EAPI:Rate limit exceeded")
UNAVAILABLE = ("EService:Unavailable", "EService:Busy")


def refusal(body: bytes) -> RestError | None:
    """The error a Kraken answer stands for (429 rate limited, 503 unavailable), else None."""
    if body[:16].replace(b" ", b"").startswith(b'{"error":[]'):
        return None  # the usual answer, without reading the rest of it
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None  # (not JSON: the caller says what is wrong with it)
    errors = data.get("error") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return None
    said = "; ".join(map(str, errors))
    if any(str(e).startswith(RATE_LIMITED) for e in errors):
        return RestError(f"Kraken: {said}", 429, PAUSE_S)
    if any(str(e).startswith(UNAVAILABLE) for e in errors):
        return RestError(f"Kraken: {said}", 503, None)
    return None
