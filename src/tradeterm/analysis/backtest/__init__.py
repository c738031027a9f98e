"""Backtests on candles: file readers, the vectorised engine, metrics and parameter search."""
