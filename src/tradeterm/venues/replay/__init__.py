"""Replay venue: recorded exchange captures and tradeterm recordings played through the feed port.

- ``ReplayFeed``: the MarketFeed (pause, resume, speed, step, seek, progress).
- ``verify_files`` / ``main``: headless verification (``tradeterm replay --verify``).
- ``Recorder`` / ``RecordingReader``: tradeterm's own recording format.
"""

from tradeterm.venues.replay.feed import ReplayFeed
from tradeterm.venues.replay.kraken import kraken_checksum
from tradeterm.venues.replay.playback import Progress
from tradeterm.venues.replay.recorder import Recorder
from tradeterm.venues.replay.recording import RecordingReader
from tradeterm.venues.replay.verify import format_report, main, verify_files

__all__ = [
    "Progress",
    "Recorder",
    "RecordingReader",
    "ReplayFeed",
    "format_report",
    "kraken_checksum",
    "main",
    "verify_files",
]
