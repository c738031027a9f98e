"""The ccxt client of a live account: ccxt's async class, or its ccxt.pro class (the same REST
calls plus websocket streams) when the account follows a private stream."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradeterm.config.secrets import Credentials

# what a spot account needs from Binance: no futures markets, no private currency list
DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {
        "fetchCurrencies": False,
        "fetchMargins": False,
        "fetchMarkets": {"types": ["spot"]},
        "warnOnFetchOpenOrdersWithoutSymbol": False,
    }
}


def make_client(
    exchange_id: str,
    config: Mapping[str, Any],
    credentials: Credentials,
    *,
    sandbox: bool = False,
    streams: bool = False,
) -> Any:
    """The ccxt exchange for ``exchange_id`` with the account's keys (ccxt is imported only
    here); a ccxt.pro one when ``streams``."""
    if streams:
        import ccxt.pro as module
    else:
        import ccxt.async_support as module

    options = {**DEFAULT_OPTIONS.get(exchange_id, {})}
    options.update(config.get("options", {}))
    settings = {"enableRateLimit": True, **config, "options": options}
    settings.update(credentials.ccxt_config())
    client = getattr(module, exchange_id)(settings)
    if sandbox:
        client.set_sandbox_mode(True)
    return client
