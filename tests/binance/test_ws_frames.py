"""``DirectConnection``'s lean reader of server frames (venues/ws_frames.py): a real client
connection, its handshake made with a server on 127.0.0.1, is handed the server's frames
(made by ``websockets``' own serializer and deflater) split across reads at random; every
message arrives whole and in order, pings are answered, a close ends the messages, and what
``websockets`` refuses is refused the same way (compared with its own client connection)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Close, CloseCode, Frame, Opcode

from tradeterm.venues.ws_direct import DirectConnection

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass
class Wire:
    """A server's side of one connection after its handshake: what the client wrote back."""

    written: bytearray = field(default_factory=bytearray)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def frames(self) -> list[Frame]:
        """The client's frames (masked, as a client's are), in order."""
        out: list[Frame] = []
        data, pos = bytes(self.written), 0
        while pos + 2 <= len(data):
            length, start = data[pos + 1] & 0x7F, pos + 2
            if length == 126:
                length, start = int.from_bytes(data[pos + 2 : pos + 4]), pos + 4
            elif length == 127:
                length, start = int.from_bytes(data[pos + 2 : pos + 10]), pos + 10
            mask, payload = data[start : start + 4], data[start + 4 : start + 4 + length]
            unmasked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            out.append(Frame(Opcode(data[pos] & 0x0F), unmasked))
            pos = start + 4 + length
        return out


async def connect(
    deflate: str | None, connection: type[ClientConnection] = DirectConnection
) -> tuple[ClientConnection, Wire, asyncio.Server]:
    """A client connection whose handshake a raw server on 127.0.0.1 answered (agreeing
    ``deflate``: None, "takeover" or "no takeover"); the server then sends nothing and
    keeps what the client writes."""
    wire = Wire()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
        head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        head += b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n"
        if deflate is not None:
            params = "; server_no_context_takeover" if deflate == "no takeover" else ""
            head += f"Sec-WebSocket-Extensions: permessage-deflate{params}\r\n".encode()
        writer.write(head + b"\r\n")
        while chunk := await reader.read(65536):
            wire.written += chunk
        writer.close()
        wire.done.set()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/",
        compression="deflate" if deflate else None,
        max_size=2**17,
        create_connection=connection,
        ping_interval=None,
    )
    return ws, wire, server


def serialize(frames: Sequence[Frame], deflate: str | None) -> bytes:
    """The server's bytes for ``frames``: unmasked, deflated as agreed (a message's frames
    share one deflate stream; with context takeover, the whole connection does)."""
    if deflate is None:
        return b"".join(f.serialize(mask=False) for f in frames)
    encoder = PerMessageDeflate(False, deflate == "no takeover", 15, 15)
    return b"".join(f.serialize(mask=False, extensions=[encoder]) for f in frames)


@dataclass
class Message:
    data: bytes
    text: bool
    parts: int  # frames it is sent in
    pings_before: int


def frames_of(messages: Sequence[Message]) -> list[Frame]:
    frames: list[Frame] = []
    for n, message in enumerate(messages):
        for p in range(message.pings_before):
            frames.append(Frame(Opcode.PING, f"{n}.{p}".encode()))
        size = len(message.data)
        cuts = [size * i // message.parts for i in range(message.parts + 1)]
        for i in range(message.parts):
            first = i == 0
            opcode = (Opcode.TEXT if message.text else Opcode.BINARY) if first else Opcode.CONT
            chunk = message.data[cuts[i] : cuts[i + 1]]
            frames.append(Frame(opcode, chunk, fin=i == message.parts - 1))
    return frames


def split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


async def end(ws: ClientConnection, wire: Wire, server: asyncio.Server) -> None:
    ws.transport.abort()
    async with asyncio.timeout(5):
        await wire.done.wait()
    server.close()
    await server.wait_closed()


async def feed(
    ws: ClientConnection, wire: Wire, chunks: Sequence[bytes], settle: Callable[[], bool]
) -> None:
    """Hand ``chunks`` to the connection as separate socket reads, then wait for what it
    writes back (pongs, a close) to reach the server."""
    for chunk in chunks:
        ws.data_received(chunk)
    async with asyncio.timeout(5):
        while not settle():
            await asyncio.sleep(0.002)


SIZES = st.one_of(
    st.integers(0, 200),
    st.sampled_from([125, 126, 127, 65535, 65536, 70000]),
    st.integers(0, 70000),
)


@st.composite
def message(draw: st.DrawFn) -> Message:
    size = draw(SIZES)
    text = draw(st.booleans())
    if text:  # whole characters, up to 4 bytes each, to about ``size`` bytes
        alphabet = st.sampled_from('abc{}":,0.9 é€😀')
        piece = "".join(draw(st.lists(alphabet, min_size=1, max_size=64))).encode()
        data = piece * (size // len(piece))
    else:
        data = (draw(st.binary(min_size=1, max_size=64)) * (size + 1))[:size]
    parts = draw(st.sampled_from([1, 1, 1, 2, 3]))
    return Message(data, text, parts, draw(st.sampled_from([0, 0, 0, 1, 2])))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    messages=st.lists(message(), min_size=1, max_size=8),
    cuts=st.lists(st.integers(0, 10**6), max_size=12),
    deflate=st.sampled_from([None, "takeover", "no takeover"]),
    batch=st.booleans(),
    close=st.booleans(),
)
def test_every_message_arrives_whole_and_in_order_however_the_reads_split(
    messages: list[Message],
    cuts: list[int],
    deflate: str | None,
    batch: bool,
    close: bool,
) -> None:
    async def run() -> None:
        ws, wire, server = await connect(deflate)
        assert isinstance(ws, DirectConnection)
        got: list[str | bytes] = []
        ws.deliver(got.append, got.extend if batch else None)
        frames = frames_of(messages)
        if close:  # then a message the client must not take: it came after the close
            frames += [Frame(Opcode.CLOSE, Close(1000, "bye").serialize())]
            frames += [Frame(Opcode.TEXT, b"after the close")]
        pings = sum(m.pings_before for m in messages)

        def settle() -> bool:
            sent = wire.frames()
            return len(sent) >= pings + close

        await feed(ws, wire, split(serialize(frames, deflate), cuts), settle)
        expected = [m.data.decode() if m.text else m.data for m in messages]
        assert got == expected
        answers = wire.frames()
        pongs = [f.data for f in answers if f.opcode is Opcode.PONG]
        assert pongs == [f.data for f in frames if f.opcode is Opcode.PING]
        if close:
            assert answers[-1].opcode is Opcode.CLOSE
            assert Close.parse(answers[-1].data) == Close(1000, "bye")
        await end(ws, wire, server)

    asyncio.run(run())


async def refusal(chunks: Sequence[bytes], direct: bool, deflate: str | None) -> tuple[object, ...]:
    """What a connection (DirectConnection or websockets' own) sends and says about
    ``chunks`` it must refuse: its close frame, and its protocol's error."""
    ws, wire, server = await connect(deflate, DirectConnection if direct else ClientConnection)
    if isinstance(ws, DirectConnection):
        ws.deliver(lambda _raw: None)
    await feed(ws, wire, chunks, lambda: bool(wire.frames()))
    sent = wire.frames()[-1]
    error = ws.protocol.parser_exc
    await end(ws, wire, server)
    return sent.opcode, Close.parse(sent.data), type(error), str(error)


def head(opcode: int, length: int, *, fin: bool = True, rsv: int = 0, mask: bool = False) -> bytes:
    return bytes([(0x80 if fin else 0) | rsv | opcode]) + bytes([(0x80 if mask else 0) | length])


def deflated(text: bytes) -> bytes:
    compress = zlib.compressobj(wbits=-15)
    return (compress.compress(text) + compress.flush(zlib.Z_SYNC_FLUSH))[:-4]


BOMB = deflated(b"0" * 2**18)  # twice the client's max_size once inflated

REFUSED = {
    "masked frame": (None, [head(1, 4, mask=True) + b"abcd" + b"xyzw"]),
    "reserved opcode": (None, [head(3, 2) + b"hi"]),
    "reserved bit": (None, [head(1, 2, rsv=0x20) + b"hi"]),
    "deflate bit, none agreed": (None, [head(1, 2, rsv=0x40) + b"hi"]),
    "too long (16-bit length)": (
        None,
        [bytes([0x81, 127]) + (2**17 + 1).to_bytes(8, "big") + b"x" * 100],
    ),
    "continuation without a start": (None, [head(0, 2) + b"hi"]),
    "text inside a fragmented message": (None, [head(1, 1, fin=False) + b"a" + head(1, 1) + b"b"]),
    "fragmented ping": (None, [head(9, 1, fin=False) + b"p"]),
    "close code invalid": (None, [head(8, 2) + (999).to_bytes(2, "big")]),
    "not deflate data": ("takeover", [head(1, 4, rsv=0x40) + b"\xff\xff\xff\xff"]),
    "inflates too far": (
        "takeover",
        [bytes([0xC2, 126]) + len(BOMB).to_bytes(2, "big") + BOMB],
    ),
    "deflate bit on a continuation": (
        "takeover",
        [bytes([0x41, 1]) + deflated(b"a")[:1] + head(0, 1, rsv=0x40) + b"b"],
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_a_frame_websockets_refuses_is_refused_the_same_way(case: str) -> None:
    deflate, chunks = REFUSED[case]
    # one read, and the same bytes a byte per read
    for reads in (chunks, [b[i : i + 1] for b in chunks for i in range(len(b))]):
        lean = await refusal(reads, True, deflate)
        own = await refusal(reads, False, deflate)
        assert lean == own
        assert lean[0] is Opcode.CLOSE and lean[1].code != CloseCode.NORMAL_CLOSURE


async def test_a_message_cut_by_the_end_of_the_stream_is_reported_as_websockets_does() -> None:
    details = []
    for direct in (True, False):
        ws, wire, server = await connect(None, DirectConnection if direct else ClientConnection)
        if isinstance(ws, DirectConnection):
            ws.deliver(lambda _raw: None)
        ws.data_received(head(1, 10) + b"half")
        ws.eof_received()
        details.append((type(ws.protocol.close_exc), str(ws.protocol.parser_exc)))
        await end(ws, wire, server)
    assert details[0] == details[1]
    assert "stream ends after 4 bytes, expected 10 bytes" in details[0][1]


@pytest.mark.parametrize("takeover", [True, False, None])
async def test_a_real_server_pings_fragments_deflates_and_closes(takeover: bool | None) -> None:
    """``websockets``' own server (deflate with context takeover, without, or none) over
    127.0.0.1: its pings are answered, its messages of every length form arrive whole."""
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

    sizes = [0, 1, 125, 126, 65535, 65536, 70000]
    sent = ["x" * n for n in sizes] + [f"fragmented {n}" for n in range(3)]
    pongs: list[float] = []

    async def play(ws: ServerConnection) -> None:
        for text in sent[: len(sizes)]:
            await ws.send(text)
            pongs.append(await (await ws.ping()))
        for n in range(3):
            await ws.send(["frag", "mented ", str(n)])
        await ws.close(1001, "going away")

    factories = (
        None
        if takeover is None
        else [ServerPerMessageDeflateFactory(server_no_context_takeover=not takeover)]
    )
    got: list[str | bytes] = []
    async with serve(play, "127.0.0.1", 0, extensions=factories, compression=None) as running:
        port = next(iter(running.sockets)).getsockname()[1]
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/",
            compression="deflate",
            create_connection=DirectConnection,
            max_size=2**17,
        ) as ws:
            assert isinstance(ws, DirectConnection)
            ws.deliver(got.append, got.extend)
            async with asyncio.timeout(10):
                await ws.wait_closed()
            agreed = [type(e).__name__ for e in ws.protocol.extensions]
    assert got == sent
    assert len(pongs) == len(sizes)
    assert agreed == ([] if takeover is None else ["PerMessageDeflate"])
    assert ws.close_code == 1001 and ws.close_reason == "going away"
