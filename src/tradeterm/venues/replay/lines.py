"""Reading capture files line by line: big-chunk gunzipping, damage reports, merging by time."""

from __future__ import annotations

import heapq
import json
import logging
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from operator import itemgetter

from tradeterm.venues import wire
from tradeterm.venues.replay import text as file_text
from tradeterm.venues.replay.files import (
    CF_CONFIGURATION,
    Format,
    Issue,
    Item,
    Source,
    seconds_to_ns,
)
from tradeterm.venues.replay.text import KEPT_ITEMS, KEPT_TEXT, Lines

log = logging.getLogger("tradeterm.venues.replay")


BATCH = 256
"""Lines made into items at once: few enough that they are played before the cyclic
collector's first generation fills (700 new objects), so they are freed young instead of
being promoted and traversed again (a whole chunk at once cost more in collections than
the generator frames it saved)."""
KEEP_ITEMS = 100_000
"""The most items a scan keeps for its play (about 0.5 kB each with their text)."""
_SEP = itemgetter(1)
_TS = itemgetter(0)


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
    """An hftbacktest file's items a batch of ``BATCH`` lines at a time (see ``iter_source``).

    With ``keep`` (a scan), a file read whole with no bad line (at most ``KEEP_ITEMS``
    items) is kept as its batches, which the next reader of the same unchanged file takes
    instead of reading it (as ``Lines.texts`` keeps text): a scan's play reads no line
    again. The items are plain data (ints, strs, tuples), shared by both sessions."""
    try:
        stat = os.stat(source.path)
    except OSError:
        key = None  # (the reader reports it)
    else:
        key = (
            os.fspath(source.path),
            stat.st_size,
            stat.st_mtime_ns,
            file_text.CHUNK,
            BATCH,
            index,
        )
        kept = KEPT_ITEMS.pop(key, None)
        if kept is not None:
            yield from kept
            return
    batches: list[list[Item]] | None = [] if keep and key is not None else None
    size, known = 0, len(issues)
    for batch in _hft_read(source, index, issues, keep):
        if batches is not None:
            size += len(batch) if type(batch) is list else KEEP_ITEMS
            batches = batches if size <= KEEP_ITEMS else None
            if batches is not None:
                batches.append(batch)  # type: ignore[arg-type]
        yield batch
    if batches is not None and len(issues) == known:
        KEPT_TEXT.clear()  # (its text: the play takes the items)
        KEPT_ITEMS.clear()
        KEPT_ITEMS[key] = batches


def _hft_read(
    source: Source, index: int, issues: list[Issue], keep: bool
) -> Iterator[Iterable[Item]]:
    """``_hft_chunks`` from the file."""
    name = source.name
    lineno = 0
    lines = Lines(source.path, keep)
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
    lines = Lines(source.path, keep)
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
