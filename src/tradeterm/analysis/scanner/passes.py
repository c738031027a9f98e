"""One scanner pass: every column and score for every symbol of a matrix, vectorised."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tradeterm.analysis.regime import classify
from tradeterm.analysis.scanner.convert import CandleMatrix, FloatArray, spread_column
from tradeterm.analysis.scanner.features import compute
from tradeterm.analysis.scanner.recipes import RECIPES
from tradeterm.analysis.scanner.result import ScanResult
from tradeterm.domain.market_data import Ticker


def scan(
    matrix: CandleMatrix,
    *,
    spreads: Mapping[str, float | None] | None = None,
    tickers: Mapping[str, Ticker] | None = None,
) -> ScanResult:
    """Compute the scanner table for every symbol of ``matrix``.

    All the work is numpy along axis 1 of the matrix; nothing loops over symbols except
    the spread look-up in the two mappings. A symbol with too little history gets NaN for
    what it cannot compute (each column's definition says how many candles it needs) and
    never disturbs the others. It reads nothing but its arguments, so it can run in a
    worker thread.

    Args:
        matrix: one-minute candles from :func:`candles_to_matrix` or a ``MatrixBuilder``.
            The 24h columns need ``length >= 1441``; the indicators are computed over the
            whole row, as the indicator library would compute them on the same candles.
        spreads: spread in bps per symbol (e.g. ``OrderBook.spread_bps()``); wins over
            ``tickers``. None or a missing symbol: taken from the ticker, else NaN.
        tickers: tickers per symbol; their best bid and ask give the spread.

    Returns:
        The :class:`ScanResult`.
    """
    with np.errstate(all="ignore"):  # NaN and inf are the documented outcomes, not errors
        computed = compute(matrix)
        regime = classify(matrix)
    numbers: dict[str, FloatArray] = dict(computed.columns)
    numbers["spread_bps"] = spread_column(matrix.symbols, spreads, tickers)
    components: dict[str, dict[str, FloatArray]] = {}
    for family, recipe in RECIPES.items():
        parts = {c.name: c.fraction(computed.features[c.feature]) for c in recipe.components}
        total = np.zeros(len(matrix.symbols))
        for c in recipe.components:
            total = total + parts[c.name] * c.weight
        total[matrix.counts < recipe.min_history] = np.nan
        numbers[recipe.column] = total
        components[family] = parts
    return ScanResult(
        symbols=matrix.symbols,
        numbers=numbers,
        trend=computed.trend,
        regime=regime,
        features=computed.features,
        components=components,
        counts=matrix.counts,
        chg_24h_candles=computed.chg_24h_candles,
    )
