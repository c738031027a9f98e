"""The optional C kernels behind the indicators, when built and not switched off.

``tradeterm.analysis._kernels`` (``_kernels.c``, built by ``setup.py`` when a C compiler is
present) runs EMA, MACD, RSI, ATR and Bollinger Bands as the single sequential loops TA-Lib
runs. Without it, or with the environment variable ``TRADETERM_KERNELS=numpy`` (read at
every call, so tests cover both paths), :mod:`tradeterm.analysis.indicator_arrays` uses its
numpy code. Both give the same results to rounding (far inside 1e-9).
"""

from __future__ import annotations

import os
from types import ModuleType

SWITCH = "TRADETERM_KERNELS"
"""Set to ``numpy`` to use the numpy code even where the C kernels are built."""


def _load() -> ModuleType | None:
    try:
        from tradeterm.analysis import _kernels
    except ImportError:
        return None
    return _kernels


_MODULE = _load()


def built() -> bool:
    """True when the C kernels are importable (whatever the switch says)."""
    return _MODULE is not None


def kernels() -> ModuleType | None:
    """The C kernels module, or None to use the numpy code."""
    if _MODULE is None or os.environ.get(SWITCH) == "numpy":
        return None
    return _MODULE
