"""The regime gate: a strategy opens new positions only in the market regimes it declares.

Every strategy's parameters have ``regimes`` (``StrategyParams.regimes``, default all four
of ``analysis.regime_names.REGIMES``). Before a new order goes out, the strategy asks its gate
which regime the market is in, classified on the engine's one-minute candles of the
strategy's instrument (the scanner's series), or on the strategy's own closed bars when
the engine has too few candles. An order waits (is not sent) when the regime is not
declared, or is not known yet (too little history). Amends, cancels and orders that only
shrink the position (reduce-only, a sell of at most the long position held) always pass:
a strategy still manages what it has. While it waits, its host's ``reason`` says why
(the strategies pane shows it), and the log says so once per change. The classifier (and
numpy with it) is loaded only when a strategy declares fewer than all four regimes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from itertools import islice

from tradeterm.analysis.regime_names import REGIMES
from tradeterm.analysis.scanner.columns import INDICATOR_HISTORY
from tradeterm.domain.enums import Side
from tradeterm.domain.market_data import Candle

log = logging.getLogger("tradeterm.strategies")

WAIT_PREFIX = "waiting: "


def _newest(candles: Sequence[Candle], count: int) -> list[Candle]:
    return list(islice(candles, max(0, len(candles) - count), None))


class RegimeGate:
    """The regime check of one strategy instance; it remembers the last classification
    (recomputed only when a new candle arrives or the newest one changes)."""

    def __init__(self) -> None:
        self._key: tuple[int, int, Decimal] | None = None
        self._regime = ""
        self.waiting = ""
        """Why the strategy waits, in words; "" while it may trade."""

    def regime(self, candles: Sequence[Candle]) -> str:
        """The regime at the newest of ``candles`` (``""``: too little history)."""
        from tradeterm.analysis.regime import REGIME_HISTORY, classify_candles  # numpy: late

        if len(candles) < REGIME_HISTORY:
            return ""
        newest = candles[-1]
        key = (len(candles), newest.ts_ms, newest.close)
        if key != self._key:
            self._regime = classify_candles(_newest(candles, INDICATOR_HISTORY))
            self._key = key
        return self._regime

    def check(
        self,
        declared: Sequence[str],
        engine_candles: Sequence[Candle],
        own_bars: Sequence[Candle],
        *,
        name: str,
        side: Side,
        qty: Decimal | None,
        reduce_only: bool,
        held: Decimal,
    ) -> str:
        """Why a new order must wait (``""``: it may go).

        Args:
            declared: the regimes the strategy trades in.
            engine_candles: the engine's one-minute candles of its instrument.
            own_bars: the strategy's own closed bars (used when the engine has too few).
            name: the instance name, for the log.
            side, qty, reduce_only: the order.
            held: the base quantity of its position (positive: long).
        """
        if set(REGIMES) <= set(declared):
            return self._set(name, "")
        shrinks = reduce_only or (
            side is Side.SELL and held > 0 and qty is not None and qty <= held
        )
        if shrinks:
            return ""
        from tradeterm.analysis.regime import REGIME_HISTORY  # numpy only once a gate closes

        series = engine_candles if len(engine_candles) >= REGIME_HISTORY else own_bars
        regime = self.regime(series)
        allowed = ", ".join(declared)
        if not regime:
            have = max(len(engine_candles), len(own_bars))
            why = (
                f"{WAIT_PREFIX}regime not known yet ({have} of {REGIME_HISTORY} candles); "
                f"trades only in {allowed}"
            )
        elif regime not in declared:
            why = f"{WAIT_PREFIX}regime is {regime}; trades only in {allowed}"
        else:
            why = ""
        return self._set(name, why)

    def _set(self, name: str, why: str) -> str:
        if why != self.waiting:
            if why:
                log.info("%s %s", name, why)
            elif self.waiting:
                log.info("%s: regime allows trading again", name)
        self.waiting = why
        return why
