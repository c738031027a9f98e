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
from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response

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
        """The messages of the read being parsed (only with a ``batch`` handler)."""

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
        if self.batch is None or self.handler is None:
            super().data_received(data)
            return
        read: list[str | bytes] = []
        self._read = read
        try:
            super().data_received(data)  # (its frames reach process_event, then _hand)
        finally:
            self._read = None
        if len(read) == 1:
            self._hand(read[0])
        elif read:
            self._hand_read(read)

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
        handler = self.handler
        if handler is None:
            self._early.append(message)
            return
        read = self._read
        if read is not None:
            read.append(message)  # handed over with the rest of its read
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
