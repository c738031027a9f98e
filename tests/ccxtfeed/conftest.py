"""Fixtures for the ccxt feed tests: the Binance stand-in exchange's import path (the real
ccxt Binance client is pointed at it)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "binance"))
