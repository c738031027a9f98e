"""A websockets client connection that hands each message to the feed in the turn that read
it, and the choice of permessage-deflate for a stream url.

``websockets``' own receive path puts every message into a queue, wakes the reading task
through a future and resumes it once per message; at thousands of depth messages a second
that bookkeeping costs more than the frame parsing. ``DirectConnection`` keeps everything
else of ``websockets`` (handshake, TLS, proxies, pings and their timeouts, the closing
handshake, ``max_size``) and only changes where a finished data message goes: straight to
the feed's ``on_message``, inside the read that completed it, so the messages that arrive
together are handled together, in order, and nothing queues up behind a slow reader.
"""

from __future__ import annotations

import gc
import ipaddress
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosedOK, PayloadTooBig, ProtocolError
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State

from tradeterm.venues.ws_frames import frame_end, read_messages

Compression = Literal["auto", "deflate", "none"]
"""``[venues.NAME] compression``: see ``compression_for``."""

COMPRESSIONS: tuple[Compression, ...] = ("auto", "deflate", "none")


def compression_for(url: str, setting: Compression) -> str | None:
    """The ``compression`` argument of ``websockets.connect`` for ``url``.

    ``deflate`` offers permessage-deflate (RFC 7692; the server may decline it); ``none``
    does not. ``auto`` offers it to a remote exchange, where it cuts a depth stream's
    bytes about six times, and not to this machine or a private network (a local stand-in,
    a recorder, a LAN proxy), where bytes are free and inflating costs CPU on every message.
    """
    if setting == "none":
        return None
    if setting == "deflate":
        return "deflate"
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "deflate"  # a host name: a remote exchange
    return None if address.is_loopback or address.is_private else "deflate"


def _text(data: bytes) -> str | bytes:
    """A text message as str; bytes that are not UTF-8 go on as they are, for the feed's
    decoder to refuse (a malformed message is logged and skipped, the stream goes on)."""
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data


Batch = Callable[[list[str | bytes]], None]
"""A feed's handler for every message one socket read completed, in order (``deliver``)."""


class DirectConnection(ClientConnection):
    """A client connection whose data messages go to ``deliver``'s handler as they are read.

    Messages that arrive before ``deliver`` is called (right after the handshake) are held
    and handed over first, in order. An exception from the handler (not a malformed
    message: the feeds log and skip those themselves) aborts the connection and is kept in
    ``failure``, for the stream loop to raise once the connection is closed.

    With a ``batch`` handler, the messages one socket read completed go to it together, as
    one list in order, after the read is parsed (under load asyncio reads up to 256 KiB at
    a time, dozens of depth messages: the feed then pays its per-message costs, the book's
    update and the engine's event, once per symbol per read). A read that completed one
    message, the usual case at a real exchange's rate, still goes to ``handler`` alone.
    No message waits for a later read: a batch is only what has already arrived. The
    cyclic collector is paused while ``batch`` runs: what a feed makes of a read's messages
    (thousands of level tuples for a hundred depth messages) stays alive until their books
    are written and is freed by reference counting right after, so every collection those
    allocations would trigger on the way would find nothing (3-4 % of the feed's
    instructions at 100 messages a read); a collection that is due runs after the batch.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.handler: Callable[[str | bytes], None] | None = None
        self.batch: Batch | None = None
        self.messages = 0
        self.failure: Exception | None = None
        self._early: list[str | bytes] = []
        self._parts: list[bytes] = []
        self._text = True
        self._read: list[str | bytes] | None = None
        """The messages of the read being parsed (only with a ``batch`` handler, or lean)."""
        self._head: bytearray | None = bytearray()
        """The handshake's response so far (None once it is read)."""
        self._lean = False
        """Data frames are read by ``ws_frames`` (see ``_receive``), not ``websockets``."""
        self._tail = bytearray()
        self._need = 0
        """The start of a frame the last read did not complete, and its whole length (0
        while its header is incomplete)."""
        self._deflate: PerMessageDeflate | None = None
        self._max: int | None = None

    def deliver(self, handler: Callable[[str | bytes], None], batch: Batch | None = None) -> None:
        """Hand every message, from now on and those held so far, to ``handler``; with
        ``batch``, the messages of one read (and those held) go to it as one list."""
        self.handler, self.batch = handler, batch
        early, self._early = self._early, []
        if batch is not None and len(early) > 1:
            self._hand_read(early)
            return
        for message in early:
            self._hand(message)

    def data_received(self, data: bytes) -> None:
        if self._lean:
            self._receive(data)
            return
        head = self._head
        if head is None:
            self._parse(data)
            return
        seen = len(head)  # the handshake's response: websockets reads it, up to its end
        head += data
        end = head.find(b"\r\n\r\n", max(seen - 3, 0))
        if end < 0:
            self._parse(data)
            return
        cut = end + 4 - seen
        self._head = None
        self._parse(data[:cut])
        self._lean = self._leanable()
        if cut < len(data):
            (self._receive if self._lean else self._parse)(data[cut:])

    def _parse(self, data: bytes) -> None:
        """``data`` through ``websockets``' own reader."""
        if self.batch is None or self.handler is None:
            super().data_received(data)
            return
        read: list[str | bytes] = []
        self._read = read
        try:
            super().data_received(data)  # (its frames reach process_event, then _hand)
        finally:
            self._read = None
        self._dispatch(read)

    def _leanable(self) -> bool:
        """Whether the frames after the handshake can be read by ``ws_frames``: the
        connection is open, nothing of a frame is held by ``websockets``' reader, no
        extension but permessage-deflate, and no debug log (which logs every frame)."""
        protocol = self.protocol
        extensions = protocol.extensions
        if (
            protocol.state is not State.OPEN
            or protocol.reader.buffer
            or protocol.debug
            or len(extensions) > 1
            or (extensions and not isinstance(extensions[0], PerMessageDeflate))
        ):
            return False
        self._deflate = extensions[0] if extensions else None  # type: ignore[assignment]
        sizes = [s for s in (protocol.max_message_size, protocol.max_fragment_size) if s]
        self._max = min(sizes) if sizes else None
        return True

    def _receive(self, data: bytes) -> None:
        """One read on the lean path: its complete plain data frames are read here, every
        other frame (pings, pongs, a close, fragments) goes whole to ``websockets``, in
        order; the start of a frame the read did not complete waits for the next one."""
        read: list[str | bytes] = []
        self._read = read
        try:
            tail = self._tail
            if not tail:
                self._frames(data, 0, read)
            elif self._need and len(tail) + len(data) >= self._need:
                rest = self._need - len(tail)  # the held frame first, then the read
                tail += data[:rest]
                self._tail, self._need = bytearray(), 0
                if self._frames(tail, 0, read):
                    self._frames(data, rest, read)
                elif rest < len(data):  # (websockets reads the rest: it discards it)
                    super().data_received(data[rest:])
            else:
                tail += data
                if len(tail) >= self._need:
                    self._tail, self._need = bytearray(), 0
                    self._frames(tail, 0, read)
        except (ProtocolError, PayloadTooBig) as exc:  # a message that does not inflate
            self._lean = False
            self._fail(exc)
        finally:
            self._read = None
        self._dispatch(read)

    def _frames(self, buf: bytes | bytearray, pos: int, read: list[str | bytes]) -> bool:
        """The frames of ``buf`` from ``pos`` (see ``_receive``); False once ``websockets``
        reads everything (the connection is closing, or a frame it refuses came)."""
        protocol, n, size = self.protocol, len(buf), self._max
        while pos < n:
            if protocol.current_size is None:  # (inside a fragmented message: websockets)
                pos = read_messages(buf, pos, read, size, self._deflate)
                if pos == n:
                    break
            end = frame_end(buf, pos, size)
            if end > n:
                self._tail = bytearray(buf[pos:])
                self._need = end - pos if end > n + 1 else 0
                break
            if end < 0:
                self._lean = False
                super().data_received(bytes(buf[pos:]))
                return False
            super().data_received(bytes(buf[pos:end]))  # one whole frame
            pos = end
            if protocol.state is not State.OPEN:
                self._lean = False
                if pos < n:
                    super().data_received(bytes(buf[pos:]))
                return False
        return True

    def _fail(self, exc: ProtocolError | PayloadTooBig) -> None:
        """Fail the connection as ``websockets``' reader does when a frame is refused."""
        protocol = self.protocol
        if isinstance(exc, PayloadTooBig):
            exc.set_current_size(protocol.current_size)
            protocol.fail(CloseCode.MESSAGE_TOO_BIG, str(exc))
        else:
            protocol.fail(CloseCode.PROTOCOL_ERROR, str(exc))
        protocol.parser_exc = exc
        super().data_received(b"")  # sends the close frame, as after its own parser's failure

    def _untail(self) -> None:
        """The end of the stream: a frame held incomplete goes to ``websockets``, which
        says what it would have said about it."""
        if self._lean:
            self._lean = False
            tail, self._tail = bytes(self._tail), bytearray()
            if tail:
                self._parse(tail)

    def eof_received(self) -> None:
        self._untail()
        super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._untail()
        super().connection_lost(exc)

    def _dispatch(self, read: list[str | bytes]) -> None:
        if len(read) > 1 and self.batch is not None and self.handler is not None:
            self._hand_read(read)
        else:
            for message in read:
                self._hand(message)

    def closed_detail(self) -> str:
        """How the connection ended, for the reconnect log line and the status bar."""
        exc = self.protocol.close_exc
        if isinstance(exc, ConnectionClosedOK):
            return "the exchange closed the stream"
        return f"{type(exc).__name__}: {exc}"

    def process_event(self, event: Request | Response | Frame) -> None:
        if self.response is None or not isinstance(event, Frame):
            super().process_event(event)  # the handshake's response
            return
        opcode = event.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if event.fin:
                data = bytes(event.data)
                self._hand(_text(data) if opcode is Opcode.TEXT else data)
                return
            self._text = opcode is Opcode.TEXT
            self._parts = [bytes(event.data)]
        elif opcode is Opcode.CONT:
            self._parts.append(bytes(event.data))
            if event.fin:
                whole = b"".join(self._parts)
                self._parts = []
                self._hand(_text(whole) if self._text else whole)
        else:
            super().process_event(event)  # pings, pongs and close frames

    def _hand(self, message: str | bytes) -> None:
        read = self._read
        if read is not None:
            read.append(message)  # handed over with the rest of its read
            return
        handler = self.handler
        if handler is None:
            self._early.append(message)
            return
        if self.failure is not None:
            return
        self.messages += 1
        try:
            handler(message)
        except Exception as exc:  # a bug behind the feed: end the stream loop with it
            self.failure = exc
            self.transport.abort()

    def _hand_read(self, messages: list[str | bytes]) -> None:
        batch = self.batch
        if self.failure is not None or batch is None:
            return
        self.messages += len(messages)
        pause = gc.isenabled()
        if pause:  # (see the class's docstring)
            gc.disable()
        try:
            batch(messages)
        except Exception as exc:  # a bug behind the feed: end the stream loop with it
            self.failure = exc
            self.transport.abort()
        finally:
            if pause:
                gc.enable()
