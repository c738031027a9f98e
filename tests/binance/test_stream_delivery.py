"""The native feeds' stream loop (venues/stream.py, ws_direct.py) on a real websocket server on
127.0.0.1: every message reaches the feed whole and in order (held ones too), and a failure
behind the feed still ends the loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import ServerConnection, serve

from tradeterm.domain.events import FeedStateChanged, MarketEvent
from tradeterm.venues.net import Backoff
from tradeterm.venues.stream import stream_forever
from tradeterm.venues.ws_direct import compression_for

FAST = Backoff(base_s=0.01, cap_s=0.05)
log = logging.getLogger("test.stream")


class Sink:
    def __init__(self) -> None:
        self.events: list[MarketEvent] = []

    def on_market(self, event: MarketEvent) -> None:
        self.events.append(event)


@contextlib.asynccontextmanager
async def server(
    handler: Callable[[ServerConnection], Awaitable[None]],
) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0) as running:
        port = next(iter(running.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/"


async def opened(_ws: ClientConnection) -> None:
    pass


async def test_messages_arrive_whole_and_in_order_fragmented_binary_or_not_utf8() -> None:
    async def play(ws: ServerConnection) -> None:
        await ws.send("one")
        await ws.send(["tw", "o"])  # a text message in three frames
        await ws.send(b"\x01\x02")  # binary
        await ws.send(b"\xff{bad", text=True)  # not UTF-8: the feed's decoder refuses it
        await ws.send([b"\x03", b"\x04"])  # binary in fragments
        await ws.send("last")
        await ws.wait_closed()

    got: list[str | bytes] = []
    async with server(play) as url:
        task = asyncio.create_task(
            stream_forever("x", lambda: url, Sink(), FAST, opened, got.append, lambda: None, log)
        )
        async with asyncio.timeout(10):
            while len(got) < 6:
                await asyncio.sleep(0.005)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert got == ["one", "two", b"\x01\x02", b"\xff{bad", b"\x03\x04", "last"]


async def test_messages_that_come_while_the_feed_opens_are_held_then_handed_over_in_order() -> None:
    async def play(ws: ServerConnection) -> None:
        for n in range(50):
            await ws.send(str(n))
        await ws.wait_closed()

    got: list[str | bytes] = []
    seen_during_open: list[int] = []

    async def slow_open(_ws: ClientConnection) -> None:
        await asyncio.sleep(0.2)  # the server's 50 messages are all here by now
        seen_during_open.append(len(got))

    async with server(play) as url:
        sink = Sink()
        task = asyncio.create_task(
            stream_forever("x", lambda: url, sink, FAST, slow_open, got.append, lambda: None, log)
        )
        async with asyncio.timeout(10):
            while len(got) < 50:
                await asyncio.sleep(0.005)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert seen_during_open == [0]  # nothing reached the feed before it was ready
    assert got == [str(n) for n in range(50)]


async def test_an_error_behind_the_feed_ends_the_stream_loop_after_closing() -> None:
    closed = asyncio.Event()

    async def play(ws: ServerConnection) -> None:
        await ws.send("fine")
        await ws.send("boom")
        await ws.send("never handled")
        await ws.wait_closed()
        closed.set()

    got: list[str | bytes] = []

    def on_message(raw: str | bytes) -> None:
        if raw == "boom":
            raise RuntimeError("a bug in the engine")
        got.append(raw)

    closes: list[bool] = []
    async with server(play) as url:
        with pytest.raises(RuntimeError, match="a bug in the engine"):
            async with asyncio.timeout(10):
                await stream_forever(
                    "x",
                    lambda: url,
                    Sink(),
                    FAST,
                    opened,
                    on_message,
                    lambda: closes.append(True),
                    log,
                )
        async with asyncio.timeout(10):
            await closed.wait()
    assert got == ["fine"] and closes == [True]


async def test_a_closed_connection_is_reported_and_reopened() -> None:
    async def play(ws: ServerConnection) -> None:
        await ws.send("hello")
        await ws.close()

    got: list[str | bytes] = []
    sink = Sink()
    async with server(play) as url:
        task = asyncio.create_task(
            stream_forever("x", lambda: url, sink, FAST, opened, got.append, lambda: None, log)
        )
        async with asyncio.timeout(10):
            while len(got) < 2:
                await asyncio.sleep(0.005)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    details = [e.detail for e in sink.events if isinstance(e, FeedStateChanged) and e.detail]
    assert details[0] == "the exchange closed the stream"


@pytest.mark.parametrize(
    ("url", "setting", "expected"),
    [
        ("wss://stream.binance.com:9443/stream", "auto", "deflate"),
        ("wss://ws.kraken.com/v2", "auto", "deflate"),
        ("ws://127.0.0.1:8765/ws", "auto", None),
        ("ws://localhost:8765/ws", "auto", None),
        ("ws://[::1]:8765/ws", "auto", None),
        ("ws://192.168.1.20:8765/ws", "auto", None),
        ("ws://8.8.8.8:8765/ws", "auto", "deflate"),
        ("ws://127.0.0.1:8765/ws", "deflate", "deflate"),
        ("wss://stream.binance.com:9443/stream", "none", None),
    ],
)
def test_compression_is_offered_to_remote_exchanges_unless_set(
    url: str, setting: str, expected: str | None
) -> None:
    assert compression_for(url, setting) == expected  # type: ignore[arg-type]


async def test_a_batch_handler_gets_each_reads_messages_together_and_in_order() -> None:
    async def play(ws: ServerConnection) -> None:
        await ws.send("first")
        for n in range(200):  # sent while the client is busy with "first": they queue up
            await ws.send(str(n))
        await ws.wait_closed()

    calls: list[tuple[str, list[str | bytes]]] = []
    collecting: list[bool] = []

    def held(kind: str, messages: list[str | bytes]) -> None:
        calls.append((kind, messages))
        if kind == "read":
            collecting.append(gc.isenabled())
        if len(calls) == 1:
            time.sleep(0.3)  # the loop is held: the next read finds many messages waiting

    async with server(play) as url:
        task = asyncio.create_task(
            stream_forever(
                "x",
                lambda: url,
                Sink(),
                FAST,
                opened,
                lambda raw: held("one", [raw]),
                lambda: None,
                log,
                on_messages=lambda read: held("read", read),
            )
        )
        async with asyncio.timeout(10):
            while sum(len(m) for _, m in calls) < 201:
                await asyncio.sleep(0.005)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [m for _, ms in calls for m in ms] == ["first"] + [str(n) for n in range(200)]
    reads = [ms for kind, ms in calls if kind == "read"]
    assert reads and all(len(ms) > 1 for ms in reads)  # a read of one went to on_message
    assert max(map(len, reads)) > 10  # what piled up while the feed was busy: one list
    assert not any(collecting) and gc.isenabled()  # paused for each read's batch, then back
