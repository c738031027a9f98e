"""The native feeds' websocket transport alone: client CPU per message from the socket to a
feed that does nothing, ``websockets``' ``async for`` against ``DirectConnection``, with and
without permessage-deflate, at a paced rate.

Run: ``python benchmarks/bench_ws_transport.py [--quick] [--rate R] [--runs N]``. A server
in its own process (this file with ``--serve``) encodes the recorded BTCUSDT depth messages
(``binance_server.py``'s capture, repeated) once, before the clock starts, then writes them
``rate`` a second in 1 ms ticks, so its own CPU does not limit the rate; the client counts
its user + system CPU from the first message to the last. Cases alternate run by run; the
figures are medians.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MESSAGES = 30_000


async def serve(count: int, rate: float, deflate: bool) -> None:
    from websockets.asyncio.server import ServerConnection
    from websockets.asyncio.server import serve as ws_serve

    from binance_server import depth_after_snapshot

    _, frames = depth_after_snapshot(None)
    messages = (frames * (count // len(frames) + 1))[:count]

    async def play(ws: ServerConnection) -> None:
        chunks = []
        for message in messages:  # encoded (and deflated) before the clock starts
            ws.protocol.send_text(message.encode())
            chunks.append(b"".join(ws.protocol.data_to_send()))
        loop = asyncio.get_running_loop()
        began, sent = loop.time(), 0
        while sent < count:
            due = min(count, int((loop.time() - began) * rate) + 1)
            if due > sent:
                ws.transport.write(b"".join(chunks[sent:due]))
                sent = due
            await asyncio.sleep(0.001)
        await ws.close()

    compression = "deflate" if deflate else None
    async with ws_serve(play, "127.0.0.1", 0, compression=compression, max_size=2**24) as server:
        print(next(iter(server.sockets)).getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def receive(port: int, direct: bool, compression: str | None) -> tuple[int, float]:
    """(messages, client CPU seconds from the first to the last)."""
    import websockets

    from tradeterm.venues.ws_direct import DirectConnection

    count, first = 0, 0.0

    def on_message(_raw: str | bytes) -> None:
        nonlocal count, first
        if not count:
            first = time.process_time()
        count += 1

    url = f"ws://127.0.0.1:{port}/"
    if direct:
        async with websockets.connect(
            url, max_size=2**24, compression=compression, create_connection=DirectConnection
        ) as ws:
            assert isinstance(ws, DirectConnection)
            ws.deliver(on_message)
            await ws.wait_closed()
    else:
        async with websockets.connect(url, max_size=2**24, compression=compression) as ws:
            async for raw in ws:
                on_message(raw)
    return count, time.process_time() - first


def one(direct: bool, deflate: bool, rate: float, count: int) -> float:
    """Client CPU microseconds a message, for one run against a fresh server."""
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(count), str(rate), str(int(deflate))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    try:
        port = int(server.stdout.readline())
        got, cpu = asyncio.run(receive(port, direct, "deflate" if deflate else None))
        assert got == count, f"{got} of {count} messages"
        return cpu / got * 1e6
    finally:
        server.stdin.close()
        server.wait(10)


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        count, rate, deflate = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
        asyncio.run(serve(count, rate, deflate))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=float, default=10_000.0, help="messages a second")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    count, runs = (5_000, 1) if args.quick else (MESSAGES, args.runs)
    cases = [(d, z) for z in (True, False) for d in (False, True)]
    results: dict[tuple[bool, bool], list[float]] = {c: [] for c in cases}
    for _ in range(runs):
        for direct, deflate in cases:
            results[(direct, deflate)].append(one(direct, deflate, args.rate, count))
    for (direct, deflate), values in results.items():
        how = "DirectConnection" if direct else "async for (websockets' queue)"
        print(
            f"ws transport alone, {how}, {'deflate' if deflate else 'no compression'}: "
            f"{statistics.median(values):.1f} us a message at {args.rate:,.0f} msg/s "
            f"(client CPU, median of {runs}; {count:,} recorded depth messages)",
            flush=True,
        )


if __name__ == "__main__":
    main()
