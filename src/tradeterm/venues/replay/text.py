"""A capture file's text: decompressed and decoded in big chunks, kept from a replay's scan
for its play."""

from __future__ import annotations

import codecs
import os
import zlib
from collections.abc import Generator, Iterator
from itertools import chain
from pathlib import Path

from tradeterm.venues.replay.files import Item

CHUNK = 1 << 20


class Lines:
    """Lines of a file (gzip or plain), decompressed and decoded in big chunks.

    Iterating yields lines without their newline. ``cut`` tells afterwards whether
    the last line had no newline (a record cut short); a gzip stream that stops
    before its end marker raises EOFError after the lines before the cut.
    """

    __slots__ = ("cut", "keep", "path")

    def __init__(self, path: Path, keep: bool = False) -> None:
        self.path = path
        self.keep = keep  # (see ``texts``)
        self.cut = False

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self.chunks())

    def chunks(self) -> Iterator[list[str]]:
        """The lines a chunk of the file completes, a list per chunk (the last line may be cut)."""
        for text, end in self.texts():
            lines = text[:end].split("\n")
            if text[end - 1] == "\n":
                lines.pop()
            yield lines

    def texts(self) -> Iterator[tuple[str, int]]:
        """The file's text a chunk at a time: (text, end), its complete lines in text[:end]
        (what is left is carried into the next chunk); a last line with no newline comes
        alone at the end, as (line, its length), with ``cut`` set.

        With ``keep``, a file read to its end (at most ``KEEP_LIMIT`` characters) is kept
        for the next reader of the same unchanged file, which takes it: a replay's scan and
        its play decompress and decode the file once."""
        stat = os.stat(self.path)
        key = (os.fspath(self.path), stat.st_size, stat.st_mtime_ns, CHUNK)
        kept = KEPT_TEXT.pop(key, None)
        if kept is None:
            _, rest, truncated = yield from self._read(key)
        else:
            chunks, rest, truncated = kept
            yield from chunks
        if rest:
            self.cut = True
        if truncated:
            raise EOFError("compressed file ended before the end-of-stream marker")
        if rest:
            yield rest, len(rest)

    def _read(
        self, key: object
    ) -> Generator[tuple[str, int], None, tuple[list[tuple[str, int]] | None, str, bool]]:
        """``texts`` from the file: its whole-line chunks as they come; then the chunks (None
        past ``KEEP_LIMIT``), the last line when it has no newline, and whether a gzip
        stream stopped before its end, kept in ``KEPT_TEXT`` when read whole."""
        chunks: list[tuple[str, int]] | None = [] if self.keep else None
        size = 0
        with self.path.open("rb") as fh:
            raw = fh.read(CHUNK)
            inflate = zlib.decompressobj(31) if raw[:2] == b"\x1f\x8b" else None
            decode = codecs.getincrementaldecoder("utf-8")("replace").decode
            rest = ""
            while raw:
                if inflate is not None:
                    data = inflate.decompress(raw)
                    while inflate.eof and inflate.unused_data:  # another gzip member
                        more = inflate.unused_data
                        inflate = zlib.decompressobj(31)
                        data += inflate.decompress(more)
                else:
                    data = raw
                text = rest + decode(data)  # (a character may span chunks)
                end = text.rfind("\n") + 1
                rest = text[end:]
                if end:
                    if chunks is not None:
                        size += len(text)
                        chunks = chunks if size <= KEEP_LIMIT else None
                        if chunks is not None:
                            chunks.append((text, end))
                    yield text, end
                raw = fh.read(CHUNK)
            rest += decode(b"", True)
        truncated = inflate is not None and not inflate.eof
        if chunks is not None:
            KEPT_TEXT.clear()  # (one file at a time: the one a scan read for its play)
            KEPT_TEXT[key] = (chunks, rest, truncated)
        return chunks, rest, truncated


_Text = tuple[list[tuple[str, int]], str, bool]
KEPT_TEXT: dict[object, _Text] = {}
"""The text of the file read last, until its next reader takes it (see ``Lines.texts``)."""
KEPT_ITEMS: dict[object, list[list[Item]]] = {}
"""The items of the hftbacktest file a scan read last, until its play takes them."""
KEEP_LIMIT = 64 << 20
"""The longest text kept (characters): a bigger file is read again."""
