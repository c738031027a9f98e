"""Capture and recording files: what they are (detected from content) and which belong together.

Accepted formats, detected from the content (the file name is only a hint):

- ``hftbacktest``: Binance combined-stream captures, one ``<receive ns> <json>`` per
  line (usually gzip), with the REST depth snapshot (``lastUpdateId``) inline.
- ``cryptofeed-ws``: cryptofeed websocket captures (Binance or Kraken v1), a
  ``wss://... <-> <ts>`` connect line, then ``<receive s>: <json>`` lines. Both of
  cryptofeed's layouts are read: the file may start with a ``configuration: {...}``
  line, and may carry its REST answers (Binance depth snapshots, Kraken pair lists)
  inline as ``<URL> -> <receive s>: <body>`` lines between the stream lines.
- ``cryptofeed-http``: cryptofeed REST captures, ``<URL> -> <receive s>: <body>``
  lines; for Binance these carry the depth snapshots of the ``.ws.`` file beside them.
- ``tradeterm-recording``: tradeterm's own recordings (see ``recording.py``).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from tradeterm.domain.errors import DataError

log = logging.getLogger("tradeterm.venues.replay")

RECORDING_FORMAT = "tradeterm-recording"
RECORDING_VERSION = 1
ACCEPTED = (
    "hftbacktest Binance captures ('<ns> <json>' lines, gzip), cryptofeed Binance/Kraken "
    "websocket captures (with or without a 'configuration:' first line; REST snapshots "
    "inline as '<URL> -> <ts>: <body>' lines or in '.http.' files beside them), and "
    "tradeterm recordings (newline-delimited JSON in gzip)"
)
SNIFF_LINES = 200
INLINE_SCAN_LINES = 20_000
"""Lines searched for an inline REST snapshot before a Binance capture is said to lack one."""
CF_CONFIGURATION = "configuration: "
"""The first line cryptofeed's raw-data collector writes (its feed's channels and symbols)."""

_HFT_LINE = re.compile(r"^\d{15,20} [\[{]")
_CF_WS_CONNECT = re.compile(r"^wss?://(\S+) <-> \d+(\.\d+)?\s*$")
_CF_WS_DATA = re.compile(r"^\d{9,11}(\.\d+)?: [\[{]")
_CF_HTTP_LINE = re.compile(r"^https?://(\S+) -> \d+(\.\d+)?: ")

Item = tuple[int, int, int, Any]
"""One message: (receive ns, source index, line number, body for the source's decoder)."""


class Format(StrEnum):
    HFTBACKTEST = "hftbacktest"
    CRYPTOFEED_WS = "cryptofeed-ws"
    CRYPTOFEED_HTTP = "cryptofeed-http"
    RECORDING = RECORDING_FORMAT


@dataclass(frozen=True, slots=True)
class Issue:
    """Damage found while reading: a truncated file, a corrupted line, a missing snapshot file."""

    kind: str
    position: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "position": self.position, "message": self.message}


@dataclass(slots=True)
class Source:
    """One input file and what it holds."""

    path: Path
    format: Format
    exchange: str  # "binance", "binanceusdm", "kraken", or "" for recordings
    header: dict[str, Any] = field(default_factory=dict)
    inline_rest: bool = False
    """A cryptofeed websocket capture with REST answers among its lines (seen while sniffing)."""

    @property
    def name(self) -> str:
        return self.path.name


def seconds_to_ns(text: str) -> int:
    """``"1633998512.0633569"`` -> nanoseconds, exactly (no float rounding)."""
    sec, _, frac = text.partition(".")
    return int(sec) * 1_000_000_000 + int((frac + "000000000")[:9])


def open_text(path: Path) -> IO[str]:
    """Open a capture as text, gunzipping when the content (not the name) is gzip."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def _head(path: Path) -> list[str]:
    """The first non-empty lines of a file (up to SNIFF_LINES), for detection."""
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a capture file")
    lines: list[str] = []
    try:
        with open_text(path) as fh:
            for line in fh:
                if line.strip():
                    lines.append(line)
                    if len(lines) >= SNIFF_LINES:
                        break
    except (EOFError, zlib.error, OSError) as exc:
        if not lines:
            raise DataError(f"{path}: cannot be read as a capture ({exc})") from None
    return lines


def is_rest_line(line: str) -> bool:
    """A cryptofeed REST line, ``<URL> -> <receive s>: <body>``."""
    return line.startswith(("https://", "http://")) and _CF_HTTP_LINE.match(line) is not None


def _binance_or_kraken(host: str) -> str:
    if "kraken" in host:
        return "kraken"
    if "binance" in host:
        return "binanceusdm" if host.startswith(("fstream", "fapi")) else "binance"
    return ""


def detect(path: Path) -> Source:
    """Identify a file's format from its content.

    Raises:
        DataError: the file is missing, unreadable, or not a format tradeterm can replay.
    """
    head = _head(path)
    if not head:
        raise DataError(f"{path}: the file is empty; accepted formats are {ACCEPTED}")
    first = head[0]
    if first.startswith("{"):
        try:
            header = json.loads(first)
        except ValueError:
            header = None
        if isinstance(header, dict) and header.get("format") == RECORDING_FORMAT:
            version = header.get("version")
            if not isinstance(version, int) or version > RECORDING_VERSION:
                log.warning(
                    "%s: recording format version %r is newer than %d; reading what this "
                    "version of tradeterm understands",
                    path,
                    version,
                    RECORDING_VERSION,
                )
            return Source(path, Format.RECORDING, "", header)
    if _HFT_LINE.match(first):
        lines = head
        futures = any('"pu":' in line for line in lines if "depthUpdate" in line)
        futures = futures or any('"lastUpdateId"' in line and '"T":' in line for line in lines)
        return Source(path, Format.HFTBACKTEST, "binanceusdm" if futures else "binance")
    source = _cryptofeed(path, head)
    if source is None:
        raise DataError(
            f"{path}: not a capture tradeterm can replay; accepted formats are {ACCEPTED}"
        )
    return source


def _cryptofeed(path: Path, head: list[str]) -> Source | None:
    """A cryptofeed capture in either layout, recognised by its lines, or None."""
    header: dict[str, Any] = {}
    lines = head
    if lines[0].startswith(CF_CONFIGURATION):
        try:
            config = json.loads(lines[0][len(CF_CONFIGURATION) :])
        except ValueError:
            config = None
        if isinstance(config, dict):
            header = {"configuration": config}
        lines = lines[1:]
    if not lines:
        return None
    rest = [x for x in lines if is_rest_line(x)]
    connects = [m for m in map(_CF_WS_CONNECT.match, lines) if m]
    data = [x for x in lines if _CF_WS_DATA.match(x)]
    if not connects and not data:
        if rest and rest[0] is lines[0]:
            http = _CF_HTTP_LINE.match(rest[0])
            exchange = _binance_or_kraken(http.group(1)) if http else ""
            if exchange:
                return Source(path, Format.CRYPTOFEED_HTTP, exchange, header)
        return None
    exchange = _binance_or_kraken(connects[0].group(1)) if connects else ""
    if not exchange and rest:
        http = _CF_HTTP_LINE.match(rest[0])
        exchange = _binance_or_kraken(http.group(1)) if http else ""
    if not exchange:
        if any('{"stream":' in x for x in data):
            exchange = "binance"
        elif any(x.partition(": ")[2].startswith("[") for x in data):
            exchange = "kraken"
    if not exchange:
        return None
    return Source(path, Format.CRYPTOFEED_WS, exchange, header, inline_rest=bool(rest))


def _has_inline_rest(path: Path) -> bool:
    """Whether a cryptofeed capture carries REST answers among its first lines."""
    try:
        with open_text(path) as fh:
            for count, line in enumerate(fh):
                if is_rest_line(line):
                    return True
                if count >= INLINE_SCAN_LINES:
                    break
    except (EOFError, zlib.error, OSError):
        pass
    return False


def _siblings(source: Source) -> list[Path]:
    """The other half of a cryptofeed Binance capture: ``X.ws.*`` <-> ``X.http.*``."""
    if source.inline_rest:
        return []  # its snapshots are in the file itself
    if source.format is Format.CRYPTOFEED_WS and source.exchange.startswith("binance"):
        mine, other = ".ws.", ".http."
    elif source.format is Format.CRYPTOFEED_HTTP:
        mine, other = ".http.", ".ws."
    else:
        return []
    name = source.path.name
    if mine not in name:
        return []
    prefix = name.split(mine, 1)[0]
    return sorted(source.path.parent.glob(f"{glob_escape(prefix)}{other}*"))


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def resolve_sources(paths: Sequence[str | Path]) -> tuple[list[Source], list[Issue]]:
    """Detect every file, add the sibling snapshot file of a cryptofeed Binance capture.

    Returns the sources in the order given (siblings right after their partner) and
    issues found (a Binance websocket capture with no REST snapshot, inline or beside it).

    Raises:
        DataError: a file is missing, unreadable or not a capture.
    """
    if not paths:
        raise DataError(f"no files given; accepted formats are {ACCEPTED}")
    sources: list[Source] = []
    seen: set[Path] = set()
    issues: list[Issue] = []
    for raw in paths:
        path = Path(raw)
        key = path.resolve()
        if key in seen:
            continue
        source = detect(path)
        seen.add(key)
        sources.append(source)
        for partner in _siblings(source):
            if partner.resolve() not in seen:
                seen.add(partner.resolve())
                sources.append(detect(partner))
    has_http = any(s.format is Format.CRYPTOFEED_HTTP for s in sources)
    for source in sources:
        if (
            source.format is Format.CRYPTOFEED_WS
            and source.exchange.startswith("binance")
            and not has_http
            and not source.inline_rest
            and not _has_inline_rest(source.path)
        ):
            issue = Issue(
                "no_snapshot_file",
                source.name,
                f"{source.name}: no REST depth snapshot in it ('<URL> -> <ts>: <body>' "
                "lines) and no '.http.' snapshot file found beside it; its books cannot be "
                "synchronised",
            )
            log.warning("%s", issue.message)
            issues.append(issue)
    return sources, issues
