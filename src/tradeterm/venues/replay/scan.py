"""What a replay's files hold, from one pass before playing: markets, first and last receive
time, and the number of messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tradeterm.domain.market import Market
from tradeterm.venues.replay.files import Format
from tradeterm.venues.replay.markets import session_markets
from tradeterm.venues.replay.recording import header_markets
from tradeterm.venues.replay.session import Session

Span = tuple[int | None, int | None, int]
"""(first receive time, last receive time, messages) of a session; times in ns."""


def scan_files(paths: Sequence[str | Path], venue: str) -> tuple[list[Market], Span]:
    """Read ``paths`` once as a session: its markets (recorded ones first, see
    ``session_markets``) and its span.

    Raises:
        DataError: a file is missing, unreadable or not a capture.
    """
    scan = Session(paths, venue=venue, scan=True)
    scan.run()
    recorded = [
        m for s in scan.sources if s.format is Format.RECORDING for m in header_markets(s.header)
    ]
    markets = session_markets(scan.states.values(), recorded, venue)
    return markets, (scan.first_ts, scan.last_ts, scan.messages)
