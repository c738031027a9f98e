"""A local Binance for the feed benchmarks, in a process of its own (its CPU is not the
client's): the test suite's stand-in serving the hftbacktest BTCUSDT capture's depth
messages that follow its REST snapshot, as fast as the client reads them.

``python benchmarks/binance_server.py [--limit N]`` prints ``port final_u count`` on one
line and serves REST at once; the depth stream starts when a line arrives on its standard
input (the client is synced by then, so only the streaming is measured); it stops when
standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "binance"))

from binance_standin import BinanceStandIn, Faults  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CAPTURE = DATA / "orderbook" / "binance" / "hftbacktest_spot_btcusdt_20240808.gz"
EXCHANGE_INFO = DATA / "markets" / "raw_binance_exchangeInfo_20211012_cryptofeed.json"


def depth_after_snapshot(limit: int | None) -> tuple[dict[str, Any], list[str]]:
    """The capture's REST snapshot and the depth messages that continue it (some were
    recorded before the snapshot's answer arrived: those with ``u`` past its id count)."""
    snapshot: dict[str, Any] | None = None
    depth: list[str] = []
    with gzip.open(CAPTURE, "rt") as lines:
        for line in lines:
            body = line.partition(" ")[2].strip()
            if '"lastUpdateId"' in body[:20]:
                snapshot = json.loads(body)
            elif "@depth" in body[:40]:
                depth.append(body)
    assert snapshot is not None, "no snapshot in the capture"
    first = int(snapshot["lastUpdateId"])
    frames = [f for f in depth if json.loads(f)["data"]["u"] > first]
    return snapshot, frames[:limit]


async def serve(limit: int | None) -> None:
    snapshot, frames = depth_after_snapshot(limit)
    final_u = json.loads(frames[-1])["data"]["u"]
    go = asyncio.Event()
    faults = Faults(hold={0: go})
    server = BinanceStandIn(frames, {"BTCUSDT": snapshot}, EXCHANGE_INFO.read_bytes(), faults)
    loop = asyncio.get_running_loop()
    async with server:
        print(server.port, final_u, len(frames), flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)
        go.set()
        await loop.run_in_executor(None, sys.stdin.read)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="depth messages to serve")
    asyncio.run(serve(parser.parse_args().limit))


if __name__ == "__main__":
    main()
