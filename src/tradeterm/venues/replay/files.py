"""Capture and recording files: what they are (detected from content) and which belong together.

Accepted formats, detected from the content (the file name is only a hint):

- ``hftbacktest``: Binance combined-stream captures, one ``<receive ns> <json>`` per
  line (usually gzip), with the REST depth snapshot (``lastUpdateId``) inline.
- ``cryptofeed-ws``: cryptofeed websocket captures (Binance or Kraken v1), a
  ``wss://... <-> <ts>`` connect line, then ``<receive s>: <json>`` lines.
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
    "websocket captures ('.ws.' files, with their '.http.' snapshot files), and tradeterm "
    "recordings (newline-delimited JSON in gzip)"
)
SNIFF_LINES = 200

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
    lines = _head(path)
    if not lines:
        raise DataError(f"{path}: the file is empty; accepted formats are {ACCEPTED}")
    first = lines[0]
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
        futures = any('"pu":' in line for line in lines if "depthUpdate" in line)
        futures = futures or any('"lastUpdateId"' in line and '"T":' in line for line in lines)
        return Source(path, Format.HFTBACKTEST, "binanceusdm" if futures else "binance")
    http = _CF_HTTP_LINE.match(first)
    if http:
        exchange = _binance_or_kraken(http.group(1))
        if exchange:
            return Source(path, Format.CRYPTOFEED_HTTP, exchange)
    connect = _CF_WS_CONNECT.match(first)
    if connect or _CF_WS_DATA.match(first):
        exchange = _binance_or_kraken(connect.group(1)) if connect else ""
        if not exchange:
            data = [x for x in lines if _CF_WS_DATA.match(x)]
            if any('{"stream":' in x for x in data):
                exchange = "binance"
            elif any(x.partition(": ")[2].startswith("[") for x in data):
                exchange = "kraken"
        if exchange:
            return Source(path, Format.CRYPTOFEED_WS, exchange)
    raise DataError(f"{path}: not a capture tradeterm can replay; accepted formats are {ACCEPTED}")


def _siblings(source: Source) -> list[Path]:
    """The other half of a cryptofeed Binance capture: ``X.ws.*`` <-> ``X.http.*``."""
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
    issues found (a Binance ``.ws.`` capture with no ``.http.`` snapshots beside it).

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
        ):
            issue = Issue(
                "no_snapshot_file",
                source.name,
                f"{source.name}: no '.http.' snapshot file found beside it; "
                "its books cannot be synchronised",
            )
            log.warning("%s", issue.message)
            issues.append(issue)
    return sources, issues
