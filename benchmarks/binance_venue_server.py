"""A local Binance spot venue of 20 USDT markets for the start-up benchmark, in a process of
its own: the test suite's stand-in serving exchangeInfo, a 1000-level depth snapshot, a day
of one-minute klines and a live combined stream (depth@100ms and trades) for every symbol.

The data are recorded, but only BTC/USDT's: the hftbacktest BTCUSDT capture of 2024-08-08
(its REST snapshot and the depth and trade messages that follow it). The other 19 symbols
replay the same messages re-labelled with their own name and scaled to a plausible price by
a power of ten (prices times 10**-k, quantities times 10**k, so order values and the book's
shape are unchanged); their exchangeInfo filters are BTCUSDT's scaled the same way, so every
recorded price lies on the market's tick and every size on its lot. The klines are made up: a
seeded random walk around the snapshot's price. Exchange timestamps are moved to the
server's start, so the stream looks live. Messages are sent at the capture's mean rate (about
38 a second a symbol: 10 depth diffs and 28 trades), one symbol's copy after another, kept
against the clock from each connection's start (``PacedStandIn``).

``python benchmarks/binance_venue_server.py [--seconds N] [--rate R] [--depth-only]`` prints
``port`` on one line and serves at once (``--rate``: R messages a second instead of the
capture's rate, for the streaming benchmark; ``--depth-only``: no trades; ``--no-deflate``:
decline a client's offer of permessage-deflate); each line then
read from standard input is answered with one line ``frames_sent depth_requests
klines_requests connections``; it stops when standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "binance"))

from binance_standin import BinanceStandIn

from binance_server import CAPTURE, EXCHANGE_INFO

SCALE: dict[str, int] = {
    "BTC": 0,
    "ETH": 1,
    "SOL": 3,
    "BNB": 2,
    "XRP": 5,
    "ADA": 5,
    "DOGE": 6,
    "AVAX": 3,
    "DOT": 4,
    "LINK": 4,
    "LTC": 3,
    "TRX": 6,
    "ATOM": 4,
    "NEAR": 4,
    "UNI": 4,
    "FIL": 4,
    "MATIC": 5,
    "BCH": 2,
    "ETC": 3,
    "XLM": 6,
}
"""Base asset -> k: its prices are BTC's times 10**-k (BTC at ~62,000: ETH ~6,200, DOGE ~0.06)."""
SYMBOLS = [f"{base}/USDT" for base in SCALE]
"""The 20 unified symbols served, BTC/USDT first."""
KLINE_MINUTES = 1500
"""A day of one-minute bars and a little more: what the candle backfill asks for at start."""


def _shift(text: str, k: int) -> str:
    return format(Decimal(text).scaleb(k), "f")


def _levels(levels: list[list[str]], k: int) -> list[list[str]]:
    return [[_shift(price, -k), _shift(qty, k)] for price, qty in levels]


def read_capture(seconds: float) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    """The capture's REST snapshot and the depth and trade messages that follow it, with their
    receive times, over ``seconds``: depth where ``u`` passes the snapshot's id, counting those
    recorded before the snapshot's answer arrived (the first of them bridges it: without it
    the book keeps a level that message removed, and crosses about 90 s in)."""
    snapshot: dict[str, Any] | None = None
    messages: list[tuple[int, dict[str, Any]]] = []
    with gzip.open(CAPTURE, "rt") as lines:
        for line in lines:
            stamp, _, body = line.partition(" ")
            if snapshot is None and '"lastUpdateId"' in body[:20]:
                snapshot = json.loads(body)
                continue
            if "@depth" not in body[:40] and ("@trade" not in body[:40] or snapshot is None):
                continue
            message = json.loads(body)
            if messages and int(stamp) - messages[0][0] > seconds * 1e9:
                break
            messages.append((int(stamp), message))
    assert snapshot is not None, "no snapshot in the capture"
    last = snapshot["lastUpdateId"]
    return snapshot, [
        (stamp, m)
        for stamp, m in messages
        if m["data"].get("e") != "depthUpdate" or m["data"]["u"] > last
    ]


def scaled_books(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The recorded snapshot as each served symbol's, scaled (see ``relabel``)."""
    return {
        f"{base}USDT": {
            "lastUpdateId": snapshot["lastUpdateId"],
            "bids": _levels(snapshot["bids"], k),
            "asks": _levels(snapshot["asks"], k),
        }
        for base, k in SCALE.items()
    }


def relabel(message: dict[str, Any], base: str, offset_ms: int) -> str:
    """One recorded BTCUSDT message as ``base``'s, scaled and moved in time."""
    k, native = SCALE[base], f"{base}USDT"
    data = dict(message["data"])
    data["s"] = native
    for key in ("E", "T"):
        if key in data:
            data[key] += offset_ms
    if data.get("e") == "depthUpdate":
        data["b"], data["a"] = _levels(data["b"], k), _levels(data["a"], k)
    else:
        data["p"], data["q"] = _shift(data["p"], -k), _shift(data["q"], k)
    stream = message["stream"].replace("btcusdt", native.lower())
    return json.dumps({"stream": stream, "data": data}, separators=(",", ":"))


def exchange_info() -> bytes:
    """The recorded exchangeInfo with each served symbol's filters set to BTCUSDT's, scaled,
    and the request weight limit Binance states today (6,000 a minute; the 2021 body says
    1,200, which two starts of 20 books within a minute pass: the feed would wait)."""
    info = json.loads(EXCHANGE_INFO.read_bytes())
    for limit in info["rateLimits"]:
        if limit["rateLimitType"] == "REQUEST_WEIGHT":
            limit["limit"] = 6000
    by_name = {s["symbol"]: s for s in info["symbols"]}
    template = by_name["BTCUSDT"]["filters"]
    for base, k in SCALE.items():
        filters = [dict(f) for f in template]
        for f in filters:
            if f["filterType"] == "PRICE_FILTER":
                for key in ("minPrice", "maxPrice", "tickSize"):
                    f[key] = _shift(f[key], -k)
            elif f["filterType"] in ("LOT_SIZE", "MARKET_LOT_SIZE"):
                for key in ("minQty", "maxQty", "stepSize"):
                    f[key] = _shift(f[key], k)
        by_name[f"{base}USDT"]["filters"] = filters
    return json.dumps(info).encode()


def klines(mid: Decimal, k: int, now_ms: int, seed: int) -> list[list[Any]]:
    """``KLINE_MINUTES`` closed one-minute bars up to the current minute: a seeded walk."""
    rng = random.Random(seed)
    tick = Decimal("0.01").scaleb(-k)
    price = float(mid.scaleb(-k))
    first = now_ms - now_ms % 60_000 - KLINE_MINUTES * 60_000
    rows: list[list[Any]] = []
    for i in range(KLINE_MINUTES):
        open_ = price
        path = [open_ * (1 + rng.gauss(0, 0.0004)) for _ in range(4)]
        price = path[-1]
        values = [
            Decimal(repr(x)).quantize(tick)
            for x in (open_, max(open_, *path), min(open_, *path), price)
        ]
        volume = Decimal(repr(rng.uniform(5, 50))).scaleb(k).quantize(Decimal(1))
        ts = first + i * 60_000
        rows.append([ts, *map(str, values), str(volume), ts + 59_999, "0", 100, "0", "0", "0"])
    return rows


class PacedStandIn(BinanceStandIn):
    """The stand-in sending ``rate`` frames a second on average: it sleeps ``interval_s`` after
    each frame it plays, and here that is the time left until the frame's slot (a fixed
    pause per frame would add the event loop's own delay to every one, halving the rate)."""

    def __init__(self, *args: Any, rate: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate = rate
        self._pending: list[str] = []
        self._since = (-1, 0.0, 0)  # (connection, its start, position then)

    @property
    def interval_s(self) -> float:
        connection, started, first = self._since
        now = time.perf_counter()
        if connection != self.connections:
            self._since = (self.connections, now, self.position)
            return 0.0
        return max(0.0, started + (self.position - first) / self.rate - now)

    @interval_s.setter
    def interval_s(self, _value: float) -> None:
        """(The stand-in's fixed pause is not used.)"""

    def _play(self, frame: str) -> str:
        """Keep the frame for the true books, played when a snapshot is asked for: at
        thousands of frames a second, reading each one here would cap the rate served.
        Its symbol (lower-case) is read from the stream name at the frame's start, which
        decides whether a connection that named its streams gets it."""
        self._pending.append(frame)
        return frame.partition('"stream":"')[2].partition("@")[0]

    def _http(self, connection: Any, request: Any) -> Any:
        if "/depth?" in request.path:
            pending, self._pending = self._pending, []
            for frame in pending:
                super()._play(frame)
        return super()._http(connection, request)


async def serve(seconds: float, rate: float | None, depth_only: bool, deflate: bool) -> None:
    snapshot, messages = read_capture(seconds)
    if depth_only:
        messages = [m for m in messages if m[1]["data"].get("e") == "depthUpdate"]
    now_ms = int(time.time() * 1000)
    offset_ms = now_ms - int(messages[0][1]["data"]["E"])
    frames = [relabel(m, base, offset_ms) for _, m in messages for base in SCALE]
    span_s = (messages[-1][0] - messages[0][0]) / 1e9
    mid = (Decimal(snapshot["bids"][0][0]) + Decimal(snapshot["asks"][0][0])) / 2
    books = scaled_books(snapshot)
    bars = {f"{b}USDT": klines(mid, k, now_ms, i) for i, (b, k) in enumerate(SCALE.items())}
    server = PacedStandIn(
        frames,
        books,
        exchange_info(),
        klines=bars,
        rate=rate or len(frames) / span_s,
        compression="deflate" if deflate else None,
    )
    loop = asyncio.get_running_loop()
    async with server:
        print(server.port, flush=True)
        while await loop.run_in_executor(None, sys.stdin.readline):
            depth = sum("/depth?" in path for path in server.requests)
            candles = sum("/klines?" in path for path in server.requests)
            print(server.position, depth, candles, server.connections, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--seconds", type=float, default=120.0, help="seconds of the capture to serve"
    )
    parser.add_argument("--rate", type=float, default=None, help="messages a second to send")
    parser.add_argument("--depth-only", action="store_true", help="depth diffs only, no trades")
    parser.add_argument(
        "--no-deflate", action="store_true", help="decline permessage-deflate when offered"
    )
    args = parser.parse_args()
    asyncio.run(serve(args.seconds, args.rate, args.depth_only, not args.no_deflate))


if __name__ == "__main__":
    main()
