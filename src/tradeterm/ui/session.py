"""What the workstation runs on: the engine and the parts built around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tradeterm.analysis.alerts import AlertBook
    from tradeterm.config.settings import StrategyEntry
    from tradeterm.engine.candle_feeder import CandleFeeder
    from tradeterm.engine.engine import Engine
    from tradeterm.engine.logbook import LogBook
    from tradeterm.strategies.registry import StrategyClass
    from tradeterm.strategies.status import LoadError
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
    strategies: tuple[StrategyEntry, ...] = ()
    """The ``[[strategies]]`` entries, checked (``:strategy start NAME``)."""
    strategy_kinds: Mapping[str, StrategyClass] | None = None
    """The strategies by kind: the built-ins and the user's folder (None: the built-ins)."""
    strategy_errors: tuple[LoadError, ...] = ()
    """The user's strategy files that did not load (the strategies pane lists them)."""
