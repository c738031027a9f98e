"""The market scanner: columns, strategy scores and their reasons for many symbols at once.

Use it in three steps, all safe in a worker thread::

    builder = MatrixBuilder()                       # keep one; it converts only new candles
    matrix = builder.build(state.candles, 1441)     # or candles_to_matrix(state.candles, n)
    result = scan(matrix, spreads={s: b.spread_bps() for s, b in state.books.items()})
    result.rows()                                   # [{column: float | str}, ...]
    explain(result, "BTC/USDT", "meanrev")          # the "why this score" lines

``candles_to_matrix`` (module ``convert``) is the one place where Decimal candles become
floats. ``scan`` works on the 2-D arrays with numpy, with no loop over symbols. Columns are
listed with their definitions in ``COLUMNS``; the score recipes are the tables in
``recipes`` (``describe(RECIPES[family])`` prints one), and the score inputs are defined in
``FEATURES``. Undefined values are NaN (``""`` for the trend state).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradeterm.analysis.scanner.columns import (
        COLUMN_INFO,
        COLUMN_NAMES,
        COLUMNS,
        NUMERIC_COLUMNS,
        TEXT_COLUMNS,
        ColumnInfo,
        ScannerError,
    )
    from tradeterm.analysis.scanner.convert import (
        CandleMatrix,
        MatrixBuilder,
        candles_to_matrix,
        ticker_spread_bps,
    )
    from tradeterm.analysis.scanner.features import FEATURES, FeatureInfo
    from tradeterm.analysis.scanner.passes import scan
    from tradeterm.analysis.scanner.recipes import RECIPES, Component, Recipe, describe
    from tradeterm.analysis.scanner.result import ComponentExplanation, ScanResult, explain

# Submodules load on first use: the workstation imports this package for names and types
# long before the first scan, and numpy is not needed for its first frame.
_WHERE = {
    **dict.fromkeys(
        ("COLUMN_INFO", "COLUMN_NAMES", "COLUMNS", "NUMERIC_COLUMNS", "TEXT_COLUMNS",
         "ColumnInfo", "ScannerError"),
        "columns",
    ),
    **dict.fromkeys(("CandleMatrix", "MatrixBuilder", "candles_to_matrix", "ticker_spread_bps"),
                    "convert"),
    **dict.fromkeys(("FEATURES", "FeatureInfo"), "features"),
    **dict.fromkeys(("RECIPES", "Component", "Recipe", "describe"), "recipes"),
    **dict.fromkeys(("ComponentExplanation", "ScanResult", "explain"), "result"),
    "scan": "passes",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


__all__ = [
    "COLUMNS",
    "COLUMN_INFO",
    "COLUMN_NAMES",
    "FEATURES",
    "NUMERIC_COLUMNS",
    "RECIPES",
    "TEXT_COLUMNS",
    "CandleMatrix",
    "ColumnInfo",
    "Component",
    "ComponentExplanation",
    "FeatureInfo",
    "MatrixBuilder",
    "Recipe",
    "ScanResult",
    "ScannerError",
    "candles_to_matrix",
    "describe",
    "explain",
    "scan",
    "ticker_spread_bps",
]
