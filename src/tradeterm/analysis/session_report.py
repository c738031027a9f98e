"""Session report: PnL, fills, slippage against the mid at send, round trips and their excursions.

Money is exact ``Decimal`` in each symbol's quote asset; floats only for ratios (bps, hit
rate). Totals add the symbols' quote amounts (meaningful when they share a quote asset).

- Realized PnL: fills matched first-in first-out, like the engine's ``Position``.
- Fees in quote: quote-asset fees as charged (the paper venue's sells), base-asset fees at
  the fill price (its buys); fees in any other asset go to ``other_fees``, not net PnL.
- Trade: one symbol's position from flat back to flat. Adding or reducing part of the
  way stays in the trade; a fill through zero (a flip) closes it and opens a new trade
  the other way with the rest of the fill, the fee split by quantity. A trade open at
  the end is marked open and valued at the final mark. Trade PnL = realized +
  unrealized - its fees; it wins when that is above zero. Hit rate = winning closed
  trades / closed trades.
- Slippage: an order's volume-weighted fill price against the mid when it was sent,
  positive when worse (buys above the mid, sells below); ``cost`` = difference x qty,
  bps = cost / notional at the mid (so averages are volume-weighted).
- Excursions, from the mid path: at each sample while a trade is open, its unrealized
  PnL ``qty x mid - cost basis`` and that in bps of the cost basis; a sample at the same
  ns as a fill is the market just before it. MAE = the lowest (0 if never under water),
  MFE = the highest; quote and bps extremes are found separately. An open trade is
  measured to the end, the final mark included.
- Time in position: per symbol the sum of its trades' durations (to the exit, or the
  session end); in total, the time during which any symbol had a position.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tradeterm.analysis.report_types import (
    MidPath,
    OrderSlippage,
    RoundTrip,
    SessionReport,
    SymbolSummary,
    _bps,
    iso_utc,
    recording_stem,
)
from tradeterm.domain.enums import Side
from tradeterm.domain.fills import Fill
from tradeterm.domain.numbers import ZERO
from tradeterm.domain.orders import Order

__all__ = [
    "MidPath",
    "OrderSlippage",
    "RoundTrip",
    "SessionReport",
    "SymbolSummary",
    "build_report",
    "iso_utc",
    "mids_at_send",
    "recording_stem",
]


def mids_at_send(orders: Iterable[Order]) -> dict[str, Decimal]:
    """client_id -> the book's mid when each order was placed (where there was one)."""
    return {o.client_id: o.mid_at_send for o in orders if o.mid_at_send is not None}


# --- computation ------------------------------------------------------------


@dataclass(slots=True)
class _Trip:
    """The trade being built while its symbol's fills are walked."""

    side: Side
    entry_ns: int
    entry_qty: Decimal = ZERO
    entry_value: Decimal = ZERO
    exit_qty: Decimal = ZERO
    exit_value: Decimal = ZERO
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    fills: int = 0
    mae: Decimal = ZERO
    mfe: Decimal = ZERO
    mae_bps: float = 0.0
    mfe_bps: float = 0.0

    def done(self, symbol: str, exit_ns: int | None, end_ns: int, unrealized: Decimal) -> RoundTrip:
        return RoundTrip(
            symbol, self.side, self.entry_ns, exit_ns, end_ns, self.entry_qty,
            self.entry_value / self.entry_qty,
            self.exit_value / self.exit_qty if self.exit_qty else None,
            self.realized, unrealized, self.fees,
            self.mae, self.mae_bps, self.mfe, self.mfe_bps, self.fills,
        )  # fmt: skip


@dataclass(slots=True)
class _Walk:
    """One symbol walked fill by fill: FIFO lots, running totals, finished and open trades."""

    symbol: str
    other_fees: dict[str, Decimal]
    lots: deque[list[Decimal]] = field(default_factory=deque)  # [signed qty, price]
    qty: Decimal = ZERO
    basis: Decimal = ZERO  # sum of lot qty x price
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    trip: _Trip | None = None
    trades: list[RoundTrip] = field(default_factory=list)

    def sample(self, mid: Decimal) -> None:
        """A mid while the position is held: the open trade's excursions."""
        trip = self.trip
        if trip is not None and self.qty:
            unrealized = self.qty * mid - self.basis
            bps = _bps(unrealized, abs(self.basis))
            trip.mae, trip.mfe = min(trip.mae, unrealized), max(trip.mfe, unrealized)
            trip.mae_bps, trip.mfe_bps = min(trip.mae_bps, bps), max(trip.mfe_bps, bps)

    def fee_in_quote(self, fill: Fill) -> Decimal:
        base, _, rest = self.symbol.partition("/")
        if fill.fee_asset == rest.partition(":")[0] or not fill.fee:
            return fill.fee
        if fill.fee_asset == base:
            return fill.fee * fill.price
        self.other_fees[fill.fee_asset] = self.other_fees.get(fill.fee_asset, ZERO) + fill.fee
        return ZERO

    def apply(self, fill: Fill) -> None:
        sign, rest, price = fill.side.sign, fill.qty, fill.price
        fee = self.fee_in_quote(fill)
        self.fees += fee
        trip = self.trip
        if trip is not None and (self.qty > 0) != (sign > 0):
            take = min(rest, abs(self.qty))
            closing_fee = fee if take == rest else fee * take / rest
            realized = self._match(take, price)
            self.realized += realized
            trip.realized += realized
            trip.exit_qty += take
            trip.exit_value += take * price
            trip.fees += closing_fee
            trip.fills += 1
            fee -= closing_fee
            rest -= take
            if not self.qty:
                self.trades.append(trip.done(self.symbol, fill.ts_ns, fill.ts_ns, ZERO))
                trip = self.trip = None
        if rest:
            if trip is None:
                trip = self.trip = _Trip(fill.side, fill.ts_ns)
            self.lots.append([rest * sign, price])
            self.qty += rest * sign
            self.basis += rest * sign * price
            trip.entry_qty += rest
            trip.entry_value += rest * price
            trip.fees += fee
            trip.fills += 1

    def _match(self, take: Decimal, price: Decimal) -> Decimal:
        """Close ``take`` of the oldest lots at ``price``; returns the PnL realized."""
        realized = ZERO
        while take:
            lot = self.lots[0]
            n = min(take, abs(lot[0]))
            signed = n if lot[0] > 0 else -n
            realized += signed * (price - lot[1])
            lot[0] -= signed
            self.qty -= signed
            self.basis -= signed * lot[1]
            take -= n
            if not lot[0]:
                self.lots.popleft()
        return realized

    def run(
        self, fills: list[Fill], path: MidPath, mark: Decimal | None, end_ns: int | None
    ) -> tuple[SymbolSummary, list[RoundTrip]]:
        """Walk the symbol's fills (oldest first) and mid path; its summary and trades."""
        i = 0
        for fill in fills:
            while i < len(path) and path[i][0] <= fill.ts_ns:  # the market just before the fill
                self.sample(path[i][1])
                i += 1
            self.apply(fill)
        end = max(fills[-1].ts_ns if end_ns is None else end_ns, fills[-1].ts_ns)
        for ts, mid in path[i:]:
            if ts > end:
                break
            self.sample(mid)
        if mark is None:
            mark = path[-1][1] if path else fills[-1].price
        unrealized = self.qty * mark - self.basis
        trades = list(self.trades)
        if self.trip is not None:
            self.sample(mark)
            trades.append(self.trip.done(self.symbol, None, end, unrealized))
        summary = SymbolSummary(
            self.symbol, self.symbol.partition("/")[2].partition(":")[0], len(fills),
            sum((f.qty for f in fills), ZERO), sum((f.notional for f in fills), ZERO),
            self.realized, unrealized, self.fees, self.qty, mark,
            sum(t.duration_ns for t in trades),
        )  # fmt: skip
        return summary, trades


def _union_ns(intervals: Iterable[tuple[int, int]]) -> int:
    total, reach = 0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            total += end - start
        elif end > reach:
            total += end - reach
        reach = end if reach is None else max(reach, end)
    return total


def build_report(
    fills: Iterable[Fill],
    mid_at_send: Mapping[str, Decimal],
    mid_paths: Mapping[str, MidPath],
    marks: Mapping[str, Decimal],
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
) -> SessionReport:
    """Compute the report of one session.

    Args:
        fills: every fill of the session, in any order; fills with equal timestamps keep
            the order given, so pass those oldest first (``reversed(account.fills)``).
        mid_at_send: client_id -> the symbol's mid when the order was sent.
        mid_paths: symbol -> (ts_ns, mid) samples, for the excursions.
        marks: symbol -> final mark, for open positions.
        start_ns: session start; defaults to the earliest fill or mid sample.
        end_ns: session end (open trades are measured to it); defaults to the latest.
    """
    ordered = sorted(fills, key=lambda f: f.ts_ns)
    paths = {s: sorted(p, key=lambda sample: sample[0]) for s, p in mid_paths.items()}
    stamps = [f.ts_ns for f in ordered] + [p[i][0] for p in paths.values() for i in (0, -1) if p]
    start = start_ns if start_ns is not None else min(stamps, default=None)
    end = end_ns if end_ns is not None else max(stamps, default=None)
    other: dict[str, Decimal] = {}
    by_symbol: dict[str, list[Fill]] = {}
    for fill in ordered:
        by_symbol.setdefault(fill.symbol, []).append(fill)
    orders, missing = _slippage(ordered, mid_at_send)
    summaries: list[SymbolSummary] = []
    trades: list[RoundTrip] = []
    for symbol in sorted(by_symbol):
        walk = _Walk(symbol, other)
        summary, found = walk.run(by_symbol[symbol], paths.get(symbol, []), marks.get(symbol), end)
        summaries.append(summary)
        trades.extend(found)
    trades.sort(key=lambda t: (t.entry_ns, t.symbol))
    quotes = {s.quote for s in summaries}
    at_mid = sum((o.mid_at_send * o.qty for o in orders), ZERO)
    slippage = _bps(sum((o.cost for o in orders), ZERO), at_mid) if orders else None
    return SessionReport(
        start, end, tuple(summaries), tuple(trades), tuple(orders), tuple(missing),
        _union_ns((t.entry_ns, t.end_ns) for t in trades),
        sum((s.realized_pnl for s in summaries), ZERO),
        sum((s.unrealized_pnl for s in summaries), ZERO),
        sum((s.fees for s in summaries), ZERO),
        len(ordered), sum((s.volume_quote for s in summaries), ZERO),
        quotes.pop() if len(quotes) == 1 else None, slippage,
        sum(1 for t in trades if not t.is_open),
        sum(1 for t in trades if not t.is_open and t.pnl > 0),
        dict(sorted(other.items())),
    )  # fmt: skip


def _slippage(
    fills: Sequence[Fill], mid_at_send: Mapping[str, Decimal]
) -> tuple[list[OrderSlippage], list[str]]:
    """Per order: the volume-weighted fill price against the mid at send."""
    grouped: dict[str, list[Fill]] = {}
    for fill in fills:
        grouped.setdefault(fill.client_id, []).append(fill)
    orders, missing = [], []
    for client_id, group in grouped.items():
        mid = mid_at_send.get(client_id)
        qty = sum((f.qty for f in group), ZERO)
        if not mid or not qty:
            missing.append(client_id)
            continue
        first = group[0]
        notional = sum((f.notional for f in group), ZERO)
        cost = (notional - mid * qty) * first.side.sign
        orders.append(
            OrderSlippage(client_id, first.symbol, first.side, qty, notional / qty, mid, cost)
        )
    return orders, missing
