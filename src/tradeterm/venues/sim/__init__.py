"""The built-in simulated market: the offline default venue."""
