"""Fills with the PnL each one realized, for export: from an account's fills or its ledger."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.account import Position, fee_parts
from tradeterm.domain.events import OrderFilled
from tradeterm.domain.fills import Fill
from tradeterm.engine.journal import event_from_record
from tradeterm.engine.ledger import Record

HEADER = (
    "time_utc",
    "ts_ns",
    "account",
    "symbol",
    "side",
    "price",
    "qty",
    "notional",
    "fee",
    "fee_asset",
    "liquidity",
    "realized_pnl",
    "cum_realized_pnl",
    "client_id",
    "fill_id",
    "note",
)
#: The note on the row that marks a paper account's reset.
RESET_NOTE = "account reset to its starting balances: positions and realized PnL start again at 0"


@dataclass(frozen=True, slots=True)
class FillRow:
    fill: Fill
    realized: Decimal
    cumulative: Decimal


@dataclass(frozen=True, slots=True)
class ResetMark:
    """Where a paper account was reset: its positions and running realized PnL restart."""

    account: str
    ts_ns: int


HistoryRow = FillRow | ResetMark


class _Realizer:
    """FIFO positions per (account, symbol), turning fills into FillRows."""

    def __init__(self, quote_of: dict[str, str] | None) -> None:
        self.quote_of = quote_of or {}
        self.positions: dict[tuple[str, str], Position] = {}
        self.cumulative: dict[str, Decimal] = {}

    def add(self, fill: Fill) -> FillRow:
        position = self.positions.setdefault((fill.account, fill.symbol), Position(fill.symbol))
        quote = self.quote_of.get(fill.symbol) or fill.symbol.split("/")[-1].split(":")[0]
        base = fill.symbol.split("/")[0]
        fee_quote, fee_base = fee_parts(fill.fee, fill.fee_asset, base, quote)
        realized = position.apply(fill.side, fill.qty, fill.price, fee_quote, fee_base)
        total = self.cumulative.get(fill.account, Decimal(0)) + realized
        self.cumulative[fill.account] = total
        return FillRow(fill, realized, total)

    def reset(self, account: str) -> None:
        self.positions = {k: p for k, p in self.positions.items() if k[0] != account}
        self.cumulative.pop(account, None)


def realized_rows(fills: Iterable[Fill], quote_of: dict[str, str] | None = None) -> list[FillRow]:
    """Each fill (oldest first) with the PnL it realized (FIFO, net of fees) and the running sum.

    Args:
        fills: in any order; they are sorted by time (ties keep their order).
        quote_of: symbol -> quote asset, to value base-asset fees (default: the part after '/').
    """
    realizer = _Realizer(quote_of)
    return [realizer.add(fill) for fill in sorted(fills, key=lambda f: f.ts_ns)]


def ledger_history(
    records: Iterable[Record], account: str | None = None, quote_of: dict[str, str] | None = None
) -> list[HistoryRow]:
    """Every journaled fill (of ``account``, or all) with its realized PnL, and a mark where
    a paper account was reset (its positions and running sum start again after it)."""
    realizer = _Realizer(quote_of)
    rows: list[HistoryRow] = []
    for record in records:
        if account is not None and record.account != account:
            continue
        if record.kind == "reset":
            realizer.reset(record.account)
            rows.append(ResetMark(record.account, record.ts_ns))
        elif record.kind == "filled":
            event = event_from_record("filled", record.payload)
            assert isinstance(event, OrderFilled)
            rows.append(realizer.add(event.fill))
    return rows


def ledger_rows(
    records: Iterable[Record], account: str | None = None, quote_of: dict[str, str] | None = None
) -> list[FillRow]:
    """Like ``ledger_history``, the fills only."""
    return [r for r in ledger_history(records, account, quote_of) if isinstance(r, FillRow)]


def utc_stamp(ts_ns: int) -> str:
    import time

    seconds, rest = divmod(ts_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest:09d}Z"


def write_csv(rows: Sequence[HistoryRow], path: Path) -> Path:
    """Write the rows (exact decimals as text) atomically; a reset is a row of its own with
    a running realized PnL of 0 and a note saying so. Returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            if isinstance(row, ResetMark):
                blank = ("",) * 9
                writer.writerow(
                    (utc_stamp(row.ts_ns), row.ts_ns, row.account, *blank, 0, "", "", RESET_NOTE)
                )
                continue
            f = row.fill
            writer.writerow(
                (
                    utc_stamp(f.ts_ns),
                    f.ts_ns,
                    f.account,
                    f.symbol,
                    f.side.value,
                    f.price,
                    f.qty,
                    f.price * f.qty,
                    f.fee,
                    f.fee_asset,
                    f.liquidity.value,
                    row.realized,
                    row.cumulative,
                    f.client_id,
                    f.fill_id,
                    "",
                )
            )
    os.replace(tmp, path)
    return path


def export_file(directory: Path, account: str, now_ns: int) -> Path:
    """A new ``fills-ACCOUNT-YYYYMMDD-HHMMSS[-N].csv`` in ``directory`` (never an old one)."""
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now_ns // 1_000_000_000))
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in account)
    path = directory / f"fills-{safe}-{stamp}.csv"
    n = 2
    while path.exists():
        path = directory / f"fills-{safe}-{stamp}-{n}.csv"
        n += 1
    return path
