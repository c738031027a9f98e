"""A local stand-in for Kraken spot's REST on 127.0.0.1: the markets (the recorded AssetPairs)
and the signed private calls a dead-man's switch needs (CancelAllOrdersAfter, BalanceEx,
OpenOrders).

aiohttp serves it, as for the Binance stand-in (ccxt's async client already depends on it).
Every private call must carry the API key and a valid ``API-Sign`` (HMAC-SHA512 over the
path and the SHA-256 of nonce + body, with the base64 secret), and nonces must rise, as on
Kraken; ``dead_man`` keeps each CancelAllOrdersAfter's timeout in seconds (0 = off).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

REST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "rest"
ASSET_PAIRS = REST / "kraken_spot_20251111_nautilus" / "http_asset_pairs.json"


class KrakenRestStandIn:
    def __init__(self, api_key: str, secret_b64: str) -> None:
        self.api_key = api_key
        self.secret = base64.b64decode(secret_b64)
        self.dead_man: list[int] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._nonce = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/0/public/AssetPairs", self._asset_pairs)
        app.router.add_get("/0/public/Assets", self._assets)
        app.router.add_post("/0/private/{method}", self._private)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def ccxt_urls(self) -> dict[str, Any]:
        """Every Kraken API at this address: nothing a test does can leave the machine."""
        import ccxt

        return {"api": {key: self.url for key in ccxt.kraken().urls["api"]}}

    async def _asset_pairs(self, request: web.Request) -> web.Response:
        self.requests.append(("AssetPairs", {}))
        return web.Response(body=ASSET_PAIRS.read_bytes(), content_type="application/json")

    async def _assets(self, request: web.Request) -> web.Response:
        self.requests.append(("Assets", {}))
        return _ok({})

    async def _private(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.text()
        params = dict(parse_qsl(body, keep_blank_values=True))
        self.requests.append((method, params))
        if request.headers.get("API-Key") != self.api_key:
            return _fail("EAPI:Invalid key")
        nonce = params.get("nonce", "")
        digest = hashlib.sha256((nonce + body).encode()).digest()
        signed = hmac.new(self.secret, request.path.encode() + digest, hashlib.sha512).digest()
        if request.headers.get("API-Sign") != base64.b64encode(signed).decode():
            return _fail("EAPI:Invalid signature")
        if not nonce.isdigit() or int(nonce) <= self._nonce:
            return _fail("EAPI:Invalid nonce")
        self._nonce = int(nonce)
        if method == "CancelAllOrdersAfter":
            timeout = int(params["timeout"])
            self.dead_man.append(timeout)
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            trigger = "0" if timeout == 0 else now
            return _ok({"currentTime": now, "triggerTime": trigger})
        if method == "OpenOrders":
            return _ok({"open": {}})
        if method == "BalanceEx":
            return _ok(
                {
                    "ZUSD": {"balance": "1000.0000", "hold_trade": "0.0000"},
                    "XXBT": {"balance": "0.0100000000", "hold_trade": "0.0000000000"},
                }
            )
        return _fail(f"EGeneral:Unknown method {method} (the stand-in has no such call)")


def _ok(result: Any) -> web.Response:
    return web.Response(text=json.dumps({"error": [], "result": result}),
                        content_type="application/json")  # fmt: skip


def _fail(message: str) -> web.Response:
    return web.Response(text=json.dumps({"error": [message]}), content_type="application/json")
