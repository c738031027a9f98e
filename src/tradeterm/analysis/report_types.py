"""The session report's data: order slippage, round trips, per-symbol and total figures, JSON."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from tradeterm.domain.enums import Side

MidPath = Sequence[tuple[int, Decimal]]
"""(ts_ns, mid) samples of one symbol, oldest first."""


def _bps(value: Decimal, base: Decimal) -> float:
    return float(value / base * 10_000) if base else 0.0


@dataclass(frozen=True, slots=True)
class OrderSlippage:
    client_id: str
    symbol: str
    side: Side
    qty: Decimal
    avg_price: Decimal
    mid_at_send: Decimal
    cost: Decimal
    """Quote paid above the mid (buys) or given up below it (sells); negative is better."""

    @property
    def bps(self) -> float:
        return _bps(self.cost, self.mid_at_send * self.qty)


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One trade: a symbol's position from flat to flat (``exit_ns`` None while open)."""

    symbol: str
    side: Side
    """BUY for a long trade, SELL for a short one."""
    entry_ns: int
    exit_ns: int | None
    end_ns: int
    """The exit, or the session end for an open trade."""
    size: Decimal
    """Total quantity opened (all entries)."""
    avg_entry: Decimal
    avg_exit: Decimal | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    mae: Decimal
    mae_bps: float
    mfe: Decimal
    mfe_bps: float
    fills: int

    @property
    def is_open(self) -> bool:
        return self.exit_ns is None

    @property
    def pnl(self) -> Decimal:
        """Net PnL: realized + unrealized - fees."""
        return self.realized_pnl + self.unrealized_pnl - self.fees

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.entry_ns


@dataclass(frozen=True, slots=True)
class SymbolSummary:
    symbol: str
    quote: str
    fills: int
    volume_base: Decimal
    volume_quote: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    position: Decimal
    """Signed final position (negative is short)."""
    mark: Decimal | None
    """The price the open position is valued at: the final mark, else the last mid, else fill."""
    time_in_position_ns: int

    @property
    def net_pnl(self) -> Decimal:
        return self.realized_pnl + self.unrealized_pnl - self.fees


@dataclass(frozen=True, slots=True)
class SessionReport:
    """The whole session: per-symbol summaries, trades, per-order slippage and totals."""

    start_ns: int | None
    end_ns: int | None
    symbols: tuple[SymbolSummary, ...]
    trades: tuple[RoundTrip, ...]
    """Oldest entry first."""
    orders: tuple[OrderSlippage, ...]
    orders_without_mid: tuple[str, ...]
    time_in_position_ns: int
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    fills: int
    volume_quote: Decimal
    quote: str | None
    """The quote asset every symbol shares, or None when they differ."""
    avg_slippage_bps: float | None
    closed_trades: int
    winning_trades: int
    other_fees: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def net_pnl(self) -> Decimal:
        return self.realized_pnl + self.unrealized_pnl - self.fees

    @property
    def hit_rate(self) -> float | None:
        return self.winning_trades / self.closed_trades if self.closed_trades else None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data: decimals as exact strings, times as ``*_ns`` plus ``*_utc``."""
        extra = {
            SessionReport: ("net_pnl", "hit_rate"),
            RoundTrip: ("is_open", "pnl", "duration_ns"),
            SymbolSummary: ("net_pnl",),
            OrderSlippage: ("bps",),
        }
        body = _plain(self, extra)
        assert isinstance(body, dict)
        return {"format": "tradeterm-session-report", "version": 1, **body}

    def save_beside(self, recording_path: str | Path) -> Path:
        """Write ``<recording stem>.report.json`` next to the recording (atomically)."""
        path = Path(recording_path)
        target = path.with_name(f"{recording_stem(path)}.report.json")
        text = json.dumps(self.to_json(), indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def recording_stem(path: Path) -> str:
    """The name without its recording suffixes: ``s1.ndjson.gz`` -> ``s1``."""
    name = path.name
    for suffix in (".gz", ".ndjson", ".jsonl", ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def iso_utc(ts_ns: int) -> str:
    """ISO-8601 UTC with all nine fraction digits: ``2026-01-01T12:34:56.000000000Z``."""
    seconds, rest = divmod(ts_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest:09d}Z"


def _plain(value: object, extra: Mapping[type, tuple[str, ...]]) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in fields(value)] + list(extra.get(type(value), ()))
        value = {name: getattr(value, name) for name in names}
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            out[str(key)] = _plain(item, extra)
            if key in ("start_ns", "end_ns", "entry_ns", "exit_ns"):
                out[f"{str(key)[:-3]}_utc"] = None if item is None else iso_utc(int(item))
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, extra) for item in value]
    return value
