"""What the workstation runs on: the engine and the parts built around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradeterm.analysis.alerts import AlertBook
    from tradeterm.engine.candle_feeder import CandleFeeder
    from tradeterm.engine.engine import Engine
    from tradeterm.engine.logbook import LogBook
    from tradeterm.ui.recording import RecorderFactory


@dataclass(frozen=True, slots=True)
class Session:
    """``alerts``: the user's alert book, publishing on ``engine.bus`` (None: alerts for this
    session only); ``recorder``: makes the recorder that ``R`` starts (None: no recording);
    ``candles``: one backfiller per real exchange venue (the sim and replays bring their own
    candles)."""

    engine: Engine
    logbook: LogBook
    alerts: AlertBook | None = None
    recorder: RecorderFactory | None = None
    candles: tuple[CandleFeeder, ...] = ()
