"""Types of the optional C kernels (``_kernels.c``); see tradeterm.analysis.native."""

from typing_extensions import Buffer

def recurrence(tail: Buffer, seed: float, d: float, scale: float, out: Buffer) -> None: ...
def macd(
    values: Buffer,
    fast_seed: float,
    fast_d: float,
    fast_k: float,
    slow_seed: float,
    slow_d: float,
    slow_k: float,
    signal_period: int,
    signal_d: float,
    signal_k: float,
    line: Buffer,
    signal: Buffer,
    hist: Buffer,
) -> None: ...
def rsi(values: Buffer, period: int, gain_seed: float, loss_seed: float, out: Buffer) -> None: ...
def atr(
    high: Buffer, low: Buffer, close: Buffer, period: int, seed: float, out: Buffer
) -> None: ...
def bollinger(
    values: Buffer,
    period: int,
    factor: float,
    middle: Buffer,
    upper: Buffer,
    lower: Buffer,
    percent_b: Buffer,
    width: Buffer,
) -> None: ...
