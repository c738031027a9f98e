"""Analysis: indicators, scanner scores and backtests over pandas/numpy (floats live here)."""
