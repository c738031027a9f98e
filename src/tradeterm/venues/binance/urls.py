"""Binance spot's REST and stream endpoints, from the defaults or ccxt-style ``urls``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PUBLIC = "https://api.binance.com/api/v3"
WS = "wss://stream.binance.com:9443/ws"


def endpoints(urls: Mapping[str, Any] | None) -> tuple[str, str]:
    """REST base and combined-stream base from ccxt-style ``urls``.

    ``urls.api.public`` is the REST base (``.../api/v3``); ``urls.api.ws`` is a url, or a
    table whose ``spot`` entry is one. A trailing ``/ws`` or ``/stream`` is dropped: the feed
    adds ``/stream?streams=...``.
    """
    api = (urls or {}).get("api", {})
    public = api.get("public", PUBLIC) if isinstance(api, Mapping) else PUBLIC
    ws: Any = api.get("ws", WS) if isinstance(api, Mapping) else WS
    if isinstance(ws, Mapping):
        ws = ws.get("spot", WS)
    base = str(ws).rstrip("/")
    for suffix in ("/ws", "/stream"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return str(public), base
