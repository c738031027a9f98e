"""Fixtures for the native Kraken feed tests: the stand-in exchange's import path."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
