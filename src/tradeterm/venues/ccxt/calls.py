"""One ccxt call: in a decimal context of its own, markets loaded first, errors translated."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from tradeterm.venues.ccxt.errors import Translated, is_ccxt, translate


async def call(
    client: Any, method: str, args: tuple[Any, ...], label: str, redact: Callable[[str], str]
) -> Any:
    """``client.method(*args)``; ccxt's errors come out as ``Translated`` (see
    ``errors.translate``), ``label`` naming the exchange and ``redact`` hiding secrets."""
    # ccxt sets traps and rounding on the decimal context it runs in: give it its own,
    # so the engine's Decimal arithmetic is never changed by an exchange call
    with decimal.localcontext():
        return await _call_in(client, method, args, label, redact)


async def _call_in(
    client: Any, method: str, args: tuple[Any, ...], label: str, redact: Callable[[str], str]
) -> Any:
    try:
        if not client.markets and "_" in method:  # unified calls; implicit endpoints need none
            await client.load_markets()
        return await getattr(client, method)(*args)
    except Exception as exc:
        if not is_ccxt(exc):
            raise
        body = str(getattr(client, "last_http_response", "") or "")
        error = translate(exc, label, redact, body)
        raise Translated(exc, error) from None
