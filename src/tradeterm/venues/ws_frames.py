"""A lean reader of a websocket server's plain data frames: the complete messages in one
socket read, for ``ws_direct.DirectConnection``'s receive path.

It reads only what a market-data stream is made of: final (FIN) text and binary frames,
unmasked, with no reserved bit set but permessage-deflate's. It stops at any other frame
(a ping, a pong, a close, a fragment, a masked or reserved-bit frame, a frame longer than
``max_size``) and at a frame not yet complete, and says where: the connection hands that
frame to ``websockets``, which then reads it exactly as it always would (see
``frame_end``). Decoding a message is what ``websockets`` does to it, minus its ``Frame``
objects and generators: the same bytes, the same inflating with the extension's own
decompressor (so its context carries on from a message ``websockets`` read), the same
limits and the same exceptions.
"""

from __future__ import annotations

import zlib

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions.permessage_deflate import PerMessageDeflate

_EMPTY_BLOCK = b"\x00\x00\xff\xff"
"""What permessage-deflate strips from each message's end (RFC 7692, 7.2.2)."""
TEXT, BINARY = 0x81, 0x82
"""First header bytes of a final, plain text or binary frame; | 0x40 when deflated."""


def read_messages(
    buf: bytes | bytearray,
    pos: int,
    out: list[str | bytes],
    max_size: int | None,
    deflate: PerMessageDeflate | None,
) -> int:
    """Append the messages of ``buf``'s complete plain data frames from ``pos`` to ``out``;
    return where the first frame it does not read starts (``len(buf)`` if none).

    A text message that is not UTF-8 is appended as bytes (``ws_direct._text``).

    Raises:
        ProtocolError: a deflated message does not inflate.
        PayloadTooBig: a deflated message inflates past ``max_size``.
    """
    n = len(buf)
    limit = n if max_size is None else max_size
    with memoryview(buf) as view:
        while pos + 2 <= n:
            head, length = buf[pos], buf[pos + 1]
            start = pos + 2
            if length == 126:
                if pos + 4 > n:
                    break
                length, start = (buf[pos + 2] << 8) | buf[pos + 3], pos + 4
            elif length == 127:
                if pos + 10 > n:
                    break
                length, start = int.from_bytes(buf[pos + 2 : pos + 10]), pos + 10
            elif length > 127:
                break  # masked: websockets says why that is wrong
            end = start + length
            if end > n or length > limit:
                break
            if head == TEXT:  # (a bytes slice's decode: twice as fast as str(view, codec))
                data = buf[start:end]
                try:
                    out.append(data.decode())
                except UnicodeDecodeError:
                    out.append(bytes(data))
            elif head == BINARY:
                out.append(bytes(buf[start:end]))
            elif (head == TEXT | 0x40 or head == BINARY | 0x40) and deflate is not None:
                data = _inflate(deflate, view[start:end], max_size)
                if head == BINARY | 0x40:
                    out.append(data)
                else:
                    try:
                        out.append(data.decode())
                    except UnicodeDecodeError:
                        out.append(data)
            else:
                break
            pos = end
    return pos


def _inflate(deflate: PerMessageDeflate, data: memoryview, max_size: int | None) -> bytes:
    """A final deflated frame's message, as ``PerMessageDeflate.decode`` makes it."""
    if deflate.remote_no_context_takeover:
        deflate.decoder = zlib.decompressobj(wbits=-deflate.remote_max_window_bits)
    decoder = deflate.decoder
    short = len(data) < 2044
    max_length = 0 if max_size is None else max_size
    try:
        out = decoder.decompress(b"".join((data, _EMPTY_BLOCK)) if short else data, max_length)
        if decoder.unconsumed_tail:
            raise PayloadTooBig(None, max_size)
        if not short and decoder.decompress(_EMPTY_BLOCK, 1):
            raise PayloadTooBig(None, max_size)
    except zlib.error as exc:
        raise ProtocolError("decompression failed") from exc
    if deflate.remote_no_context_takeover:
        del deflate.decoder
    return out


def frame_end(buf: bytes | bytearray, pos: int, max_size: int | None) -> int:
    """Where the frame at ``pos`` ends, for one ``read_messages`` stopped at: past
    ``len(buf)`` while it is incomplete (by one if its header is); -1 if ``websockets``
    should read everything from it on (a masked frame, or one longer than ``max_size``:
    it fails the connection as it would have, without waiting for a payload it refuses)."""
    n = len(buf)
    if pos + 2 > n:
        return n + 1
    length = buf[pos + 1]
    start = pos + 2
    if length > 127:
        return -1
    if length == 126:
        if pos + 4 > n:
            return n + 1
        length, start = (buf[pos + 2] << 8) | buf[pos + 3], pos + 4
    elif length == 127:
        if pos + 10 > n:
            return n + 1
        length, start = int.from_bytes(buf[pos + 2 : pos + 10]), pos + 10
    if max_size is not None and length > max_size:
        return -1
    return start + length
