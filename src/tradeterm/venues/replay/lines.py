"""Reading capture files line by line: big-chunk gunzipping, damage reports, merging by time."""

from __future__ import annotations

import codecs
import heapq
import json
import logging
import os
import zlib
from collections.abc import Generator, Iterable, Iterator, Sequence
from itertools import chain
from operator import itemgetter
from pathlib import Path

from tradeterm.venues import wire
from tradeterm.venues.replay.files import (
    CF_CONFIGURATION,
    Format,
    Issue,
    Item,
    Source,
    seconds_to_ns,
)

log = logging.getLogger("tradeterm.venues.replay")


CHUNK = 1 << 20
BATCH = 256
"""Lines made into items at once: few enough that they are played before the cyclic
collector's first generation fills (700 new objects), so they are freed young instead of
being promoted and traversed again (a whole chunk at once cost more in collections than
the generator frames it saved)."""
_SEP = itemgetter(1)
_TS = itemgetter(0)


class _Lines:
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
        kept = _KEPT.pop(key, None)
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
        stream stopped before its end, kept in ``_KEPT`` when read whole."""
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
            _KEPT.clear()  # (one file at a time: the one a scan read for its play)
            _KEPT[key] = (chunks, rest, truncated)
        return chunks, rest, truncated


_Text = tuple[list[tuple[str, int]], str, bool]
_KEPT: dict[object, _Text] = {}
"""The text of the file read last, until its next reader takes it (see ``_Lines.texts``)."""
KEEP_LIMIT = 64 << 20
"""The longest text kept (characters): a bigger file is read again."""


def iter_source(
    source: Source, index: int, issues: list[Issue], keep: bool = False
) -> Iterator[Item]:
    """One source's messages as (receive ns, index, line, body).

    Damage never stops the session: a corrupted line is reported (with file:line) and
    skipped; a truncated gzip stream is reported and the lines before it are played.
    An hftbacktest file is read a chunk at a time (``_hft_chunks``): its items come
    from lists, with no Python frame resumed per message.
    """
    if source.format is Format.HFTBACKTEST:
        return chain.from_iterable(_hft_chunks(source, index, issues, keep))
    return _iter_lines(source, index, issues, keep)


def _hft_items(lines: list[str], index: int, first: int) -> list[Item] | None:
    """A chunk's hftbacktest lines (``<receive ns> <body>``, numbered from ``first``) as
    items in two comprehensions; None when any line is not such a line (the chunk then
    goes line by line, reporting each bad one where it stands)."""
    try:
        parts = [line.partition(" ") for line in lines]
        items = [(int(ts), index, n, body) for n, (ts, _, body) in enumerate(parts, first)]
    except ValueError:
        return None
    if not all(map(_SEP, parts)) or (items and min(map(_TS, items)) < 0):
        return None
    return items


def _hft_lines(
    lines: list[str], index: int, first: int, issues: list[Issue], name: str
) -> Iterator[Item]:
    """A chunk line by line: bad lines reported (as the consumer reaches them) and skipped."""
    for lineno, line in enumerate(lines, first):
        ts_text, sep, body = line.partition(" ")
        try:
            ts = int(ts_text)
        except ValueError:
            ts = -1
        if ts < 0 or not sep:
            if line.strip():
                _bad_line(issues, name, lineno, line)
            continue
        yield ts, index, lineno, body


def _hft_chunks(
    source: Source, index: int, issues: list[Issue], keep: bool
) -> Iterator[Iterable[Item]]:
    """An hftbacktest file's items a batch of ``BATCH`` lines at a time (see ``iter_source``)."""
    name = source.name
    lineno = 0
    lines = _Lines(source.path, keep)
    read = wire.hft_items if source.exchange.startswith("binance") else None
    try:
        if read is None:
            for chunk in lines.chunks():
                for start in range(0, len(chunk), BATCH):
                    batch = chunk[start : start + BATCH]
                    yield _hft_batch(batch, index, lineno + 1, issues, name)
                    lineno += len(batch)
            return
        for text, end in lines.texts():  # the C reader takes the text itself, no split
            start = 0
            while start < end:
                items, stop = read(text, start, end, BATCH, index, lineno + 1)
                if items is None:  # a line it does not read: these lines as the Python reader
                    batch = text[start:stop].split("\n")
                    if text[stop - 1] == "\n":
                        batch.pop()
                    yield _hft_batch(batch, index, lineno + 1, issues, name)
                    lineno += len(batch)
                else:
                    yield items
                    lineno += len(items)
                start = stop
    except (EOFError, zlib.error, OSError) as exc:
        _truncated(issues, name, lineno, exc)


def _hft_batch(
    batch: list[str], index: int, first: int, issues: list[Issue], name: str
) -> Iterable[Item]:
    """A batch of lines as items (``_hft_items``), or line by line when one is bad."""
    items = _hft_items(batch, index, first)
    return _hft_lines(batch, index, first, issues, name) if items is None else items


def _iter_lines(source: Source, index: int, issues: list[Issue], keep: bool) -> Iterator[Item]:
    """The other formats line by line (see ``iter_source``)."""
    name = source.name
    lineno = 0
    fmt = source.format
    lines = _Lines(source.path, keep)
    try:
        if fmt is Format.CRYPTOFEED_WS:
            for line in lines:
                lineno += 1
                if line.startswith(("wss://", "ws://")) or not line.strip():
                    continue  # the connect line and our own outgoing messages
                if line.startswith(("https://", "http://")):
                    rest = _rest_item(line)  # a REST answer written inline
                    if rest is None:
                        _bad_line(issues, name, lineno, line)
                    else:
                        yield rest[0], index, lineno, rest[1]
                    continue
                ts_text, sep, body = line.partition(": ")
                try:
                    ts = seconds_to_ns(ts_text)
                except ValueError:
                    ts = -1
                if ts < 0 or not sep:
                    if not (lineno == 1 and line.startswith(CF_CONFIGURATION)):
                        _bad_line(issues, name, lineno, line)
                    continue
                yield ts, index, lineno, body
        elif fmt is Format.CRYPTOFEED_HTTP:
            for line in lines:
                lineno += 1
                if not line.strip() or (lineno == 1 and line.startswith(CF_CONFIGURATION)):
                    continue
                rest = _rest_item(line)
                if rest is None:
                    _bad_line(issues, name, lineno, line)
                    continue
                yield rest[0], index, lineno, rest[1]
        else:
            for line in lines:
                lineno += 1
                if lineno == 1 or not line.strip():
                    continue  # the header, read at detection
                try:
                    record = json.loads(line)
                    ts = int(record["t"])
                except (ValueError, KeyError, TypeError):
                    if lines.cut:
                        _cut_record(issues, name, lineno)
                    else:
                        _bad_line(issues, name, lineno, line)
                    continue
                yield ts, index, lineno, record
    except (EOFError, zlib.error, OSError) as exc:
        if lines.cut and fmt is Format.RECORDING:
            _cut_record(issues, name, lineno + 1)
            return
        _truncated(issues, name, lineno, exc)


def _truncated(issues: list[Issue], name: str, lineno: int, exc: Exception) -> None:
    issue = Issue(
        "truncated",
        f"{name}:{lineno + 1}",
        f"{name}: the file ends early or is corrupt after line {lineno} ({exc}); "
        "the lines before it were played",
    )
    log.warning("%s", issue.message)
    issues.append(issue)


def _rest_item(line: str) -> tuple[int, tuple[str, str]] | None:
    """``<URL> -> <receive s>: <body>`` as (receive ns, (URL, body)), or None when malformed."""
    url, sep, rest = line.partition(" -> ")
    ts_text, sep2, body = rest.partition(": ")
    try:
        ts = seconds_to_ns(ts_text)
    except ValueError:
        return None
    if ts < 0 or not sep or not sep2:
        return None
    return ts, (url, body)


def _cut_record(issues: list[Issue], name: str, lineno: int) -> None:
    issue = Issue(
        "truncated",
        f"{name}:{lineno}",
        f"{name}:{lineno}: the final record is cut short (a crash while recording?); "
        "it was skipped",
    )
    log.warning("%s", issue.message)
    issues.append(issue)


def source_chunks(
    source: Source, index: int, issues: list[Issue], keep: bool = False
) -> Iterator[list[Item]]:
    """One source's messages (as ``iter_source``) in lists, for ``merge``: an hftbacktest
    chunk is one list; other formats, and a chunk with a bad line, give one-item lists,
    read as the merge reaches them (damage is reported where the reader passes it)."""
    if source.format is not Format.HFTBACKTEST:
        yield from ([item] for item in _iter_lines(source, index, issues, keep))
        return
    for chunk in _hft_chunks(source, index, issues, keep):
        if type(chunk) is list:
            yield chunk
        else:
            yield from ([item] for item in chunk)


def merge(streams: Sequence[Iterator[list[Item]]]) -> Iterator[list[Item]]:
    """Merge per-file streams (``source_chunks``) by receive time; a file's own order is
    always kept (ties: the earlier file first). Yields lists of items.

    Between merge points a stream's lists pass whole: a list whose latest message comes
    before the next file's head is handed on as it is, so files that follow each other
    (day 1, day 2) cost no more than reading them one after the other. Files that
    interleave finely cost what a merge item by item costs: a list's latest time is found
    once, and each turn reads only the items it hands on (and the one that stops it).
    """
    heads: list[tuple[int, int, list[Item], int, int, Iterator[list[Item]]]] = []

    def push(order: int, stream: Iterator[list[Item]]) -> None:
        chunk = next(stream, None)
        while chunk is not None and not chunk:
            chunk = next(stream, None)
        if chunk:
            heapq.heappush(heads, (chunk[0][0], order, chunk, 0, max(map(_TS, chunk)), stream))

    for order, stream in enumerate(streams):
        push(order, stream)
    while heads:
        _, order, chunk, start, latest, stream = heapq.heappop(heads)
        end = len(chunk)
        if not heads:
            yield chunk[start:] if start else chunk
            yield from stream
            return
        bound, bound_order = heads[0][0], heads[0][1]
        stop = end
        if latest > bound or (latest == bound and order > bound_order):
            stop = start + 1  # (the head itself comes before the next file's head)
            while stop < end:
                ts = chunk[stop][0]
                if ts > bound or (ts == bound and order > bound_order):
                    break
                stop += 1
        yield chunk[start:stop] if start or stop < end else chunk
        if stop < end:
            heapq.heappush(heads, (chunk[stop][0], order, chunk, stop, latest, stream))
        else:
            push(order, stream)


def _bad_line(issues: list[Issue], name: str, lineno: int, line: str) -> None:
    preview = line.strip()[:60]
    issue = Issue(
        "corrupted_line",
        f"{name}:{lineno}",
        f"{name}:{lineno}: corrupted line skipped ({preview!r})",
    )
    log.warning("%s", issue.message)
    issues.append(issue)


def bad_message(issues: list[Issue], name: str, lineno: int, exc: Exception) -> None:
    """Report a line whose message could not be decoded (bad JSON, missing fields)."""
    issue = Issue(
        "corrupted_line",
        f"{name}:{lineno}",
        f"{name}:{lineno}: message could not be decoded ({type(exc).__name__}: "
        f"{str(exc)[:80]}); skipped",
    )
    log.warning("%s", issue.message)
    issues.append(issue)
