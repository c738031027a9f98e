"""hftbacktest files read a chunk at a time give the messages and reports of a line-by-line read."""

from __future__ import annotations

import gzip
import heapq
import os
import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeterm.venues.replay import lines as lines_module
from tradeterm.venues.replay import text as text_module
from tradeterm.venues.replay.files import Format, Issue, Item, Source
from tradeterm.venues.replay.lines import iter_source, merge, source_chunks

GOOD = re.compile(r"(\d+) (.*)")

TEXT = "\n".join(
    [
        '100 {"stream":"btcusdt@trade","data":{"t":1}}',
        '101 {"stream":"btcusdt@bookTicker","data":{"u":2}}',
        "",  # blank: skipped, not reported
        "102 ",  # an empty body after the separator is still a message
        "abc not a time",  # bad: reported
        *(f'{200 + i} {{"n":{i}}}' for i in range(40)),
        "-5 a negative time",  # bad
        "12345",  # bad: no separator
        *(f'{300 + i} {{"m":{i}}}' for i in range(40)),
        "399 the last line, cut short",  # no newline at the end
    ]
)


def expected(text: str) -> tuple[list[tuple[int, int, int, str]], list[int]]:
    """Messages and the line numbers of bad lines, by a regular expression, line by line."""
    items, bad = [], []
    for number, line in enumerate(text.split("\n"), 1):
        match = GOOD.fullmatch(line)
        if match:
            items.append((int(match[1]), 3, number, match[2]))
        elif line.strip():
            bad.append(number)
    return items, bad


def source(path: Path) -> Source:
    return Source(path, Format.HFTBACKTEST, "binance")


def as_text(item: Item) -> Item:
    """An item with its message as text (the C reader gives Binance messages as (stream,
    value, text) tuples; see ``wire.hft_items``)."""
    body = item[3]
    return (*item[:3], body[2]) if type(body) is tuple else item


@pytest.mark.parametrize("chunk", [1 << 20, 97, 16])
@pytest.mark.parametrize("compressed", [True, False])
def test_items_and_bad_lines_as_read_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, compressed: bool
) -> None:
    monkeypatch.setattr(text_module, "CHUNK", chunk)
    data = TEXT.encode()
    path = tmp_path / "capture.gz"
    path.write_bytes(gzip.compress(data) if compressed else data)
    want_items, want_bad = expected(TEXT)
    issues: list[Issue] = []
    got = []
    for item in iter_source(source(path), 3, issues):
        # a bad line is reported when the reader passes it, not when its chunk is read
        reported = [int(i.position.rsplit(":", 1)[1]) for i in issues]
        assert reported == [n for n in want_bad if n < item[2]]
        got.append(as_text(item))
    assert got == want_items
    assert [i.kind for i in issues] == ["corrupted_line"] * len(want_bad)
    assert [i.position for i in issues] == [f"capture.gz:{n}" for n in want_bad]


@pytest.mark.parametrize("chunk", [1 << 20, 64])
def test_a_truncated_gzip_plays_its_lines_then_reports_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(text_module, "CHUNK", chunk)
    text = "\n".join(f"{1000 + i} body {i}" for i in range(2000)) + "\n"
    whole = gzip.compress(text.encode())
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) * 6 // 10])
    issues: list[Issue] = []
    got = list(iter_source(source(path), 0, issues))
    assert got, "the lines before the cut play"
    assert [(ts, n, body) for ts, _, n, body in got] == [
        (1000 + i, i + 1, f"body {i}") for i in range(len(got))
    ]
    (issue,) = issues
    assert issue.kind == "truncated"
    assert issue.position == f"cut.gz:{len(got) + 1}"


def chunked(items: list[tuple[int, int, int, str]], sizes: list[int]) -> Iterator[list[Item]]:
    """``items`` cut into lists of the given sizes (cycled), as ``source_chunks`` yields them."""
    at, k = 0, 0
    while at < len(items):
        size = sizes[k % len(sizes)]
        yield list(items[at : at + size])
        at, k = at + size, k + 1


@settings(max_examples=200, deadline=None)
@given(
    files=st.lists(
        st.tuples(
            st.lists(st.integers(0, 60), max_size=40),  # receive times, in file order
            st.lists(st.integers(1, 9), min_size=1, max_size=4),  # list sizes
        ),
        min_size=2,
        max_size=4,
    ),
    monotonic=st.booleans(),
)
def test_merge_keeps_the_order_of_a_merge_item_by_item(
    files: list[tuple[list[int], list[int]]], monotonic: bool
) -> None:
    streams = []
    for order, (times, _) in enumerate(files):
        played = sorted(times) if monotonic else times
        streams.append([(ts, order, n, f"{order}:{n}") for n, ts in enumerate(played, 1)])
    # item by item: the smallest head (time, then file order) next, its file's next item after
    want = list(heapq.merge(*streams, key=lambda item: (item[0], item[1])))
    got = list(
        chain.from_iterable(
            merge([chunked(items, sizes) for items, (_, sizes) in zip(streams, files, strict=True)])
        )
    )
    assert got == want


def test_two_overlapping_captures_play_in_receive_time_order(tmp_path: Path) -> None:
    a = [f"{ts} a{n}" for n, ts in enumerate([10, 20, 30, 30, 50, 70], 1)]
    b = [f"{ts} b{n}" for n, ts in enumerate([5, 30, 40, 60, 80], 1)]
    for name, lines in (("a.gz", a), ("b.gz", b)):
        (tmp_path / name).write_bytes(gzip.compress("\n".join(lines).encode() + b"\n"))
    streams = [
        source_chunks(source(tmp_path / name), i, []) for i, name in enumerate(("a.gz", "b.gz"))
    ]
    got = [body for _, _, _, body in chain.from_iterable(merge(streams))]
    assert got == ["b1", "a1", "a2", "a3", "a4", "b2", "b3", "a5", "b4", "a6", "b5"]


class Counted(list[Item]):
    """A list that counts the items read out of it (whole or in slices)."""

    read = 0

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        got = super().__getitem__(key)
        Counted.read += len(got) if isinstance(key, slice) else 1
        return got

    def __iter__(self) -> Iterator[Item]:
        Counted.read += len(self)
        return super().__iter__()


def test_captures_that_interleave_finely_are_merged_in_time_linear_in_their_items() -> None:
    """Two captures of the same hours (spot and futures) alternate message by message: each
    list is passed over a bounded number of times, not once per message taken from it (which
    made such a merge some 30 times slower than the merge item by item)."""
    n = 20 * lines_module.BATCH
    streams = [[(2 * i + order, order, i, "x") for i in range(n)] for order in (0, 1)]

    def lists(items: list[Item]) -> Iterator[list[Item]]:
        for at in range(0, len(items), lines_module.BATCH):
            yield Counted(items[at : at + lines_module.BATCH])

    Counted.read = 0
    got = list(chain.from_iterable(merge([lists(items) for items in streams])))
    assert got == list(heapq.merge(*streams))
    assert Counted.read <= 8 * 2 * n


def _read(path: Path, keep: bool = False) -> tuple[list[Item], list[str]]:
    issues: list[Issue] = []
    items = [as_text(item) for item in iter_source(source(path), 0, issues, keep)]
    return items, [f"{i.kind} {i.position}" for i in issues]


@pytest.mark.parametrize("case", ["plain", "gzip", "truncated gzip"])
def test_a_scans_text_is_played_from_memory_once(tmp_path: Path, case: str) -> None:
    data = TEXT.encode()
    if case != "plain":
        data = gzip.compress(data)
    if case == "truncated gzip":
        data = data[: len(data) * 7 // 10]
    path = tmp_path / "capture.gz"
    path.write_bytes(data)
    fresh = _read(path)
    assert not text_module.KEPT_TEXT  # (a plain read keeps nothing)
    assert _read(path, keep=True) == fresh  # the scan: the text is kept
    when = path.stat().st_mtime_ns
    # the same size and time, other bytes: what plays next comes from memory
    path.write_bytes(data.replace(b"1", b"9") if case == "plain" else bytes(len(data)))
    os.utime(path, ns=(when, when))
    assert _read(path) == fresh
    assert not text_module.KEPT_TEXT  # taken once
    assert _read(path) != fresh  # then the file again


def test_a_file_changed_after_its_scan_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "capture.gz"
    path.write_bytes(gzip.compress(TEXT.encode()))
    scanned = _read(path, keep=True)
    path.write_bytes(gzip.compress(TEXT.replace("btcusdt", "ethusdt").encode()))
    os.utime(path, ns=(path.stat().st_mtime_ns + 1, path.stat().st_mtime_ns + 1))
    played = _read(path)
    assert played != scanned
    assert played == _read(path)


def test_a_scans_items_are_played_without_reading_the_file_again(tmp_path: Path) -> None:
    clean = "\n".join(
        f'{100 + i} {{"stream":"btcusdt@trade","data":{{"t":{i}}}}}' for i in range(600)
    )
    path = tmp_path / "capture.gz"
    data = gzip.compress(clean.encode() + b"\n")
    path.write_bytes(data)
    fresh = _read(path)
    issues: list[Issue] = []
    scanned = list(iter_source(source(path), 0, issues, keep=True))
    assert text_module.KEPT_ITEMS and not text_module.KEPT_TEXT  # the items, not the text
    when = path.stat().st_mtime_ns
    path.write_bytes(bytes(len(data)))  # the same size and time, other bytes
    os.utime(path, ns=(when, when))
    played = list(iter_source(source(path), 0, issues))
    assert all(a is b for a, b in zip(played, scanned, strict=True))  # the scan's own items
    assert [as_text(item) for item in played] == fresh[0] and not issues
    assert not text_module.KEPT_ITEMS  # taken once
