"""A yearly tax report from the ledger: realized gains per disposal with FIFO cost basis.

Rules (spot, per account and symbol, in the symbol's quote currency):
- a buy opens a lot of what it holds (its quantity less a fee taken in the base asset) at a
  cost of what it paid, its fee included;
- a sale disposes of its quantity plus any base-asset fee, taken from the oldest lots first;
  each lot it touches is one disposal row: proceeds = units x price, fees = the sale's fee
  (valued at the fill price when in the base asset) shared by units, cost basis = the lot's
  cost for those units, gain = proceeds - fees - cost basis, and the holding period in whole
  days from the lot's purchase to the sale;
- units sold that no bought lot covers (a starting balance) have no known cost: their row
  has no acquisition date and a cost basis of 0;
- a paper account's reset drops its lots, as it drops its balances.
"""

from __future__ import annotations

import csv
import os
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tradeterm.domain.account import fee_parts
from tradeterm.domain.enums import Side
from tradeterm.domain.events import OrderFilled
from tradeterm.domain.fills import Fill
from tradeterm.domain.numbers import ZERO
from tradeterm.engine.journal import event_from_record
from tradeterm.engine.ledger import Record

DAY_NS = 86_400 * 1_000_000_000

HEADER = (
    "row",
    "account",
    "asset",
    "quote",
    "symbol",
    "acquired_utc",
    "disposed_utc",
    "holding_days",
    "qty",
    "proceeds",
    "fees",
    "cost_basis",
    "gain",
    "fill_id",
)


@dataclass(slots=True)
class _Lot:
    qty: Decimal
    cost: Decimal
    ts_ns: int


@dataclass(frozen=True, slots=True)
class Disposal:
    """Units of one lot (or of an unknown-cost balance: ``acquired_ns`` None) sold by one fill."""

    account: str
    symbol: str
    asset: str
    quote: str
    acquired_ns: int | None
    disposed_ns: int
    qty: Decimal
    proceeds: Decimal
    fees: Decimal
    cost_basis: Decimal
    fill_id: str

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.fees - self.cost_basis

    @property
    def holding_days(self) -> int | None:
        if self.acquired_ns is None:
            return None
        return (self.disposed_ns - self.acquired_ns) // DAY_NS


@dataclass(frozen=True, slots=True)
class AssetTotal:
    """One account's disposals of one asset in the year, added up."""

    account: str
    asset: str
    quote: str
    qty: Decimal
    proceeds: Decimal
    fees: Decimal
    cost_basis: Decimal

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.fees - self.cost_basis


def _year_bounds(year: int) -> tuple[int, int]:
    import calendar

    start = calendar.timegm((year, 1, 1, 0, 0, 0, 0, 0, 0))
    end = calendar.timegm((year + 1, 1, 1, 0, 0, 0, 0, 0, 0))
    return start * 1_000_000_000, end * 1_000_000_000


class _Books:
    """FIFO lots per (account, symbol), turning sales into disposals."""

    def __init__(self, quote_of: dict[str, str]) -> None:
        self.quote_of = quote_of
        self.lots: dict[tuple[str, str], deque[_Lot]] = {}

    def reset(self, account: str) -> None:
        self.lots = {k: v for k, v in self.lots.items() if k[0] != account}

    def add(self, fill: Fill) -> list[Disposal]:
        base = fill.symbol.split("/")[0]
        quote = self.quote_of.get(fill.symbol) or fill.symbol.split("/")[-1].split(":")[0]
        fee_quote, fee_base = fee_parts(fill.fee, fill.fee_asset, base, quote)
        lots = self.lots.setdefault((fill.account, fill.symbol), deque())
        if fill.side is Side.BUY:
            held = fill.qty - fee_base
            if held > 0:
                lots.append(_Lot(held, fill.qty * fill.price + fee_quote, fill.ts_ns))
            return []
        units = fill.qty + fee_base
        fees = fee_quote + fee_base * fill.price
        out = []
        left, fees_left = units, fees
        while left:
            lot = lots[0] if lots else None
            take = left if lot is None else min(left, lot.qty)
            fee = fees_left if take == left else fees * take / units
            if lot is None:
                basis = ZERO
            elif take == lot.qty:
                basis = lot.cost
                lots.popleft()
            else:
                basis = lot.cost * take / lot.qty
                lot.qty -= take
                lot.cost -= basis
            out.append(
                Disposal(
                    fill.account,
                    fill.symbol,
                    base,
                    quote,
                    None if lot is None else lot.ts_ns,
                    fill.ts_ns,
                    take,
                    take * fill.price,
                    fee,
                    basis,
                    fill.fill_id,
                )
            )
            left -= take
            fees_left -= fee
        return out


def tax_disposals(
    records: Iterable[Record],
    year: int,
    account: str | None = None,
    quote_of: dict[str, str] | None = None,
) -> list[Disposal]:
    """Every disposal in ``year`` (UTC) of ``account`` (or of all), oldest first; lots are
    built from the whole ledger, so a lot bought in an earlier year keeps its cost and date."""
    start, end = _year_bounds(year)
    books = _Books(quote_of or {})
    out: list[Disposal] = []
    for record in records:
        if account is not None and record.account != account:
            continue
        if record.kind == "reset":
            books.reset(record.account)
        elif record.kind == "filled":
            event = event_from_record("filled", record.payload)
            assert isinstance(event, OrderFilled)
            disposals = books.add(event.fill)
            if start <= event.fill.ts_ns < end:
                out.extend(disposals)
    return out


def asset_totals(disposals: Iterable[Disposal]) -> list[AssetTotal]:
    """The disposals added up per (account, asset, quote), in that order."""
    sums: dict[tuple[str, str, str], list[Decimal]] = {}
    for d in disposals:
        row = sums.setdefault((d.account, d.asset, d.quote), [ZERO, ZERO, ZERO, ZERO])
        row[0] += d.qty
        row[1] += d.proceeds
        row[2] += d.fees
        row[3] += d.cost_basis
    return [AssetTotal(*key, *values) for key, values in sorted(sums.items())]


def _stamp(ts_ns: int | None) -> str:
    if ts_ns is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts_ns // 1_000_000_000))


def write_tax_csv(disposals: Sequence[Disposal], path: Path) -> Path:
    """Write the disposals, then one ``total`` row per account and asset (exact decimals as
    text), atomically; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for d in disposals:
            days = d.holding_days
            dates = (_stamp(d.acquired_ns), _stamp(d.disposed_ns), "" if days is None else days)
            amounts = (d.qty, d.proceeds, d.fees, d.cost_basis, d.gain)
            writer.writerow(("disposal", d.account, d.asset, d.quote, d.symbol, *dates,
                             *amounts, d.fill_id))  # fmt: skip
        for t in asset_totals(disposals):
            amounts = (t.qty, t.proceeds, t.fees, t.cost_basis, t.gain)
            writer.writerow(("total", t.account, t.asset, t.quote, "", "", "", "", *amounts, ""))
    os.replace(tmp, path)
    return path
